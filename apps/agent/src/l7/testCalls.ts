// Calls as the kernel reports them, for the parsers' specs (not used by the agent).
import type { ParsedCall } from './l7Types.js';

const HEAD_BYTES = 512;
const TAIL_BYTES = 16;

/** A call of these bytes, returning at `ms`: the first 512 bytes and the last 16 of what moved. */
export function call(bytes: string | Buffer, ms: number, predates = false): ParsedCall {
  const all = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  return {
    length: all.length,
    head: all.subarray(0, HEAD_BYTES),
    tail: all.subarray(Math.max(0, all.length - TAIL_BYTES)),
    tsNs: BigInt(ms) * 1_000_000n,
    gap: false,
    predates,
  };
}

/** A call whose bytes the kernel could not read (sendfile, io_uring): its length only. */
export function gap(length: number, ms: number): ParsedCall {
  return { length, head: Buffer.alloc(0), tail: Buffer.alloc(0), tsNs: BigInt(ms) * 1_000_000n, gap: true, predates: false };
}
