import type { ParserCounters } from '../l7Types.js';
import { Flag, FrameType } from './http2Frame.js';
import type { Http2Frame } from './http2FrameReader.js';
import { DEFAULT_TABLE_SIZE, HpackBlockDecoder } from './hpackBlockDecoder.js';

/** The fields a request's or response's headers are read for (HTTP/2 names are lower case). */
export interface HeaderFields {
  method?: string;
  path?: string;
  status?: string;
  contentType?: string;
  grpcStatus?: string;
}

/** One header block (HEADERS and its CONTINUATIONs), decoded or not. */
export interface HeaderBlock {
  streamId: number;
  /** Null when the direction's HPACK state is lost: the block was seen, its fields are unknown. */
  fields: HeaderFields | null;
  endStream: boolean;
  /** Pushed (PUSH_PROMISE): decoded for the table's sake, not a request of the client's. */
  promise: boolean;
  startTsNs: bigint;
  endTsNs: bigint;
}

/** A header block larger than this is not gathered (bounded memory): the state is then lost. */
const MAX_BLOCK_BYTES = 65_536;

interface Pending {
  streamId: number;
  parts: Buffer[] | null;
  bytes: number;
  endStream: boolean;
  promise: boolean;
  startTsNs: bigint;
}

/**
 * The header blocks of one direction: HEADERS (or PUSH_PROMISE) and its
 * CONTINUATION frames joined, padding and priority taken off, decoded with
 * the direction's HPACK context. Once a block is missed or does not decode,
 * the dynamic table no longer matches the encoder's and every later block
 * would decode to guesses: the direction's state is then lost for good
 * (counted), and its blocks come with no fields.
 */
export class Http2HeaderBlocks {
  private decoder: HpackBlockDecoder | null = null;
  private stateLost: boolean;
  private pending: Pending | null = null;
  private maxTableSize = DEFAULT_TABLE_SIZE;

  /** `known`: the direction was seen from its first block on (a connection that predates the agent was not). */
  constructor(
    private readonly counters: ParserCounters,
    known: boolean,
  ) {
    this.stateLost = !known;
  }

  get lost(): boolean {
    return this.stateLost;
  }

  /** The dynamic table size the receiving end allows (its SETTINGS_HEADER_TABLE_SIZE); used from the first block on. */
  setMaxTableSize(bytes: number): void {
    this.maxTableSize = bytes;
  }

  /** A header-block frame (HEADERS, PUSH_PROMISE, CONTINUATION) in; a block out when it is complete. */
  onFrame(frame: Http2Frame): HeaderBlock | null {
    if (frame.type === FrameType.CONTINUATION) {
      const pending = this.pending;
      if (!pending || pending.streamId !== frame.streamId) {
        // A CONTINUATION of nothing: a block's start was not seen.
        this.pending = null;
        this.giveUp();
        return null;
      }
      this.append(pending, frame.payload);
    } else {
      if (this.pending) this.interrupt();
      const promise = frame.type === FrameType.PUSH_PROMISE;
      const pending: Pending = { streamId: frame.streamId, parts: [], bytes: 0, endStream: !promise && (frame.flags & Flag.END_STREAM) !== 0, promise, startTsNs: frame.startTsNs };
      this.append(pending, frame.payload === null ? null : fragmentOf(frame.payload, frame.flags, promise));
      this.pending = pending;
    }
    if ((frame.flags & Flag.END_HEADERS) === 0) return null;
    const done = this.pending as Pending;
    this.pending = null;
    return { streamId: done.streamId, fields: this.decode(done), endStream: done.endStream, promise: done.promise, startTsNs: done.startTsNs, endTsNs: frame.endTsNs };
  }

  /** A frame other than CONTINUATION came while a block was open: not HTTP/2 as sent, the block is lost. */
  interrupt(): void {
    if (!this.pending) return;
    this.pending = null;
    this.giveUp();
  }

  /** Bytes of the direction were missed (a header block among them, perhaps): the state is lost. */
  giveUp(): void {
    this.pending = null;
    this.decoder = null;
    if (this.stateLost) return;
    this.stateLost = true;
    this.counters.hpackLost += 1;
  }

  private append(pending: Pending, fragment: Buffer | null): void {
    if (fragment === null || pending.parts === null || pending.bytes + fragment.length > MAX_BLOCK_BYTES) {
      pending.parts = null;
      return;
    }
    pending.parts.push(fragment);
    pending.bytes += fragment.length;
  }

  private decode(block: Pending): HeaderFields | null {
    if (this.stateLost) return null;
    if (block.parts === null) {
      this.giveUp();
      return null;
    }
    this.decoder ??= new HpackBlockDecoder(this.maxTableSize);
    const fields = this.decoder.decode(block.parts.length === 1 ? (block.parts[0] as Buffer) : Buffer.concat(block.parts));
    if (fields === null) {
      this.giveUp();
      return null;
    }
    return pick(fields);
  }
}

/** The header block fragment of a HEADERS or PUSH_PROMISE payload; null when its padding or priority do not fit. */
function fragmentOf(payload: Buffer, flags: number, promise: boolean): Buffer | null {
  let start = 0;
  let padding = 0;
  if ((flags & Flag.PADDED) !== 0) {
    if (payload.length < 1) return null;
    padding = payload[0] as number;
    start = 1;
  }
  if (promise) start += 4;
  else if ((flags & Flag.PRIORITY) !== 0) start += 5;
  const end = payload.length - padding;
  return end < start ? null : payload.subarray(start, end);
}

function pick(fields: ReadonlyArray<[string, string]>): HeaderFields {
  const out: HeaderFields = {};
  for (const [name, value] of fields) {
    switch (name) {
      case ':method':
        out.method = value;
        break;
      case ':path':
        out.path = value;
        break;
      case ':status':
        out.status = value;
        break;
      case 'content-type':
        out.contentType = value;
        break;
      case 'grpc-status':
        out.grpcStatus = value;
        break;
    }
  }
  return out;
}
