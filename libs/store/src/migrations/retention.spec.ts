import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseInterval, resolveRetention, ttlExpression, ttlExpressionAsPrinted, ttlOfEngineFull } from './retention.js';

test('retention settings parse to TTL expressions, as written and as ClickHouse prints them back', () => {
  assert.deepEqual(parseInterval('7 DAY', 'x'), { count: 7, unit: 'DAY' });
  assert.deepEqual(parseInterval(' 30 days ', 'x'), { count: 30, unit: 'DAY' });
  assert.deepEqual(parseInterval('13 month', 'x'), { count: 13, unit: 'MONTH' });
  assert.equal(ttlExpression({ count: 7, unit: 'DAY' }), 'ts + INTERVAL 7 DAY');
  assert.equal(ttlExpressionAsPrinted({ count: 13, unit: 'MONTH' }), 'ts + toIntervalMonth(13)');
  for (const bad of ['', '7', 'DAY', '0 DAY', '-1 DAY', '7 FORTNIGHT', "7 DAY; DROP TABLE edges_1s", '1.5 DAY']) {
    assert.throws(() => parseInterval(bad, 'retention.minute'), /invalid retention retention\.minute=/, bad);
  }
  assert.deepEqual(
    resolveRetention({ minute: '14 DAY' }).map((r) => [r.table, ttlExpression(r.interval, r.column)]),
    [
      ['edges_1s', 'ts + INTERVAL 7 DAY'],
      ['service_edges_1s', 'ts + INTERVAL 7 DAY'],
      ['service_edges_10s', 'ts + INTERVAL 7 DAY'],
      ['edges_1m', 'ts + INTERVAL 14 DAY'],
      ['service_edges_1m', 'ts + INTERVAL 14 DAY'],
      ['service_edges_10m', 'ts + INTERVAL 14 DAY'],
      ['route_edges_1m', 'ts + INTERVAL 14 DAY'],
      ['edges_1h', 'ts + INTERVAL 395 DAY'],
      ['service_edges_1h', 'ts + INTERVAL 395 DAY'],
      ['service_edges_6h', 'ts + INTERVAL 395 DAY'],
      ['route_edges_1h', 'ts + INTERVAL 395 DAY'],
      ['services', 'last_seen + INTERVAL 395 DAY'],
    ],
  );
  assert.equal(ttlExpressionAsPrinted({ count: 2, unit: 'YEAR' }, 'last_seen'), 'last_seen + toIntervalYear(2)');
});

test('the TTL clause is read out of engine_full', () => {
  assert.equal(
    ttlOfEngineFull('MergeTree PARTITION BY toDate(ts) ORDER BY (ts, k) TTL ts + toIntervalDay(7) SETTINGS non_replicated_deduplication_window = 10000'),
    'ts + toIntervalDay(7)',
  );
  assert.equal(ttlOfEngineFull('AggregatingMergeTree ORDER BY ts TTL ts + toIntervalHour(2)'), 'ts + toIntervalHour(2)');
  assert.equal(ttlOfEngineFull('MergeTree ORDER BY version SETTINGS index_granularity = 8192'), undefined);
});
