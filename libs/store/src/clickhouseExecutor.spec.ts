import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertIdentifier, capabilitiesOf, insertSettings, parseCompactRowsWithNames, querySettings, toJsonEachRow, withSettingsClause } from './clickhouseExecutor.js';
import { parseClickHouseUrl } from './remoteExecutor.js';

const server = (hasDeduplicateInsert: boolean) => ({ hasDeduplicateInsert, hasUnionStreamLimit: true });

test('insert settings: deduplicate under the token; without one, under a fresh random token', () => {
  assert.deepEqual(insertSettings('t1', server(true)), {
    insert_deduplicate: 1,
    deduplicate_insert: 'enable',
    insert_deduplication_token: 't1',
    deduplicate_blocks_in_dependent_materialized_views: 1,
    async_insert: 0,
  });
  assert.deepEqual(insertSettings('t1', server(false)), {
    insert_deduplicate: 1,
    insert_deduplication_token: 't1',
    deduplicate_blocks_in_dependent_materialized_views: 1,
    async_insert: 0,
  });
  const a = insertSettings(undefined, server(true)).insert_deduplication_token;
  const b = insertSettings(undefined, server(true)).insert_deduplication_token;
  assert.match(String(a), /^weft-undeduplicated-/);
  assert.notEqual(a, b);
  assert.throws(() => insertSettings('', server(true)), RangeError);
});

test('query settings: a UNION ALL narrowed to max_threads streams where the server has the setting, as a SETTINGS clause for chdb', () => {
  assert.deepEqual(capabilitiesOf([{ deduplicate_insert: '1', union_stream_limit: 0 }]), { hasDeduplicateInsert: true, hasUnionStreamLimit: false });
  assert.deepEqual(querySettings(capabilitiesOf([{ deduplicate_insert: 1, union_stream_limit: '1' }])), { max_streams_for_union_step_to_max_threads_ratio: 1 });
  assert.deepEqual(querySettings({ hasDeduplicateInsert: true, hasUnionStreamLimit: false }), {});
  assert.equal(withSettingsClause('SELECT 1', {}), 'SELECT 1');
  assert.equal(withSettingsClause('SELECT 1', { a: 1, b_c: 2 }), 'SELECT 1\nSETTINGS a = 1, b_c = 2');
  assert.throws(() => withSettingsClause('SELECT 1', { 'a = 1; DROP': 1 }), TypeError);
});

test('identifiers are plain names; JSONEachRow round-trips', () => {
  assert.equal(assertIdentifier('edges_1s', 'table'), 'edges_1s');
  assert.equal(assertIdentifier('weft.edges_1s', 'table'), 'weft.edges_1s');
  for (const bad of ['', '1x', 'a b', 'a;DROP', 'a`', 'a.b.c']) assert.throws(() => assertIdentifier(bad, 'table'), TypeError);
  const rows = [{ a: 1, s: 'x\ny' }, { a: 2, s: '' }];
  assert.equal(toJsonEachRow(rows), '{"a":1,"s":"x\\ny"}\n{"a":2,"s":""}\n');
  assert.deepEqual(toJsonEachRow(rows).split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line)), rows);
  assert.equal(toJsonEachRow([]), '');
});

test('JSONCompactEachRowWithNames text gives the same row objects, columns in order', () => {
  const text = '["a","b","c"]\n[1,"x",[1,2]]\n[2,"y",null]\n';
  const rows = parseCompactRowsWithNames<Record<string, unknown>>(text);
  assert.deepEqual(rows, [
    { a: 1, b: 'x', c: [1, 2] },
    { a: 2, b: 'y', c: null },
  ]);
  assert.deepEqual(Object.keys(rows[1]!), ['a', 'b', 'c']);
  assert.deepEqual(parseCompactRowsWithNames('["a"]\n'), []);
  assert.deepEqual(parseCompactRowsWithNames(''), []);
});

test('a ClickHouse URL gives endpoint, database and credentials', () => {
  assert.deepEqual(parseClickHouseUrl('http://weft:s%40cret@ch.internal:8123/weft_prod'), {
    endpoint: 'http://ch.internal:8123',
    database: 'weft_prod',
    username: 'weft',
    password: 's@cret',
  });
  assert.deepEqual(parseClickHouseUrl('https://ch.example.com'), {
    endpoint: 'https://ch.example.com',
    database: 'default',
    username: 'default',
    password: '',
  });
  assert.throws(() => parseClickHouseUrl('tcp://ch:9000/x'), /http/);
  assert.throws(() => parseClickHouseUrl('http://ch:8123/bad-name'), /database/);
  assert.throws(() => parseClickHouseUrl('not a url'), /invalid ClickHouse URL/);
});
