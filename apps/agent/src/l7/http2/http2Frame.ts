/** HTTP/2 frames (RFC 9113 section 4 and 6): what the parser reads of them. */

export const FRAME_HEADER_BYTES = 9;
/** SETTINGS_MAX_FRAME_SIZE's initial value: a larger frame needs the receiver's consent. */
export const DEFAULT_MAX_FRAME_SIZE = 16_384;
/** The client's connection preface, before its first frame. */
export const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

export const Setting = {
  HEADER_TABLE_SIZE: 0x1,
  MAX_FRAME_SIZE: 0x5,
} as const;

export interface FrameHeader {
  length: number;
  type: number;
  flags: number;
  streamId: number;
  /** The reserved bit before the stream id: must be clear. */
  reserved: boolean;
}

export function parseFrameHeader(bytes: Buffer, offset = 0): FrameHeader {
  const word = bytes.readUInt32BE(offset + 5);
  return {
    length: bytes.readUIntBE(offset, 3),
    type: bytes[offset + 3] as number,
    flags: bytes[offset + 4] as number,
    streamId: word & 0x7fff_ffff,
    reserved: (word & 0x8000_0000) !== 0,
  };
}

interface FrameRule {
  /** The flags the type defines. */
  flags: number;
  /** On stream 0 (true), on another (false), either (null). */
  connection: boolean | null;
  length?: (n: number) => boolean;
}

const RULES: ReadonlyMap<number, FrameRule> = new Map<number, FrameRule>([
  [FrameType.DATA, { flags: Flag.END_STREAM | Flag.PADDED, connection: false }],
  [FrameType.HEADERS, { flags: Flag.END_STREAM | Flag.END_HEADERS | Flag.PADDED | Flag.PRIORITY, connection: false }],
  [FrameType.PRIORITY, { flags: 0, connection: false, length: (n) => n === 5 }],
  [FrameType.RST_STREAM, { flags: 0, connection: false, length: (n) => n === 4 }],
  [FrameType.SETTINGS, { flags: Flag.ACK, connection: true, length: (n) => n % 6 === 0 }],
  [FrameType.PUSH_PROMISE, { flags: Flag.END_HEADERS | Flag.PADDED, connection: false, length: (n) => n >= 4 }],
  [FrameType.PING, { flags: Flag.ACK, connection: true, length: (n) => n === 8 }],
  [FrameType.GOAWAY, { flags: 0, connection: true, length: (n) => n >= 8 }],
  [FrameType.WINDOW_UPDATE, { flags: 0, connection: null, length: (n) => n === 4 }],
  [FrameType.CONTINUATION, { flags: Flag.END_HEADERS, connection: false }],
]);

/**
 * Whether a header is one RFC 9113 allows: a defined type with only its
 * defined flags, on the stream its type requires, of the length it requires,
 * the reserved bit clear, within the frame size allowed. The framing
 * recovers only at calls made of such frames, and the kernel classifies a
 * connection met mid-stream by the same test (bpf/l7_capture.bpf.c).
 */
export function isWellFormed(header: FrameHeader, maxFrameSize: number): boolean {
  const rule = RULES.get(header.type);
  if (!rule || header.reserved || header.length > maxFrameSize) return false;
  if ((header.flags & ~rule.flags) !== 0) return false;
  if (rule.connection !== null && (header.streamId === 0) !== rule.connection) return false;
  if (header.type === FrameType.SETTINGS && (header.flags & Flag.ACK) !== 0 && header.length !== 0) return false;
  return rule.length === undefined || rule.length(header.length);
}
