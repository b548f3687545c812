import { looksLikeMessageStart, parseHttp1Head, type Http1Head } from './http1Head.js';

/** Heads remembered at most, and the longest remembered: at most 512 KiB of text. */
const MAX_HEADS = 1024;
const MAX_HEAD_CHARS = 512;

/**
 * Whole message heads already parsed, by their text: a client sends the same
 * request head again and again, and a server's differ by a Date header once
 * a second, so most heads were parsed before. Parsing is a pure function of
 * the text, so a remembered head is exactly what parsing again would give
 * (the heads are shared: nothing may change them). Bounded; cleared when full.
 */
export class Http1HeadCache {
  private readonly heads = new Map<string, Http1Head>();

  /** parseHttp1Head(text, true) of a text that looks like a message start, else null. */
  parseComplete(text: string): Http1Head | null {
    const known = this.heads.get(text);
    if (known) return known;
    const head = looksLikeMessageStart(text) ? parseHttp1Head(text, true) : null;
    if (head && text.length <= MAX_HEAD_CHARS) {
      if (this.heads.size >= MAX_HEADS) this.heads.clear();
      this.heads.set(text, head);
    }
    return head;
  }
}

/** One for the process: the heads repeat across connections. */
export const sharedHeadCache = new Http1HeadCache();
