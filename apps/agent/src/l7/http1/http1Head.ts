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
/** The three headers framing depends on, found without splitting the head into lines (this runs for every message). */
const FRAMING_HEADER = /\r\n(content-length|transfer-encoding|upgrade)[ \t]*:[ \t]*([^\r\n]*)/gi;

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
  if (lineEnd >= 0) {
    FRAMING_HEADER.lastIndex = lineEnd;
    for (let match = FRAMING_HEADER.exec(headers); match; match = FRAMING_HEADER.exec(headers)) {
      const name = (match[1] ?? '').toLowerCase();
      const value = (match[2] ?? '').trim();
      if (name === 'content-length') {
        const length = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
        framing.contentLength = Number.isSafeInteger(length) ? length : null;
      } else if (name === 'transfer-encoding') {
        // Chunked only when it is the last coding applied (RFC 9112 6.1).
        framing.chunked = value.toLowerCase().split(',').pop()?.trim() === 'chunked';
      } else {
        framing.upgrade = true;
      }
    }
  }
  const request = REQUEST_LINE.exec(startLine);
  if (request) return { kind: 'request', method: request[1] ?? '', target: request[2] ?? '', framing, complete };
  const status = STATUS_LINE.exec(startLine);
  if (status) return { kind: 'response', status: Number(status[1]), framing, complete };
  return null;
}
