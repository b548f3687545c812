/**
 * Query latency of the store at scale (issue 10), on the embedded store (chdb) under a temp dir:
 * 2,000 services and 20,000 service pairs, each pair with WEFT_BENCH_COMBINATIONS (default 2)
 * combinations of client and server instance, zone, version and node.
 *
 *   bash bench/run.sh query
 *   WEFT_BENCH_QUERY_DATA=/var/tmp/weft-bench-query bash bench/run.sh query   # fill once, keep, reuse
 *   WEFT_BENCH_ONLY="map now-1h|series" ...   # only these figures (a quick look)
 *
 * Data ("now" is T, an unaligned second just before the run: T mod 60 = 37):
 * - the last hour, [floor_min(T - 1h), T): one raw row per pair, combination and second, written
 *   by INSERT ... SELECT FROM numbers() into edges_1s in blocks of one minute, so the
 *   materialized views fill every rollup and the services table as the ingest's writes do;
 * - the minute holding T - 24h, the same way (the ragged start of `now-24h` is answered from the
 *   1 s and 10 s tiers);
 * - the whole minutes between, written straight into edges_1m (one row per pair, combination
 *   and minute, its srtt histogram from 8 samples), and from there into service_edges_1m, and
 *   both into their hour tables, service_edges_10m and service_edges_6h (the part of each bucket the raw rows did
 *   not fill). The 10 s and 1 s tiers hold only what came through the raw table: no window of
 *   this bench needs them elsewhere.
 *
 * Measured (WEFT_BENCH_RUNS runs each, default 20, after 2 warm-ups; p50/p95 of the wall time of
 * the EdgeQueries call; rows read: the engine's EXPLAIN ESTIMATE of each statement, summed): map now-15m,
 * now-1h, now-24h, each the window the API answers for it (`now` aligned to the window's length,
 * libs/store window/relativeWindow.ts), and the 1 h map to the second (absolute times, no target); a 2-hop neighbourhood (both directions) over now-15m and now-1h; one edge's
 * series over the last whole hour at 60 s steps; a breakdown by server_version over now-1h; and
 * a same-run baseline: the v1 way, now-1h summed from the raw 1 s table.
 * Targets: map 1 h p95 < 300 ms, 24 h p95 < 500 ms, neighbourhood and series p95 < 100 ms.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  EdgeStore,
  EmbeddedExecutor,
  alignedNow,
  LATENCIES,
  NO_MINIMUM,
  denseHistogramSql,
  histogramOfSamplesSql,
  latencyColumnNames,
  maximumOfSamplesSql,
  minimumOfSamplesSql,
  type QueryStats,
} from '@weft/store';
import { COLUMNS, rowColumns, type SyntheticShape } from '../shared/syntheticEdges.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer (got ${process.env[name]})`);
  return value;
}

const SERVICES = positive('WEFT_BENCH_SERVICES', 2000);
const PAIRS = positive('WEFT_BENCH_PAIRS', 20_000);
const COMBINATIONS = positive('WEFT_BENCH_COMBINATIONS', 2);
const RUNS = positive('WEFT_BENCH_RUNS', 20);
/** Minutes of raw rows per INSERT ... SELECT. */
const BLOCK_MINUTES = positive('WEFT_BENCH_BLOCK_MINUTES', 1);
const TENANT = 'bench';
const OUT_DEGREE = Math.ceil(PAIRS / SERVICES);

function log(line: string): void {
  process.stderr.write(`query bench: ${line}\n`);
}

/** The stats of every statement run while `onQuery` collects. */
class StatsCollector {
  current: QueryStats[] = [];
  readonly onQuery = (stats: QueryStats): void => {
    this.current.push(stats);
  };
  take(): QueryStats[] {
    const taken = this.current;
    this.current = [];
    return taken;
  }
}

const SHAPE: SyntheticShape = { tenant: TENANT, services: SERVICES, pairs: PAIRS, combinations: COMBINATIONS };
const COUNTERS = COLUMNS.slice(COLUMNS.indexOf('connections_opened'));
/** The latency columns of every rollup, and how a GROUP BY merges them into a rollup row (dense, as the views write them). */
const LATENCY_COLUMNS = LATENCIES.flatMap(latencyColumnNames).join(', ');
const LATENCY_MERGES = LATENCIES.map((l) => `${denseHistogramSql(`sumMap(${l}_histogram)`)}, min(${l}_min_us), max(${l}_max_us)`).join(', ');

/** Raw rows for the seconds [from, to), through the materialized views. */
async function fillRaw(store: EdgeStore, from: number, to: number): Promise<void> {
  const perSecond = PAIRS * COMBINATIONS;
  for (let start = from; start < to; start += 60 * BLOCK_MINUTES) {
    const end = Math.min(to, start + 60 * BLOCK_MINUTES);
    const rows = (end - start) * perSecond;
    // Two srtt samples per row, 200 us .. 5 ms, skewed low.
    await store.executor.command(`
INSERT INTO edges_1s (ts, ${COLUMNS.join(', ')}, rtt_samples_us)
SELECT toDateTime(${start} + intDiv(number, ${perSecond}), 'UTC') AS ts,
    ${rowColumns(SHAPE, `(number % ${perSecond})`, `intDiv(number, ${perSecond})`).join(',\n    ')},
    [toUInt32(200 + pow(cityHash64(number, 9) % 1000, 2) / 200), toUInt32(200 + cityHash64(number, 10) % 800)] AS rtt_samples_us
FROM numbers(${rows})`);
  }
}

/** Whole minutes [from, to) straight into edges_1m (one row per pair, combination and minute), then the service minute tier. */
async function fillMinutes(store: EdgeStore, from: number, to: number): Promise<void> {
  const perMinute = PAIRS * COMBINATIONS;
  const stepMinutes = 60;
  for (let start = from; start < to; start += stepMinutes * 60) {
    const end = Math.min(to, start + stepMinutes * 60);
    const rows = ((end - start) / 60) * perMinute;
    await store.executor.command(`
INSERT INTO edges_1m (ts, ${COLUMNS.join(', ')}, requests, request_errors, ${LATENCY_COLUMNS})
SELECT ts, ${COLUMNS.map((c) => (COUNTERS.includes(c) ? `60 * ${c}` : c)).join(', ')}, 0, 0,
    ${denseHistogramSql(histogramOfSamplesSql('rtt_samples'))}, ${minimumOfSamplesSql('rtt_samples')}, ${maximumOfSamplesSql('rtt_samples')},
    map(), ${NO_MINIMUM}, 0
FROM (
    SELECT number AS n, toDateTime(${start} + 60 * intDiv(number, ${perMinute}), 'UTC') AS ts,
        arrayMap(j -> toUInt32(200 + pow(cityHash64(n, j) % 1000, 2) / 200), range(8)) AS rtt_samples,
        ${rowColumns(SHAPE, `(number % ${perMinute})`, `intDiv(number, ${perMinute})`).join(',\n        ')}
    FROM numbers(${rows})
)`);
    await store.executor.command(`
INSERT INTO service_edges_1m (tenant, ts, client_service, server_service, server_port, ${COUNTERS.join(', ')}, requests, request_errors, ${LATENCY_COLUMNS})
SELECT tenant, ts, client_service, server_service, server_port,
    ${COUNTERS.map((c) => `sum(${c})`).join(', ')}, sum(requests), sum(request_errors), ${LATENCY_MERGES}
FROM edges_1m
WHERE tenant = '${TENANT}' AND ts >= toDateTime(${start}, 'UTC') AND ts < toDateTime(${end}, 'UTC')
GROUP BY tenant, ts, client_service, server_service, server_port`);
  }
  // The 10-minute, hour and 6-hour buckets: what the directly written minutes add to each (the raw rows'
  // part came through the views).
  const DOMAIN_KEYS = COLUMNS.filter((c) => !COUNTERS.includes(c)).join(', ');
  const SERVICE_KEYS = 'tenant, client_service, server_service, server_port';
  for (const [target, source, keys, bucket] of [
    ['edges_1h', 'edges_1m', DOMAIN_KEYS, 'toStartOfHour(ts)'],
    ['service_edges_1h', 'service_edges_1m', SERVICE_KEYS, 'toStartOfHour(ts)'],
    ['service_edges_10m', 'service_edges_1m', SERVICE_KEYS, 'toStartOfInterval(ts, INTERVAL 10 MINUTE)'],
    ['service_edges_6h', 'service_edges_1m', SERVICE_KEYS, 'toStartOfInterval(ts, INTERVAL 6 HOUR)'],
  ] as const) {
    for (let hour = Math.floor(from / 3600) * 3600; hour < to; hour += 3600) {
      const [lo, hi] = [Math.max(hour, from), Math.min(hour + 3600, to)];
      await store.executor.command(`
INSERT INTO ${target} (ts, ${keys}, ${COUNTERS.join(', ')}, requests, request_errors, ${LATENCY_COLUMNS})
SELECT ${bucket} AS bucket, ${keys}, ${COUNTERS.map((c) => `sum(${c})`).join(', ')}, sum(requests), sum(request_errors), ${LATENCY_MERGES}
FROM ${source}
WHERE tenant = '${TENANT}' AND ts >= toDateTime(${lo}, 'UTC') AND ts < toDateTime(${hi}, 'UTC')
GROUP BY bucket, ${keys}`);
    }
  }
}

async function rowCount(store: EdgeStore, table: string): Promise<number> {
  const [row] = await store.executor.queryJsonRows<{ n: string | number }>(`SELECT count() AS n FROM ${table}`);
  return Number(row?.n ?? 0);
}

interface Figure {
  name: string;
  p50: number;
  p95: number;
  rowsRead: number;
  statements: number;
  target?: number;
  detail: string;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** WEFT_BENCH_ONLY: a regular expression; only the figures whose names match are measured (a quick look, not a result). */
const ONLY = process.env.WEFT_BENCH_ONLY !== undefined ? new RegExp(process.env.WEFT_BENCH_ONLY) : undefined;

async function measure(name: string, store: EdgeStore, collector: StatsCollector, run: () => Promise<string>, target?: number): Promise<Figure | undefined> {
  if (ONLY !== undefined && !ONLY.test(name)) return undefined;
  for (let w = 0; w < 2; w++) await run();
  const times: number[] = [];
  let detail = '';
  let stats: QueryStats[] = [];
  for (let r = 0; r < RUNS; r++) {
    collector.take();
    const started = process.hrtime.bigint();
    detail = await run();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    stats = collector.take();
  }
  const figure: Figure = {
    name,
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    rowsRead: await rowsRead(store, stats),
    statements: stats.length,
    ...(target !== undefined ? { target } : {}),
    detail,
  };
  log(`${name}: p50 ${figure.p50.toFixed(1)} ms, p95 ${figure.p95.toFixed(1)} ms, ${figure.rowsRead} rows read in ${figure.statements} statements (${detail})`);
  return figure;
}

/**
 * The table rows the statements read: the engine's own estimate (EXPLAIN ESTIMATE, the rows of
 * the granules its index analysis selects), summed over the statements of one run. chdb reports
 * only the rows of a result, and has no query_log.
 */
async function rowsRead(store: EdgeStore, stats: readonly QueryStats[]): Promise<number> {
  let total = 0;
  for (const s of stats) {
    const rows = await store.executor.queryJsonRows<{ rows: string | number }>(`EXPLAIN ESTIMATE ${s.sql}`, s.params);
    total += rows.reduce((sum, r) => sum + Number(r.rows), 0);
  }
  return total;
}

async function main(): Promise<void> {
  const keep = process.env.WEFT_BENCH_QUERY_DATA;
  const dataDir = keep !== undefined ? resolve(keep) : mkdtempSync(join(tmpdir(), 'weft-bench-query-'));
  const marker = join(dataDir, 'weft-bench-query.json');
  const shape = { services: SERVICES, pairs: PAIRS, combinations: COMBINATIONS };
  const previous = existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as { T: number; shape: typeof shape; fillSeconds: number }) : undefined;
  const reuse = previous !== undefined && JSON.stringify(previous.shape) === JSON.stringify(shape);
  if (!reuse && keep !== undefined) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });

  const collector = new StatsCollector();
  const store = new EdgeStore(await EmbeddedExecutor.open({ dataDir, onQuery: collector.onQuery }));
  try {
    await store.migrate();
    const now = Math.floor(Date.now() / 1000);
    const T = reuse ? previous.T : Math.floor(now / 60) * 60 - 60 + 37;
    let fillSeconds = previous?.fillSeconds ?? NaN;
    const liveFrom = Math.floor((T - 3600) / 60) * 60;
    const bandFrom = Math.floor((T - 86_400) / 60) * 60;
    if (!reuse) {
      log(`filling ${SERVICES} services, ${PAIRS} pairs x ${COMBINATIONS} combinations; now = ${new Date(T * 1000).toISOString()} (${cpus().length} CPUs)`);
      const started = Date.now();
      await fillRaw(store, liveFrom, T);
      const rawSeconds = (Date.now() - started) / 1000;
      log(`last hour: ${(T - liveFrom) * PAIRS * COMBINATIONS} raw rows in ${rawSeconds.toFixed(0)} s (${Math.round(((T - liveFrom) * PAIRS * COMBINATIONS) / rawSeconds)} rows/s through 8 views)`);
      await fillRaw(store, bandFrom, bandFrom + 60);
      const minutesStarted = Date.now();
      await fillMinutes(store, bandFrom + 60, liveFrom);
      log(`the day before: ${((liveFrom - bandFrom - 60) / 60) * PAIRS * COMBINATIONS} minute rows in ${((Date.now() - minutesStarted) / 1000).toFixed(0)} s`);
      fillSeconds = (Date.now() - started) / 1000;
      writeFileSync(marker, JSON.stringify({ T, shape, fillSeconds }));
    } else {
      log(`reusing the data in ${dataDir} (now = ${new Date(T * 1000).toISOString()})`);
    }
    const tables = ['edges_1s', 'edges_1m', 'edges_1h', 'service_edges_1s', 'service_edges_10s', 'service_edges_1m', 'service_edges_10m', 'service_edges_1h', 'service_edges_6h', 'services'];
    const counts: Record<string, number> = {};
    for (const t of tables) counts[t] = await rowCount(store, t);
    log(`rows: ${tables.map((t) => `${t} ${counts[t]}`).join(', ')}`);

    const q = store.queries;
    const service = (x: number): string => `k8s:ns-${x % 50}/Deployment/svc-${x}`;
    // `now-<seconds>` as the API answers it: `now` aligned to the window's length (alignedNow).
    const window = (seconds: number): { from: number; to: number } => ({ from: alignedNow(T, seconds) - seconds, to: alignedNow(T, seconds) });
    const exactWindow = (seconds: number): { from: number; to: number } => ({ from: T - seconds, to: T });
    const figures: Figure[] = [];
    const push = (figure: Figure | undefined): void => {
      if (figure !== undefined) figures.push(figure);
    };
    const mapOf = async (seconds: number, exact = false, earlier = 0): Promise<string> => {
      const w = exact ? exactWindow(seconds) : window(seconds);
      const map = await q.readMap(TENANT, { window: { from: w.from - earlier, to: w.to - earlier } });
      return `${map.edges.length} edges, ${map.nodes.length} nodes, resolution ${map.resolution}`;
    };
    push(await measure('map now-15m', store, collector, () => mapOf(900)));
    push(await measure('map now-1h', store, collector, () => mapOf(3600), 300));
    push(await measure('map now-24h', store, collector, () => mapOf(86_400), 500));
    push(await measure('map 1 h to the second (absolute times: 1 s ends)', store, collector, () => mapOf(3600, true)));
    // `now-1h` of the kept data may end on the hour (one row per pair); the same, 23 minutes earlier, does not.
    push(await measure('map 1 h, whole minutes, not on the hour', store, collector, () => mapOf(3600, false, 23 * 60)));
    for (const [label, seconds] of [['now-15m', 900], ['now-1h', 3600]] as const) {
      push(
        await measure(
          `neighbourhood 2 hops both, ${label}`,
          store,
          collector,
          async () => {
            const hood = await q.readNeighborhood(TENANT, { window: window(seconds), service: service(17), depth: 2, direction: 'both' });
            return `${hood?.nodes.length} nodes, ${hood?.edges.length} edges`;
          },
          100,
        ),
      );
    }
    const lastHour = { from: Math.floor(T / 60) * 60 - 3600, to: Math.floor(T / 60) * 60 };
    const edge = { source: service(17), target: service((17 + 1) % SERVICES) };
    push(
      await measure(
        'series 1 edge, last whole hour, 60 s steps',
        store,
        collector,
        async () => {
          const series = await q.readEdgeSeries(TENANT, { window: lastHour, ...edge, step: 60 });
          return `${series.points.length} points, ${series.points.reduce((s, p) => s + p.connections_opened, 0)} connections`;
        },
        100,
      ),
    );
    push(
      await measure('breakdown by server_version, now-1h', store, collector, async () => {
        const result = await q.readEdgeBreakdown(TENANT, { window: window(3600), ...edge, by: 'server_version' });
        return `${result.groups.length} groups`;
      }),
    );
    push(
      await measure('baseline: 1 h summed from edges_1s (v1 style)', store, collector, async () => {
        const rows = await store.executor.queryJsonRows(
          `SELECT client_service, server_service, server_port, ${COUNTERS.map((c) => `sum(${c}) AS ${c}`).join(', ')},
    sumMap(rtt_histogram) AS rtt_histogram, min(rtt_min_us) AS rtt_min_us, max(rtt_max_us) AS rtt_max_us
FROM edges_1s WHERE tenant = {tenant:String} AND ts >= toDateTime({from:UInt32}, 'UTC') AND ts < toDateTime({to:UInt32}, 'UTC')
GROUP BY client_service, server_service, server_port`,
          { tenant: TENANT, ...exactWindow(3600) },
        );
        return `${rows.length} edges`;
      }),
    );

    const ok = (f: Figure): string => (f.target === undefined ? '' : f.p95 < f.target ? `< ${f.target}  met` : `< ${f.target}  MISSED`);
    const lines = [
      `query (${SERVICES} services, ${PAIRS} pairs x ${COMBINATIONS} combinations; embedded chdb; ${RUNS} runs each; fill ${fillSeconds.toFixed(0)} s)`,
      `  ${'query'.padEnd(50)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'rows read'.padStart(11)}  target (p95)`,
      ...figures.map((f) => `  ${f.name.padEnd(50)} ${f.p50.toFixed(1).padStart(8)} ${f.p95.toFixed(1).padStart(8)} ${String(f.rowsRead).padStart(11)}  ${ok(f)}`),
      `  rows: ${tables.map((t) => `${t} ${counts[t]}`).join(', ')}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    if (ONLY !== undefined) {
      log('WEFT_BENCH_ONLY: some figures only, bench/results/query.json left as it was');
      return;
    }
    mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
    writeFileSync(
      join(repoRoot, 'bench/results/query.json'),
      JSON.stringify({ when: new Date().toISOString(), kernel: release(), cpus: cpus().length, shape, outDegree: OUT_DEGREE, fillSeconds, runs: RUNS, counts, figures }, null, 2),
    );
    log('written to bench/results/query.json');
  } finally {
    await store.close();
    if (keep === undefined) rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
