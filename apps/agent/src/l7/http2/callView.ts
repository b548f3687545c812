import type { CallBytes } from '../l7Types.js';

/**
 * The bytes of one call that the kernel copied: its head (from the call's
 * first byte on) and its tail (its last bytes); whatever lies between is
 * known by its length only.
 */
export class CallView {
  /** Bytes [0, visible) are in the head. */
  readonly visible: number;
  /** Bytes [tailStart, length) are in the tail. */
  readonly tailStart: number;

  constructor(readonly call: CallBytes) {
    this.visible = call.gap ? 0 : Math.min(call.head.length, call.length);
    this.tailStart = call.length - Math.min(call.tail.length, call.length);
  }

  get length(): number {
    return this.call.length;
  }

  /** Bytes [pos, pos + n) when the kernel copied them all (a view, not a copy), else null. */
  bytes(pos: number, n: number): Buffer | null {
    const end = pos + n;
    if (pos < 0 || end > this.call.length) return null;
    if (end <= this.visible) return this.call.head.subarray(pos, end);
    if (pos >= this.tailStart) return this.call.tail.subarray(pos - this.tailStart, end - this.tailStart);
    // Head and tail meet: the whole call is known.
    if (this.visible >= this.tailStart) {
      return Buffer.concat([this.call.head.subarray(pos, this.visible), this.call.tail.subarray(this.visible - this.tailStart, end - this.tailStart)]);
    }
    return null;
  }
}
