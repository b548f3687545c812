/**
 * The Redis protocol (RESP2), the part the shop's cache speaks: commands as
 * arrays of bulk strings, replies as simple strings, errors, integers and
 * bulk strings (null included). Real framing, so a request parser (issue 12)
 * sees what it would see from a real Redis.
 */

export type RespReply =
  | { type: 'simple'; value: string }
  | { type: 'error'; message: string }
  | { type: 'integer'; value: number }
  | { type: 'bulk'; value: Buffer | null };

/** A frame larger than this is refused (a peer gone wrong, not a cache value). */
const MAX_BULK_BYTES = 4 * 1024 * 1024;
const CRLF = Buffer.from('\r\n');

export class RespProtocolError extends Error {}

export function encodeCommand(args: ReadonlyArray<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg) : arg;
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

export function encodeReply(reply: RespReply): Buffer {
  switch (reply.type) {
    case 'simple':
      return Buffer.from(`+${reply.value}\r\n`);
    case 'error':
      return Buffer.from(`-${reply.message}\r\n`);
    case 'integer':
      return Buffer.from(`:${reply.value}\r\n`);
    case 'bulk':
      return reply.value === null ? Buffer.from('$-1\r\n') : Buffer.concat([Buffer.from(`$${reply.value.length}\r\n`), reply.value, CRLF]);
  }
}

/** The line starting at `offset` (without its CRLF) and where the next begins, or null if incomplete. */
function readLine(buffer: Buffer, offset: number): { line: string; next: number } | null {
  const end = buffer.indexOf(CRLF, offset);
  if (end < 0) {
    if (buffer.length - offset > 1024) throw new RespProtocolError('a RESP line longer than 1 KiB');
    return null;
  }
  return { line: buffer.toString('latin1', offset, end), next: end + 2 };
}

function lengthOf(line: string, what: string): number {
  const n = Number(line);
  if (!Number.isInteger(n) || n < -1 || n > MAX_BULK_BYTES) throw new RespProtocolError(`bad ${what} length ${JSON.stringify(line)}`);
  return n;
}

/** One bulk string at `offset` ($<len>CRLF<bytes>CRLF), or null if incomplete. */
function readBulk(buffer: Buffer, offset: number): { value: Buffer | null; next: number } | null {
  const header = readLine(buffer, offset);
  if (!header) return null;
  if (header.line[0] !== '$') throw new RespProtocolError(`expected a bulk string, got ${JSON.stringify(header.line.slice(0, 20))}`);
  const length = lengthOf(header.line.slice(1), 'bulk');
  if (length === -1) return { value: null, next: header.next };
  if (buffer.length < header.next + length + 2) return null;
  return { value: buffer.subarray(header.next, header.next + length), next: header.next + length + 2 };
}

/** A command (an array of bulk strings) at the start of `buffer`, or null until it is complete. */
export function decodeCommand(buffer: Buffer): { args: Buffer[]; consumed: number } | null {
  const header = readLine(buffer, 0);
  if (!header) return null;
  if (header.line[0] !== '*') throw new RespProtocolError(`expected a command array, got ${JSON.stringify(header.line.slice(0, 20))}`);
  const count = lengthOf(header.line.slice(1), 'array');
  if (count < 1 || count > 64) throw new RespProtocolError(`a command of ${count} arguments`);
  const args: Buffer[] = [];
  let offset = header.next;
  for (let i = 0; i < count; i++) {
    const bulk = readBulk(buffer, offset);
    if (!bulk) return null;
    if (bulk.value === null) throw new RespProtocolError('a null argument');
    args.push(bulk.value);
    offset = bulk.next;
  }
  return { args, consumed: offset };
}

/** One reply at the start of `buffer`, or null until it is complete. */
export function decodeReply(buffer: Buffer): { reply: RespReply; consumed: number } | null {
  if (buffer.length === 0) return null;
  const kind = String.fromCharCode(buffer[0] as number);
  if (kind === '$') {
    const bulk = readBulk(buffer, 0);
    return bulk ? { reply: { type: 'bulk', value: bulk.value === null ? null : Buffer.from(bulk.value) }, consumed: bulk.next } : null;
  }
  const line = readLine(buffer, 0);
  if (!line) return null;
  const text = line.line.slice(1);
  switch (kind) {
    case '+':
      return { reply: { type: 'simple', value: text }, consumed: line.next };
    case '-':
      return { reply: { type: 'error', message: text }, consumed: line.next };
    case ':':
      return { reply: { type: 'integer', value: Number(text) }, consumed: line.next };
    default:
      throw new RespProtocolError(`unknown reply type ${JSON.stringify(kind)}`);
  }
}
