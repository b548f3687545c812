import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { decodeQuery, decodeResult, encodeQuery, encodeResult, readMessage } from './pgLikeProtocol.js';

describe('PostgreSQL-style messages', () => {
  it('frames a query as PostgreSQL does: Q, a length counting itself, the SQL, a NUL', () => {
    const bytes = encodeQuery('SELECT 1');
    assert.equal(bytes.toString('latin1', 0, 1), 'Q');
    assert.equal(bytes.readUInt32BE(1), 4 + 'SELECT 1'.length + 1);
    assert.deepEqual(decodeQuery(bytes), { sql: 'SELECT 1', consumed: bytes.length });
    assert.equal(decodeQuery(bytes.subarray(0, bytes.length - 1)), null);
  });

  it('a result is T, a D per row, C and Z; it is whole only with its Z', () => {
    const bytes = encodeResult({ columns: ['id', 'name'], rows: [['1', 'a'], ['2', 'b']], tag: 'SELECT 2' });
    const types: string[] = [];
    for (let offset = 0; offset < bytes.length; ) {
      const read = readMessage(bytes, offset);
      assert.ok(read);
      types.push(read.message.type);
      offset = read.next;
    }
    assert.deepEqual(types, ['T', 'D', 'D', 'C', 'Z']);
    assert.equal(decodeResult(bytes.subarray(0, bytes.length - 1)), null);
    assert.deepEqual(decodeResult(bytes), { reply: { rows: 2, tag: 'SELECT 2', error: null }, consumed: bytes.length });
  });

  it('an error is E and Z, carrying its message', () => {
    const bytes = encodeResult({ error: 'syntax error at or near "DROP"' });
    assert.deepEqual(decodeResult(bytes)?.reply, { rows: 0, tag: '', error: 'syntax error at or near "DROP"' });
  });
});
