import type { CallBytes, ParserCounters } from '../l7Types.js';
import { looksLikeMessageStart, parseHttp1Head, type Http1Head } from './http1Head.js';
import { sharedHeadCache } from './http1HeadCache.js';

/** How a message's body is delimited, as the stream decides from its head. */
export type BodyFraming =
  | { kind: 'none' }
  | { kind: 'length'; bytes: number }
  | { kind: 'chunked' }
  | { kind: 'until-close' }
  /** The connection left HTTP/1 (101, CONNECT): nothing more is parsed. */
  | { kind: 'opaque' };

export interface MessageHandler {
  /** A message's head was read; tsNs is when the call with its first byte returned. Says how its body is framed. */
  onHead(head: Http1Head, tsNs: bigint): BodyFraming;
  /** The message's last byte was in the call that returned at tsNs. */
  onEnd(tsNs: bigint): void;
}

type State =
  | { mode: 'idle' }
  | { mode: 'headers'; carry: string; startTsNs: bigint }
  | { mode: 'length'; remaining: number }
  | { mode: 'chunk-size'; carry: string }
  | { mode: 'chunk-data'; remaining: number }
  | { mode: 'chunk-trailer'; carry: string }
  /**
   * Inside a chunked body whose next chunk header fell outside the copied
   * bytes: it ends at a call whose last bytes are the last chunk, else at
   * the last call before the next message starts (or the connection closes).
   */
  | { mode: 'chunked-blind'; lastTsNs: bigint }
  | { mode: 'until-close'; lastTsNs: bigint }
  /** Framing lost: waiting for a call that starts with a message. */
  | { mode: 'lost' }
  | { mode: 'opaque' };

/** Head bytes carried from one call to the next while a message's headers arrive in pieces. */
const MAX_HEADER_CARRY = 16_384;
const MAX_LINE_CARRY = 256;
const LAST_CHUNK = '0\r\n\r\n';
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');

/**
 * Follows the messages of one direction of an HTTP/1 connection through its
 * calls, seeing only each call's first and last bytes: it reads heads where
 * they are visible, skips Content-Length bodies by byte count (exact even
 * through gap calls), walks chunk headers while they fall in the copied
 * bytes and otherwise ends a chunked body at a call whose last bytes are
 * the last chunk. Hand-written because a general HTTP parser needs every
 * byte of the stream, and the kernel sends only these.
 */
export class Http1MessageReader {
  private state: State = { mode: 'idle' };

  constructor(
    private readonly handler: MessageHandler,
    private readonly counters: ParserCounters,
  ) {}

  read(call: CallBytes): void {
    const visible = call.gap ? 0 : Math.min(call.head.length, call.length);
    // The call's visible bytes as text, decoded only where needed: a head
    // found whole in the buffer is decoded alone (a response's body is not).
    let text = '';
    let decoded = visible === 0;
    let pos = 0;
    while (pos < call.length) {
      const s = this.state;
      if (!decoded && s.mode !== 'idle' && s.mode !== 'length' && s.mode !== 'chunk-data') {
        text = call.head.toString('latin1', 0, visible);
        decoded = true;
      }
      switch (s.mode) {
        case 'opaque':
          return;
        case 'lost':
          if (pos === 0 && looksLikeMessageStart(text)) {
            this.state = { mode: 'idle' };
            continue;
          }
          return;
        case 'until-close':
          s.lastTsNs = call.tsNs;
          return;
        case 'length':
        case 'chunk-data': {
          const n = Math.min(s.remaining, call.length - pos);
          s.remaining -= n;
          pos += n;
          if (s.remaining === 0) {
            if (s.mode === 'length') this.end(call.tsNs);
            else this.state = { mode: 'chunk-size', carry: '' };
          }
          continue;
        }
        case 'chunked-blind':
          if (pos === 0 && looksLikeMessageStart(text)) {
            this.end(s.lastTsNs);
            continue;
          }
          s.lastTsNs = call.tsNs;
          if (this.endsWithLastChunk(call, text, visible)) this.end(call.tsNs);
          return;
        case 'idle':
        case 'headers': {
          const carry = s.mode === 'headers' ? s.carry : '';
          // A head split across calls started in the first of them.
          const startTsNs = s.mode === 'headers' ? s.startTsNs : call.tsNs;
          if (pos >= visible) {
            this.lose();
            return;
          }
          if (carry === '') {
            // The common case: the whole head in this call's copied bytes.
            const blankAt = call.head.indexOf(HEAD_END, pos);
            if (blankAt >= 0 && blankAt + 4 <= visible) {
              const headText = call.head.toString('latin1', pos, blankAt);
              const head = sharedHeadCache.parseComplete(headText);
              if (!head) {
                this.lose();
                return;
              }
              pos = blankAt + 4;
              this.begin(head, startTsNs, call.tsNs);
              continue;
            }
          }
          if (!decoded) {
            text = call.head.toString('latin1', 0, visible);
            decoded = true;
          }
          const available = carry + text.slice(pos, visible);
          if (carry === '' && !looksLikeMessageStart(available)) {
            this.lose();
            return;
          }
          const blank = available.indexOf('\r\n\r\n');
          if (blank < 0) {
            if (visible === call.length && available.length <= MAX_HEADER_CARRY) {
              // The call ended inside the headers: the rest comes in the next one.
              this.state = { mode: 'headers', carry: available, startTsNs };
              return;
            }
            this.headRunsPast(available, startTsNs, call.tsNs);
            return;
          }
          const head = parseHttp1Head(available.slice(0, blank), true);
          if (!head) {
            this.lose();
            return;
          }
          pos += blank + 4 - carry.length;
          this.begin(head, startTsNs, call.tsNs);
          continue;
        }
        case 'chunk-size':
        case 'chunk-trailer': {
          if (pos >= visible) {
            this.blind(call, text, visible);
            return;
          }
          const available = s.carry + text.slice(pos, visible);
          const lineEnd = available.indexOf('\r\n');
          if (lineEnd < 0) {
            if (visible === call.length && available.length <= MAX_LINE_CARRY) {
              this.state = { mode: s.mode, carry: available };
              return;
            }
            this.blind(call, text, visible);
            return;
          }
          const line = available.slice(0, lineEnd);
          pos += lineEnd + 2 - s.carry.length;
          if (s.mode === 'chunk-trailer') {
            if (line === '') this.end(call.tsNs);
            else this.state = { mode: 'chunk-trailer', carry: '' };
            continue;
          }
          const sizeText = (line.split(';')[0] ?? '').trim();
          const size = /^[0-9a-fA-F]{1,12}$/.test(sizeText) ? parseInt(sizeText, 16) : NaN;
          if (Number.isNaN(size)) {
            this.lose();
            return;
          }
          this.state = size === 0 ? { mode: 'chunk-trailer', carry: '' } : { mode: 'chunk-data', remaining: size + 2 };
          continue;
        }
      }
    }
  }

  /** The connection closed: a body delimited by the close (or not delimited as far as we can see) ends at its last call. */
  close(): void {
    if (this.state.mode === 'until-close' || this.state.mode === 'chunked-blind') this.end(this.state.lastTsNs);
    this.state = { mode: 'opaque' };
  }

  /** Forgets where it was: bytes were missed; parsing resumes at the next call that starts a message. */
  resync(): void {
    if (this.state.mode !== 'opaque') this.state = { mode: 'lost' };
  }

  /** A message whose head was read elsewhere (the kernel's framing) has `bytes` of its body still to come: they are skipped. */
  skipBody(bytes: number): void {
    if (this.state.mode === 'opaque') return;
    this.state = bytes > 0 ? { mode: 'length', remaining: bytes } : { mode: 'idle' };
  }

  /** Stops parsing (the connection switched protocol). */
  stop(): void {
    this.state = { mode: 'opaque' };
  }

  /** A head that started in the call of startTsNs and ended in the call of tsNs. */
  private begin(head: Http1Head, startTsNs: bigint, tsNs: bigint): void {
    const framing = this.handler.onHead(head, startTsNs);
    switch (framing.kind) {
      case 'none':
        this.end(tsNs);
        return;
      case 'length':
        if (framing.bytes === 0) this.end(tsNs);
        else this.state = { mode: 'length', remaining: framing.bytes };
        return;
      case 'chunked':
        this.state = { mode: 'chunk-size', carry: '' };
        return;
      case 'until-close':
        this.state = { mode: 'until-close', lastTsNs: tsNs };
        return;
      case 'opaque':
        this.state = { mode: 'opaque' };
        return;
    }
  }

  /**
   * The head runs past the bytes the kernel copied, so the body's framing is
   * unknown: a request is still counted (its response ends it), a response
   * ends at this call (counted: its duration is to its first bytes).
   */
  private headRunsPast(available: string, startTsNs: bigint, tsNs: bigint): void {
    const head = parseHttp1Head(available, false);
    if (!head) {
      this.lose();
      return;
    }
    this.handler.onHead(head, startTsNs);
    if (head.kind === 'response') {
      this.counters.headersUnseen += 1;
      this.handler.onEnd(tsNs);
    }
    this.state = { mode: 'lost' };
  }

  private blind(call: CallBytes, text: string, visible: number): void {
    this.state = { mode: 'chunked-blind', lastTsNs: call.tsNs };
    if (this.endsWithLastChunk(call, text, visible)) this.end(call.tsNs);
  }

  private endsWithLastChunk(call: CallBytes, text: string, visible: number): boolean {
    if (visible === call.length) return text.endsWith(LAST_CHUNK);
    return call.tail.length >= LAST_CHUNK.length && call.tail.toString('latin1').endsWith(LAST_CHUNK);
  }

  private end(tsNs: bigint): void {
    this.state = { mode: 'idle' };
    this.handler.onEnd(tsNs);
  }

  private lose(): void {
    this.counters.desyncs += 1;
    this.state = { mode: 'lost' };
  }
}
