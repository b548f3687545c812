/**
 * The histogram SQL on embedded ClickHouse: samples the test draws go in as arrays (as the raw
 * table's DEFAULT folds them), are densified and merged with sumForEach/min/max in several parts
 * (as the queries merge the tiers' pieces), and the quantiles come out within the bucket width of
 * the true ones.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EmbeddedExecutor } from '../embeddedExecutor.js';
import { BUCKETS_PER_OCTAVE, bucketOf, denseHistogramSql, histogramOfSamplesSql, histogramQuantilesSql, maximumOfSamplesSql, minimumOfSamplesSql, quantilesOfCounts } from './latencyHistogram.js';

/** A part's sparse histogram as the dense counts a query sums. */
const COUNTS = `mapValues(${denseHistogramSql('h')})`;

const root = mkdtempSync(join(tmpdir(), 'weft-histogram-spec-'));
let executor: EmbeddedExecutor;

before(async () => {
  executor = await EmbeddedExecutor.open({ dataDir: root });
});

after(async () => {
  await executor.close();
  rmSync(root, { recursive: true, force: true });
});

/** p50, p95, p99 of the samples, folded in parts of `part` samples each and merged, through the SQL. */
async function quantilesOf(samples: readonly number[], part = 1000): Promise<Array<number | null>> {
  const parts: number[][] = [];
  for (let i = 0; i < samples.length; i += part) parts.push(samples.slice(i, i + part));
  if (parts.length === 0) parts.push([]);
  const rows = parts.map((p, i) => `SELECT ${i} AS part, CAST([${p.join(',')}], 'Array(UInt32)') AS s`).join(' UNION ALL ');
  const [row] = await executor.queryJsonRows<{ q: Array<number | null> }>(`
SELECT ${histogramQuantilesSql('sumForEach(c)', 'min(mn)', 'max(mx)')} AS q
FROM (SELECT ${COUNTS} AS c, mn, mx FROM (SELECT ${histogramOfSamplesSql('s')} AS h, ${minimumOfSamplesSql('s')} AS mn, ${maximumOfSamplesSql('s')} AS mx FROM (${rows})))`);
  return row!.q.map((v) => (v === null ? null : Number(v)));
}

/** Nearest-rank quantile of sorted samples. */
function trueQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** A seeded generator (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('buckets: 0 alone, then 8 per octave, up to 2^32 us; the SQL puts samples where bucketOf does', async () => {
  assert.equal(bucketOf(0), 0);
  assert.equal(bucketOf(1), 1);
  assert.equal(bucketOf(2), BUCKETS_PER_OCTAVE + 1);
  assert.equal(bucketOf(1024), 10 * BUCKETS_PER_OCTAVE + 1);
  assert.equal(bucketOf(1023), 10 * BUCKETS_PER_OCTAVE);
  assert.equal(bucketOf(0xffffffff), 32 * BUCKETS_PER_OCTAVE);
  const samples = [0, 1, 2, 3, 999, 1000, 1023, 1024, 1025, 65_535, 0xffffffff];
  const [row] = await executor.queryJsonRows<{ h: Record<string, string | number> }>(`SELECT ${histogramOfSamplesSql(`CAST([${samples.join(',')}], 'Array(UInt32)')`)} AS h`);
  const expected = new Map<string, number>();
  for (const v of samples) expected.set(String(bucketOf(v)), (expected.get(String(bucketOf(v))) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(Object.entries(row!.h).map(([k, n]) => [k, Number(n)])), Object.fromEntries(expected));
});

test('dense: every bucket from 0 to the highest, zeros kept, the counts unchanged; and sumMap of dense maps stays dense through a merge', async () => {
  const dense = async (map: string): Promise<Record<string, number>> => {
    const [row] = await executor.queryJsonRows<{ d: Record<string, string | number> }>(`SELECT ${denseHistogramSql(map)} AS d`);
    return Object.fromEntries(Object.entries(row!.d).map(([k, n]) => [k, Number(n)]));
  };
  assert.deepEqual(await dense(`map(toUInt16(3), toUInt64(5), 5, 1)`), { 0: 0, 1: 0, 2: 0, 3: 5, 4: 0, 5: 1 });
  assert.deepEqual(await dense(`map(toUInt16(0), toUInt64(7), 2, 1)`), { 0: 7, 1: 0, 2: 1 }, 'bucket 0 present: kept, not doubled');
  assert.deepEqual(await dense(`CAST(map(), 'Map(UInt16, UInt64)')`), {});
  // What the rollups rely on: background merges (sumMap) of dense rows keep zero entries.
  await executor.command(`CREATE TABLE dense_merge (k UInt8, h SimpleAggregateFunction(sumMap, Map(UInt16, UInt64))) ENGINE = AggregatingMergeTree ORDER BY k`);
  await executor.command(`INSERT INTO dense_merge SELECT 1, ${denseHistogramSql('map(toUInt16(2), toUInt64(1))')}`);
  await executor.command(`INSERT INTO dense_merge SELECT 1, ${denseHistogramSql('map(toUInt16(4), toUInt64(0))')}`);
  await executor.command(`INSERT INTO dense_merge SELECT 1, ${denseHistogramSql('map(toUInt16(1), toUInt64(3))')}`);
  await executor.command(`OPTIMIZE TABLE dense_merge FINAL`);
  const [merged] = await executor.queryJsonRows<{ keys: number[]; values: Array<string | number> }>(`SELECT mapKeys(h) AS keys, mapValues(h) AS values FROM dense_merge`);
  assert.deepEqual([merged!.keys.map(Number), merged!.values.map(Number)], [[0, 1, 2, 3, 4], [0, 3, 1, 0, 0]]);
});

test('samples all equal: every quantile is that value exactly', async () => {
  for (const v of [0, 1, 7, 500, 6000, 9_999_999, 0xffffffff]) {
    assert.deepEqual(await quantilesOf([v, v, v], 2), [v, v, v], `${v}`);
  }
});

test('no samples: no quantiles (not zeros)', async () => {
  assert.deepEqual(await quantilesOf([]), [null, null, null]);
});

test('one sample among empty parts: that sample', async () => {
  const [row] = await executor.queryJsonRows<{ q: unknown[] }>(`
SELECT ${histogramQuantilesSql('sumForEach(c)', 'min(mn)', 'max(mx)')} AS q
FROM (SELECT ${COUNTS} AS c, mn, mx FROM (SELECT ${histogramOfSamplesSql('s')} AS h, ${minimumOfSamplesSql('s')} AS mn, ${maximumOfSamplesSql('s')} AS mx
      FROM (SELECT CAST([], 'Array(UInt32)') AS s UNION ALL SELECT CAST([4321], 'Array(UInt32)') UNION ALL SELECT CAST([], 'Array(UInt32)'))))`);
  assert.deepEqual(row!.q.map(Number), [4321, 4321, 4321]);
});

test('quantiles: within one bucket width (9%) of the true ones, 1% for smooth distributions, never outside [min, max]', async () => {
  const width = 2 ** (1 / BUCKETS_PER_OCTAVE) - 1;
  const next = random(20261202);
  for (const [name, draw, tolerance] of [
    ['log-normal around 1 ms', () => Math.round(Math.exp(Math.log(1000) + 0.8 * gaussian(next))), 0.01],
    ['uniform 200 us .. 5 ms', () => Math.round(200 + next() * 4800), 0.01],
    // The lower mode ends inside a bucket: its top quantiles are interpolated across the whole bucket.
    ['bimodal 300 us and 40 ms', () => Math.round(next() < 0.97 ? 300 + next() * 50 : 40_000 + next() * 2000), width],
  ] as const) {
    const samples = Array.from({ length: 20_000 }, draw).sort((a, b) => a - b);
    const [min, max] = [samples[0]!, samples[samples.length - 1]!];
    const qs = [0.5, 0.95, 0.99] as const;
    // Drawn order, not sorted, into the parts: each part's histogram is a spread like a minute's.
    const got = await quantilesOf(shuffle(samples, next));
    qs.forEach((q, i) => {
      const truth = trueQuantile(samples, q);
      const value = got[i]!;
      assert.ok(value >= min && value <= max, `${name}: p${q * 100} ${value} outside [${min}, ${max}]`);
      assert.ok(Math.abs(value - truth) / truth <= tolerance, `${name}: p${q * 100} ${value} us, true ${truth} us`);
    });
  }
});

function shuffle(values: readonly number[], next: () => number): number[] {
  const out = [...values];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

test('quantilesOfCounts (TypeScript) gives exactly what histogramQuantilesSql gives, for the same merged counts', async () => {
  const next = random(20261207);
  const draws: Array<() => number> = [
    () => Math.round(Math.exp(Math.log(1000) + 0.8 * gaussian(next))),
    () => Math.round(200 + next() * 4800),
    () => Math.round(next() < 0.97 ? 300 + next() * 50 : 40_000 + next() * 2000),
    () => 777,
    () => Math.round(next() * 3),
  ];
  for (const [i, draw] of draws.entries()) {
    for (const n of [1, 2, 7, 100, 5000]) {
      const samples = Array.from({ length: n }, draw);
      const [row] = await executor.queryJsonRows<{ q: Array<number | null>; counts: Array<number | string>; lo: number; hi: number }>(`
SELECT ${histogramQuantilesSql('sumForEach(c)', 'min(mn)', 'max(mx)')} AS q, sumForEach(c) AS counts, min(mn) AS lo, max(mx) AS hi
FROM (SELECT ${COUNTS} AS c, mn, mx FROM (SELECT ${histogramOfSamplesSql('s')} AS h, ${minimumOfSamplesSql('s')} AS mn, ${maximumOfSamplesSql('s')} AS mx
      FROM (SELECT CAST([${samples.join(',')}], 'Array(UInt32)') AS s)))`);
      const sql = row!.q.map((v) => (v === null ? null : Number(v)));
      assert.deepEqual(quantilesOfCounts(row!.counts.map(Number), Number(row!.lo), Number(row!.hi)), sql, `draw ${i}, ${n} samples`);
    }
  }
  assert.deepEqual(quantilesOfCounts([], 0xffffffff, 0), [null, null, null]);
});
