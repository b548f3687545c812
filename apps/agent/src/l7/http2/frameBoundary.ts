import type { CallView } from './callView.js';
import { FRAME_HEADER_BYTES, isWellFormed, parseFrameHeader } from './http2Frame.js';

/** Frames a call may hold for it to prove a boundary (a bound on the work per call). */
const MAX_FRAMES = 64;

/**
 * Whether a call proves that it starts at a frame boundary: it is whole
 * frames, each header copied and well-formed, the last frame ending at the
 * call's last byte. A call that starts mid-frame would have to put
 * well-formed headers at every offset its own lengths point to and end
 * exactly there, which payload bytes do not do by chance. Senders write
 * whole frames per call, so such calls come soon after a loss.
 */
export function provesFrameBoundary(view: CallView, maxFrameSize: number): boolean {
  let pos = 0;
  for (let i = 0; i < MAX_FRAMES && pos < view.length; i++) {
    const bytes = view.bytes(pos, FRAME_HEADER_BYTES);
    if (!bytes) return false;
    const header = parseFrameHeader(bytes);
    if (!isWellFormed(header, maxFrameSize)) return false;
    pos += FRAME_HEADER_BYTES + header.length;
    if (pos === view.length) return true;
  }
  return false;
}
