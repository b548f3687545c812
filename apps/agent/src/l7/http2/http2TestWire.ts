// Bytes of HTTP/2 as a peer writes them, and calls as the kernel reports
// them: for the specs of this folder (not used by the agent).
import hpack from 'hpack.js';
import { CLIENT_PREFACE, Flag, FrameType } from './http2Frame.js';

export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

export const settings = (entries: Array<[number, number]> = []): Buffer =>
  frame(FrameType.SETTINGS, 0, 0, Buffer.concat(entries.map(([id, value]) => {
    const b = Buffer.alloc(6);
    b.writeUInt16BE(id, 0);
    b.writeUInt32BE(value, 2);
    return b;
  })));

export const data = (streamId: number, bytes: number, endStream = false): Buffer => frame(FrameType.DATA, endStream ? Flag.END_STREAM : 0, streamId, Buffer.alloc(bytes, 0x61));

export const rst = (streamId: number, code = 8): Buffer => {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(code, 0);
  return frame(FrameType.RST_STREAM, 0, streamId, payload);
};

/** One direction's HPACK encoder: blocks must be written in the order they are sent. */
export class HeaderWriter {
  private readonly compressor = hpack.compressor.create({ table: { maxSize: 4096 } });

  block(fields: Record<string, string>): Buffer {
    this.compressor.write(Object.entries(fields).map(([name, value]) => ({ name, value })));
    return this.compressor.read() ?? Buffer.alloc(0);
  }

  /** A HEADERS frame, or with `pieces` > 1 a HEADERS and CONTINUATIONs carrying the block in that many parts. */
  headers(streamId: number, fields: Record<string, string>, endStream = false, pieces = 1): Buffer {
    const block = this.block(fields);
    const size = Math.ceil(block.length / pieces);
    const frames: Buffer[] = [];
    for (let i = 0; i < pieces; i++) {
      const last = i === pieces - 1;
      const part = block.subarray(i * size, last ? block.length : (i + 1) * size);
      const flags = (last ? Flag.END_HEADERS : 0) | (i === 0 && endStream ? Flag.END_STREAM : 0);
      frames.push(frame(i === 0 ? FrameType.HEADERS : FrameType.CONTINUATION, flags, streamId, part));
    }
    return Buffer.concat(frames);
  }
}

export const PREFACE = CLIENT_PREFACE;
