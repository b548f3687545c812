import type { CallBytes, ParserCounters } from '../l7Types.js';
import { CallView } from './callView.js';
import { provesFrameBoundary } from './frameBoundary.js';
import { CLIENT_PREFACE, DEFAULT_MAX_FRAME_SIZE, FRAME_HEADER_BYTES, FrameType, parseFrameHeader, type FrameHeader } from './http2Frame.js';

/** One frame as read from a direction: its header, and its payload when the parser wants it. */
export interface Http2Frame extends FrameHeader {
  /**
   * The payload of the frame types whose content matters (HEADERS,
   * CONTINUATION, PUSH_PROMISE, SETTINGS, RST_STREAM), a copy; null for the
   * others, and for one of those that the kernel did not copy whole.
   */
  payload: Buffer | null;
  /** ktime of the call that carried the frame's first byte, and of the one that carried its last. */
  startTsNs: bigint;
  endTsNs: bigint;
}

export interface FrameSink {
  onFrame(frame: Http2Frame): void;
  /** The direction's framing was lost: the frames until it is found again are not seen. */
  onFramingLost(): void;
  /** The direction began with the client preface: its sender is the client. */
  onPreface(): void;
}

const KEPT_PAYLOADS: ReadonlySet<number> = new Set([FrameType.HEADERS, FrameType.CONTINUATION, FrameType.PUSH_PROMISE, FrameType.SETTINGS, FrameType.RST_STREAM]);
/** A kept payload larger than this is not gathered (bounded memory): the frame comes with no payload. */
export const MAX_KEPT_PAYLOAD = 16_384;

type State =
  /** The direction's first bytes: the client preface, or a frame. */
  | { mode: 'start' }
  /** At a frame header; `carry` holds its first bytes when a call ended inside it. */
  | { mode: 'header'; carry: Buffer | null; startTsNs: bigint }
  /** Inside a frame's payload; `parts` gathers a kept one (null: skipped, or not all of it was copied). */
  | { mode: 'payload'; header: FrameHeader; remaining: number; parts: Buffer[] | null; startTsNs: bigint }
  /** Framing lost: waiting for a call that proves a frame boundary. */
  | { mode: 'lost' };

/**
 * Follows the frames of one direction of an HTTP/2 connection through its
 * calls, seeing only each call's first and last bytes: a frame header is
 * read where it was copied (also when a call ends inside it), payloads are
 * skipped by their length (exact through any number of calls, gap calls
 * too), and those that matter are gathered. A header that lies where the
 * kernel copied nothing loses the framing (counted); it is found again only
 * at a call that proves a frame boundary (frameBoundary.ts).
 */
export class Http2FrameReader {
  private state: State;
  private maxFrameSize = DEFAULT_MAX_FRAME_SIZE;

  /** `atStart`: the direction's first call holds its first bytes; else (a connection joined mid-stream) framing must be found first. */
  constructor(
    private readonly sink: FrameSink,
    private readonly counters: ParserCounters,
    atStart: boolean,
  ) {
    this.state = atStart ? { mode: 'start' } : { mode: 'lost' };
  }

  get lost(): boolean {
    return this.state.mode === 'lost';
  }

  /** The largest frame the receiving end allows (its SETTINGS_MAX_FRAME_SIZE). */
  setMaxFrameSize(bytes: number): void {
    this.maxFrameSize = Math.max(DEFAULT_MAX_FRAME_SIZE, bytes);
  }

  read(call: CallBytes): void {
    const view = new CallView(call);
    let pos = 0;
    while (pos < call.length) {
      const s = this.state;
      switch (s.mode) {
        case 'start': {
          const preface = view.bytes(0, CLIENT_PREFACE.length);
          if (pos === 0 && preface?.equals(CLIENT_PREFACE)) {
            pos += CLIENT_PREFACE.length;
            this.sink.onPreface();
          }
          this.state = { mode: 'header', carry: null, startTsNs: call.tsNs };
          continue;
        }
        case 'lost':
          if (pos === 0 && provesFrameBoundary(view, this.maxFrameSize)) {
            this.counters.framingResyncs += 1;
            this.state = { mode: 'header', carry: null, startTsNs: call.tsNs };
            continue;
          }
          return;
        case 'header': {
          const have = s.carry?.length ?? 0;
          const startTsNs = have > 0 ? s.startTsNs : call.tsNs;
          const take = Math.min(FRAME_HEADER_BYTES - have, call.length - pos);
          const bytes = view.bytes(pos, take);
          if (!bytes) {
            this.lose();
            return;
          }
          const sofar = s.carry ? Buffer.concat([s.carry, bytes]) : bytes;
          pos += take;
          if (sofar.length < FRAME_HEADER_BYTES) {
            // The call ended inside the header: the rest starts the next one.
            this.state = { mode: 'header', carry: Buffer.from(sofar), startTsNs };
            return;
          }
          const header = parseFrameHeader(sofar);
          if (header.length > this.maxFrameSize) {
            this.lose();
            return;
          }
          this.begin(header, startTsNs, call.tsNs);
          continue;
        }
        case 'payload': {
          const n = Math.min(s.remaining, call.length - pos);
          if (s.parts) {
            const bytes = view.bytes(pos, n);
            if (bytes) s.parts.push(Buffer.from(bytes));
            else s.parts = null;
          }
          pos += n;
          s.remaining -= n;
          if (s.remaining === 0) this.end(s.header, s.parts ? Buffer.concat(s.parts) : null, s.startTsNs, call.tsNs);
          continue;
        }
      }
    }
  }

  /** Forgets where it was: bytes of the direction were missed. */
  resync(): void {
    this.state = { mode: 'lost' };
  }

  private begin(header: FrameHeader, startTsNs: bigint, tsNs: bigint): void {
    const kept = KEPT_PAYLOADS.has(header.type) && header.length <= MAX_KEPT_PAYLOAD;
    if (header.length === 0) {
      this.end(header, kept ? Buffer.alloc(0) : null, startTsNs, tsNs);
      return;
    }
    this.state = { mode: 'payload', header, remaining: header.length, parts: kept ? [] : null, startTsNs };
  }

  private end(header: FrameHeader, payload: Buffer | null, startTsNs: bigint, endTsNs: bigint): void {
    this.state = { mode: 'header', carry: null, startTsNs: endTsNs };
    this.sink.onFrame({ ...header, payload, startTsNs, endTsNs });
  }

  private lose(): void {
    this.counters.framingLost += 1;
    this.state = { mode: 'lost' };
    this.sink.onFramingLost();
  }
}
