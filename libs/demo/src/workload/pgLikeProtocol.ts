/**
 * PostgreSQL's message framing (a type byte, a 4-byte big-endian length that
 * counts itself, the payload) and its simple-query exchange, without the
 * startup, authentication or types: the client sends Query ('Q', the SQL
 * text), the server answers RowDescription ('T'), a DataRow ('D') per row,
 * CommandComplete ('C') and ReadyForQuery ('Z'), or ErrorResponse ('E') and
 * ReadyForQuery. Enough for the shop's database to look like one on the wire.
 */

export class PgLikeProtocolError extends Error {}

/** A message larger than this is refused (a peer gone wrong). */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export interface PgMessage {
  type: string;
  payload: Buffer;
}

export function encodeMessage(type: string, payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeUInt32BE(payload.length + 4, 1);
  return Buffer.concat([header, payload]);
}

/** The message at `offset` and where the next starts, or null until it is complete. */
export function readMessage(buffer: Buffer, offset = 0): { message: PgMessage; next: number } | null {
  if (buffer.length < offset + 5) return null;
  const length = buffer.readUInt32BE(offset + 1);
  if (length < 4 || length > MAX_MESSAGE_BYTES) throw new PgLikeProtocolError(`a message of length ${length}`);
  const end = offset + 1 + length;
  if (buffer.length < end) return null;
  return { message: { type: buffer.toString('latin1', offset, offset + 1), payload: buffer.subarray(offset + 5, end) }, next: end };
}

const cString = (text: string): Buffer => Buffer.concat([Buffer.from(text), Buffer.alloc(1)]);

export function encodeQuery(sql: string): Buffer {
  return encodeMessage('Q', cString(sql));
}

/** A Query message at the start of `buffer` (its SQL), or null until it is complete. */
export function decodeQuery(buffer: Buffer): { sql: string; consumed: number } | null {
  const read = readMessage(buffer);
  if (!read) return null;
  if (read.message.type !== 'Q') throw new PgLikeProtocolError(`expected a Query ('Q'), got ${JSON.stringify(read.message.type)}`);
  return { sql: read.message.payload.toString('utf8').replace(/\0$/, ''), consumed: read.next };
}

export type ResultRow = ReadonlyArray<string>;

/** The whole answer to one query: rows and their CommandComplete tag, or an error. */
export function encodeResult(result: { columns: readonly string[]; rows: readonly ResultRow[]; tag: string } | { error: string }): Buffer {
  const ready = encodeMessage('Z', Buffer.from('I'));
  if ('error' in result) {
    return Buffer.concat([encodeMessage('E', Buffer.concat([Buffer.from('S'), cString('ERROR'), Buffer.from('M'), cString(result.error), Buffer.alloc(1)])), ready]);
  }
  const parts: Buffer[] = [];
  if (result.columns.length > 0) {
    const count = Buffer.alloc(2);
    count.writeUInt16BE(result.columns.length);
    parts.push(encodeMessage('T', Buffer.concat([count, ...result.columns.map(cString)])));
  }
  for (const row of result.rows) {
    const fields: Buffer[] = [];
    const count = Buffer.alloc(2);
    count.writeUInt16BE(row.length);
    fields.push(count);
    for (const value of row) {
      const bytes = Buffer.from(value);
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      fields.push(length, bytes);
    }
    parts.push(encodeMessage('D', Buffer.concat(fields)));
  }
  parts.push(encodeMessage('C', cString(result.tag)), ready);
  return Buffer.concat(parts);
}

export interface QueryResult {
  rows: number;
  tag: string;
  error: string | null;
}

/** One query's answer (through its ReadyForQuery) at the start of `buffer`, or null until it is complete. */
export function decodeResult(buffer: Buffer): { reply: QueryResult; consumed: number } | null {
  let offset = 0;
  const result: QueryResult = { rows: 0, tag: '', error: null };
  for (;;) {
    const read = readMessage(buffer, offset);
    if (!read) return null;
    offset = read.next;
    const { type, payload } = read.message;
    if (type === 'D') result.rows++;
    else if (type === 'C') result.tag = payload.toString('utf8').replace(/\0$/, '');
    else if (type === 'E') result.error = payload.toString('utf8').split('\0').find((f) => f.startsWith('M'))?.slice(1) ?? 'error';
    else if (type === 'Z') return { reply: result, consumed: offset };
    else if (type !== 'T') throw new PgLikeProtocolError(`unexpected message ${JSON.stringify(type)} in a result`);
  }
}
