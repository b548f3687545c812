/** The start line and the framing headers of one HTTP/1 message. */
export type Http1Head =
  | { kind: 'request'; method: string; target: string; framing: HeaderFraming; complete: boolean }
  | { kind: 'response'; status: number; framing: HeaderFraming; complete: boolean };

/** What the headers say about the body; `complete` false when they were not all seen. */
export interface HeaderFraming {
  contentLength: number | null;
  chunked: boolean;
  upgrade: boolean;
}

const REQUEST_LINE = /^([A-Z]{3,16}) (\S+) HTTP\/1\.[01]$/;
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/;
/** The first bytes of a message: a request line's method and a space, or a status line's version. */
const MESSAGE_START = /^(?:[A-Z]{3,16} [^ \r\n]|HTTP\/1\.[01] )/;

export function looksLikeMessageStart(text: string): boolean {
  return MESSAGE_START.test(text);
}

/**
 * Parses a message's head: `text` is the start line and headers without the
 * blank line when `complete`, else as much of them as was copied (the start
 * line must be whole). Null when the start line is not HTTP/1.
 */
/** The three headers framing depends on, lower-case. */
const CONTENT_LENGTH = 'content-length';
const TRANSFER_ENCODING = 'transfer-encoding';
const UPGRADE = 'upgrade';

/** Whether `name` (lower-case ASCII) is at `at` in text, letters in any case. */
function nameAt(text: string, at: number, name: string): boolean {
  if (at + name.length > text.length) return false;
  for (let i = 0; i < name.length; i++) {
    const want = name.charCodeAt(i);
    const c = text.charCodeAt(at + i);
    // Only letters fold: '-' must not match '\r' (0x0d | 0x20 is 0x2d).
    if (c !== want && !(want >= 0x61 && want <= 0x7a && c === want - 0x20)) return false;
  }
  return true;
}

/**
 * The value of a framing header whose name ends at `at`: after blanks, a
 * colon and blanks, up to the line's end (the first CR or LF); null when no
 * colon follows.
 */
function valueAt(text: string, at: number): string | null {
  let p = at;
  while (p < text.length && (text.charCodeAt(p) === 0x20 || text.charCodeAt(p) === 0x09)) p++;
  if (text.charCodeAt(p) !== 0x3a) return null;
  p++;
  while (p < text.length && (text.charCodeAt(p) === 0x20 || text.charCodeAt(p) === 0x09)) p++;
  let end = p;
  while (end < text.length && text.charCodeAt(end) !== 0x0d && text.charCodeAt(end) !== 0x0a) end++;
  return text.slice(p, end);
}

/**
 * Parses a message's head: `text` is the start line and headers without the
 * blank line when `complete`, else as much of them as was copied (the start
 * line must be whole). Null when the start line is not HTTP/1.
 */
export function parseHttp1Head(text: string, complete: boolean): Http1Head | null {
  const lineEnd = text.indexOf('\r\n');
  if (!complete && lineEnd < 0) return null;
  const startLine = lineEnd < 0 ? text : text.slice(0, lineEnd);
  const framing: HeaderFraming = { contentLength: null, chunked: false, upgrade: false };
  // An incomplete head's last line may be cut: only whole lines count.
  const headers = complete ? text : text.slice(0, text.lastIndexOf('\r\n'));
  // Each header starts after a CRLF: the three are looked for there, by
  // hand (this runs for every message; a global regex cost more).
  for (let at = lineEnd >= 0 ? headers.indexOf('\r\n', lineEnd) : -1; at >= 0; at = headers.indexOf('\r\n', at + 2)) {
    const start = at + 2;
    const first = headers.charCodeAt(start) | 0x20;
    const name =
      first === 0x63 && nameAt(headers, start, CONTENT_LENGTH)
        ? CONTENT_LENGTH
        : first === 0x74 && nameAt(headers, start, TRANSFER_ENCODING)
          ? TRANSFER_ENCODING
          : first === 0x75 && nameAt(headers, start, UPGRADE)
            ? UPGRADE
            : null;
    if (name === null) continue;
    const raw = valueAt(headers, start + name.length);
    if (raw === null) continue;
    const value = raw.trim();
    if (name === CONTENT_LENGTH) {
      const length = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
      framing.contentLength = Number.isSafeInteger(length) ? length : null;
    } else if (name === TRANSFER_ENCODING) {
      // Chunked only when it is the last coding applied (RFC 9112 6.1).
      framing.chunked = value.toLowerCase().split(',').pop()?.trim() === 'chunked';
    } else {
      framing.upgrade = true;
    }
  }
  const request = REQUEST_LINE.exec(startLine);
  if (request) return { kind: 'request', method: request[1] ?? '', target: request[2] ?? '', framing, complete };
  const status = STATUS_LINE.exec(startLine);
  if (status) return { kind: 'response', status: Number(status[1]), framing, complete };
  return null;
}
