/**
 * The store's behaviour, as scenarios any backend must pass: the embedded specs run them on chdb,
 * test/store/remoteStore.test.ts runs them through @clickhouse/client against an HTTP server.
 * Each scenario produces its own ground truth (the rows it writes, the samples it draws) and
 * compares what the store reads back with it.
 */
import assert from 'node:assert/strict';
import { EdgeStore, type Counter, type EdgeRow, type EdgeStoreOptions, type Resolution, type ServiceMap } from '../edgeStore.js';
import { MIGRATIONS } from '../migrations/migrations.js';
import { MIGRATIONS_TABLE, SchemaTooNewError, migrate } from '../migrations/migrator.js';
import { queryScenarios } from './queryScenarios.js';
import { seededRandom } from './seededRandom.js';

export { seededRandom } from './seededRandom.js';

/** An empty, isolated place for a store: its own data directory or its own database. */
export interface StoreLocation {
  /** Opens a store there (not migrated yet). Close it before opening the next one. */
  open(options?: EdgeStoreOptions): Promise<EdgeStore>;
}

export interface StoreHarness {
  newLocation(): Promise<StoreLocation>;
}

export interface Scenario {
  name: string;
  run(harness: StoreHarness, note: (message: string) => void): Promise<void>;
}

const COUNTERS: readonly Counter[] = [
  'connections_opened',
  'connections_closed',
  'connections_failed',
  'connection_seconds',
  'bytes_sent',
  'bytes_received',
  'retransmits',
  'resets',
];

/** A few hours ago, on the hour: recent enough for every default TTL, old enough to be complete. */
function baseHour(): number {
  return Math.floor(Date.now() / 1000 / 3600) * 3600 - 4 * 3600;
}

async function withStore<T>(location: StoreLocation, options: EdgeStoreOptions | undefined, body: (store: EdgeStore) => Promise<T>): Promise<T> {
  const store = await location.open(options);
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}

interface Pair {
  client: Partial<EdgeRow> & { client_service: string };
  server: Partial<EdgeRow> & { server_service: string };
  server_port: number;
}

const FRONTEND_TO_CHECKOUT: Pair[] = [
  {
    client: { client_service: 'k8s:shop/Deployment/frontend', client_display: 'frontend', client_namespace: 'shop', client_workload: 'frontend', client_kind: 'Deployment', client_instance: 'frontend-7d9f-a', client_node: 'node-1', client_zone: 'zone-a', client_version: 'v1', client_process: 'node' },
    server: { server_service: 'k8s:shop/Deployment/checkout', server_display: 'checkout', server_namespace: 'shop', server_workload: 'checkout', server_kind: 'Deployment', server_instance: 'checkout-5c6b-x', server_node: 'node-2', server_zone: 'zone-b', server_version: 'v7', server_process: 'java' },
    server_port: 8080,
  },
  {
    client: { client_service: 'k8s:shop/Deployment/frontend', client_display: 'frontend', client_namespace: 'shop', client_workload: 'frontend', client_kind: 'Deployment', client_instance: 'frontend-7d9f-b', client_node: 'node-2', client_zone: 'zone-b', client_version: 'v2', client_process: 'node' },
    server: { server_service: 'k8s:shop/Deployment/checkout', server_display: 'checkout', server_namespace: 'shop', server_workload: 'checkout', server_kind: 'Deployment', server_instance: 'checkout-5c6b-y', server_node: 'node-3', server_zone: 'zone-a', server_version: 'v7', server_process: 'java' },
    server_port: 8080,
  },
];

const OTHER_EDGES: Pair[] = [
  {
    client: { client_service: 'k8s:shop/Deployment/checkout', client_display: 'checkout', client_namespace: 'shop', client_workload: 'checkout', client_kind: 'Deployment', client_instance: 'checkout-5c6b-x', client_node: 'node-2', client_zone: 'zone-b', client_version: 'v7', client_process: 'java' },
    server: { server_service: 'host:postgres:5432', server_display: 'postgres', server_instance: 'db-host:postgres', server_node: 'db-host', server_process: 'postgres' },
    server_port: 5432,
  },
  {
    client: { client_service: 'k8s:shop/Deployment/checkout', client_display: 'checkout', client_namespace: 'shop', client_workload: 'checkout', client_kind: 'Deployment', client_instance: 'checkout-5c6b-x', client_node: 'node-2', client_zone: 'zone-b', client_version: 'v7', client_process: 'java' },
    server: { server_service: 'k8s:shop/Deployment/checkout', server_display: 'checkout', server_namespace: 'shop', server_workload: 'checkout', server_kind: 'Deployment', server_instance: 'checkout-5c6b-y', server_node: 'node-3', server_zone: 'zone-a', server_version: 'v7', server_process: 'java' },
    server_port: 9090,
  },
  {
    client: { client_service: 'external:203.0.113.9', client_display: '203.0.113.9' },
    server: { server_service: 'k8s:shop/Deployment/frontend', server_display: 'frontend', server_namespace: 'shop', server_workload: 'frontend', server_kind: 'Deployment', server_instance: 'frontend-7d9f-a', server_node: 'node-1', server_zone: 'zone-a', server_version: 'v1', server_process: 'node' },
    server_port: 443,
  },
];

/** The tenant the v1-era scenarios write as. */
const SCENARIO_TENANT = 'acme';

function edgeRow(pair: Pair, ts: number, random: () => number, samples: readonly number[] = []): EdgeRow {
  const int = (max: number): number => Math.floor(random() * max);
  return {
    tenant: SCENARIO_TENANT,
    ...pair.client,
    ...pair.server,
    ts,
    server_port: pair.server_port,
    connections_opened: int(20),
    connections_closed: int(20),
    connections_failed: int(3),
    connection_seconds: int(500),
    bytes_sent: int(5_000_000),
    bytes_received: int(50_000_000),
    retransmits: int(10),
    resets: int(3),
    rtt_samples_us: samples,
  };
}

function edgeKey(r: { client_service: string; server_service: string; server_port: number }): string {
  return `${r.client_service} -> ${r.server_service}:${r.server_port}`;
}

type Sums = Record<Counter, number>;

function expectedEdges(rows: readonly EdgeRow[], from: number, to: number): Map<string, Sums> {
  const out = new Map<string, Sums>();
  for (const row of rows) {
    if (row.ts < from || row.ts >= to) continue;
    const key = edgeKey(row);
    const sums = out.get(key) ?? (Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Sums);
    for (const c of COUNTERS) sums[c] += row[c];
    out.set(key, sums);
  }
  return out;
}

function sumsOf(rows: readonly EdgeRow[]): Sums {
  const sums = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Sums;
  for (const row of rows) for (const c of COUNTERS) sums[c] += row[c];
  return sums;
}

function assertMapMatches(map: ServiceMap, rows: readonly EdgeRow[], label: string): void {
  const expected = expectedEdges(rows, map.from, map.to);
  const got = new Map(map.edges.map((e) => [edgeKey(e), e]));
  assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort(), `${label}: the edges (no missing, no phantom)`);
  for (const [key, sums] of expected) {
    const edge = got.get(key)!;
    for (const c of COUNTERS) assert.equal(edge[c], sums[c], `${label}: ${key} ${c}`);
    assert.equal(edge.connections_active, sums.connection_seconds / (map.to - map.from), `${label}: ${key} connections_active`);
  }
  // Every end of every edge is a service, with its naming fields as written.
  const services = new Map(map.services.map((s) => [s.service, s]));
  const inWindow = rows.filter((r) => r.ts >= map.from && r.ts < map.to);
  const expectedServices = new Set(inWindow.flatMap((r) => [r.client_service, r.server_service]));
  assert.deepEqual([...services.keys()].sort(), [...expectedServices].sort(), `${label}: the services`);
  for (const r of inWindow) {
    for (const end of ['client', 'server'] as const) {
      const s = services.get(r[`${end}_service`])!;
      assert.equal(s.display, r[`${end}_display`] ?? '', `${label}: display of ${s.service}`);
      assert.equal(s.namespace, r[`${end}_namespace`] ?? '', `${label}: namespace of ${s.service}`);
      assert.equal(s.kind, r[`${end}_kind`] ?? '', `${label}: kind of ${s.service}`);
      const zone = r[`${end}_zone`];
      if (zone) assert.ok(s.zones.includes(zone), `${label}: ${s.service} zones ${s.zones.join(',')} lack ${zone}`);
    }
  }
}

/** Nearest-rank quantile of sorted samples. */
function trueQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** The fraction of samples at or below v. */
function rankOf(sorted: readonly number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo / sorted.length;
}

/** Tolerances the rtt quantiles are held to (histogram buckets are approximate; see latency/latencyHistogram.ts). */
export const RTT_TOLERANCE = {
  /**
   * rank: the estimate of quantile q lies between the true (nearest-rank) quantiles q - rank and
   * q + rank of the samples the test drew; relative: |estimate - true| / true.
   */
  p50: { rank: 0.01, relative: 0.03 },
  p99: { rank: 0.003, relative: 0.05 },
};

async function totalsPerTable(store: EdgeStore, from: number, to: number): Promise<Record<Resolution, Sums & { rows: number }>> {
  return {
    1: await store.readEdgeTotals({ from, to, resolution: 1 }),
    60: await store.readEdgeTotals({ from, to, resolution: 60 }),
    3600: await store.readEdgeTotals({ from, to, resolution: 3600 }),
  };
}

function scaled(sums: Sums, factor: number): Sums {
  return Object.fromEntries(COUNTERS.map((c) => [c, sums[c] * factor])) as Sums;
}

function countersOnly(t: Sums): Sums {
  return Object.fromEntries(COUNTERS.map((c) => [c, t[c]])) as Sums;
}

const storeScenarios: readonly Scenario[] = [
  {
    name: 'migrations apply once, a re-run is a no-op, a newer database version is refused',
    async run(harness, note) {
      const location = await harness.newLocation();
      const latest = MIGRATIONS.at(-1)!.version;
      await withStore(location, undefined, async (store) => {
        const first = await store.migrate();
        assert.deepEqual(first.applied.map((m) => m.version), MIGRATIONS.map((m) => m.version));
        assert.equal(first.version, latest);
        assert.deepEqual(first.ttlChanged, [], 'a fresh schema already has the default TTLs');
        const tables = await store.executor.queryJsonRows<{ name: string; engine: string }>(
          `SELECT name, engine FROM system.tables WHERE database = currentDatabase() ORDER BY name`,
        );
        note(`tables: ${tables.map((t) => `${t.name} (${t.engine})`).join(', ')}`);
        const byName = new Map(tables.map((t) => [t.name, t.engine]));
        assert.equal(byName.get('edges_1s'), 'MergeTree');
        for (const rollup of ['edges_1m', 'edges_1h', 'service_edges_1s', 'service_edges_10s', 'service_edges_1m', 'service_edges_10m', 'service_edges_1h', 'service_edges_6h', 'route_edges_1m', 'route_edges_1h', 'services']) {
          assert.equal(byName.get(rollup), 'AggregatingMergeTree', rollup);
        }
        for (const view of ['edges_1m_mv', 'edges_1h_mv', 'service_edges_1s_mv', 'service_edges_10s_mv', 'service_edges_1m_mv', 'service_edges_10m_mv', 'service_edges_1h_mv', 'service_edges_6h_mv', 'route_edges_1m_mv', 'route_edges_1h_mv', 'services_mv']) {
          assert.equal(byName.get(view), 'MaterializedView', view);
        }
        assert.equal(byName.get(MIGRATIONS_TABLE), 'MergeTree');
        // Every table is keyed by tenant first, then time.
        const keys = await store.executor.queryJsonRows<{ name: string; sorting_key: string }>(
          `SELECT name, sorting_key FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree' AND name != {m:String}`,
          { m: MIGRATIONS_TABLE },
        );
        for (const { name, sorting_key } of keys) {
          assert.match(sorting_key, name === 'services' ? /^tenant, service$/ : /^tenant, ts, /, `${name} sorted by ${sorting_key}`);
        }
      });
      // A database at v1 (rows without a tenant) goes to v2: the v1 tables are dropped, not carried over.
      const v1 = await harness.newLocation();
      await withStore(v1, undefined, async (store) => {
        await migrate(store.executor, { migrations: MIGRATIONS.slice(0, 1) });
        await store.executor.command(
          `INSERT INTO edges_1s (ts, client_service, server_service, server_port, connections_opened, rtt_samples_us) VALUES (now(), 'a', 'b', 80, 7, [100])`,
        );
        const result = await store.migrate();
        assert.deepEqual(result.applied.map((m) => m.version), MIGRATIONS.slice(1).map((m) => m.version));
        const [row] = await store.executor.queryJsonRows<{ n: number | string }>(`SELECT count() AS n FROM edges_1s`);
        assert.equal(Number(row?.n), 0, 'the v1 rows are gone');
        const columns = await store.executor.queryJsonRows<{ name: string }>(`SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'edges_1s' AND name = 'tenant'`);
        assert.equal(columns.length, 1, 'edges_1s has a tenant column');
      });
      // A restart: nothing to do, nothing recorded twice.
      await withStore(location, undefined, async (store) => {
        const again = await store.migrate();
        assert.deepEqual(again, { applied: [], version: latest, ttlChanged: [] });
        const recorded = await store.executor.queryJsonRows<{ version: number | string; n: number | string }>(
          `SELECT version, count() AS n FROM ${MIGRATIONS_TABLE} GROUP BY version ORDER BY version`,
        );
        assert.deepEqual(recorded.map((r) => [Number(r.version), Number(r.n)]), MIGRATIONS.map((m) => [m.version, 1]));
        // A newer Weft migrated this database since.
        await store.executor.insertJsonRows(MIGRATIONS_TABLE, [{ version: latest + 1, name: 'from a newer build', applied_at: 0 }]);
      });
      await withStore(location, undefined, async (store) => {
        await assert.rejects(store.migrate(), (error: unknown) => {
          assert.ok(error instanceof SchemaTooNewError, String(error));
          assert.equal(error.databaseVersion, latest + 1);
          assert.equal(error.knownVersion, latest);
          assert.match(error.message, new RegExp(`schema is at version ${latest + 1} .*newer than this Weft build knows \\(latest migration ${latest}\\)`));
          note(`refused: ${error.message}`);
          return true;
        });
      });
    },
  },
  {
    name: 'TTLs follow the configuration at start-up (ALTER ... MODIFY TTL only when they differ)',
    async run(harness) {
      const location = await harness.newLocation();
      const ttlOf = async (store: EdgeStore): Promise<Record<string, string>> => {
        const rows = await store.executor.queryJsonRows<{ name: string; engine_full: string }>(
          `SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() AND engine IN ('MergeTree', 'AggregatingMergeTree')`,
        );
        return Object.fromEntries(
          rows.filter((r) => r.name !== MIGRATIONS_TABLE).map((r) => [r.name, /\bTTL\s+(.*?)(?:\s+SETTINGS\s|$)/s.exec(r.engine_full)?.[1] ?? '']),
        );
      };
      const ttls = (raw: string, minute: string, hour: string): Record<string, string> => ({
        edges_1s: raw,
        service_edges_1s: raw,
        service_edges_10s: raw,
        edges_1m: minute,
        service_edges_1m: minute,
        service_edges_10m: minute,
        route_edges_1m: minute,
        edges_1h: hour,
        service_edges_1h: hour,
        service_edges_6h: hour,
        route_edges_1h: hour,
        services: hour.replace(/^ts /, 'last_seen '),
      });
      await withStore(location, undefined, async (store) => {
        await store.migrate();
        assert.deepEqual(await ttlOf(store), ttls('ts + toIntervalDay(7)', 'ts + toIntervalDay(30)', 'ts + toIntervalDay(395)'));
      });
      const changed = { rawSeconds: '3 DAY', minute: '30 DAY', hour: '13 MONTH' };
      await withStore(location, { retention: changed }, async (store) => {
        const result = await store.migrate();
        assert.deepEqual(result.ttlChanged.sort(), ['edges_1h', 'edges_1s', 'route_edges_1h', 'service_edges_10s', 'service_edges_1h', 'service_edges_1s', 'service_edges_6h', 'services']);
        assert.deepEqual(await ttlOf(store), ttls('ts + toIntervalDay(3)', 'ts + toIntervalDay(30)', 'ts + toIntervalMonth(13)'));
        assert.deepEqual((await store.migrate()).ttlChanged, [], 'unchanged configuration, no ALTER');
      });
      assert.throws(
        () => new EdgeStore({} as never, { retention: { hour: '1 DAY; DROP TABLE edges_1h' } }),
        /invalid retention retention\.hour=/,
      );
    },
  },
  {
    name: 'rows written at known seconds come back with exact sums from the hour, minute and second tables',
    async run(harness, note) {
      const location = await harness.newLocation();
      const H = baseHour();
      const random = seededRandom(7);
      const offsets = [0, 1, 2, 59, 60, 61, 119, 120, 1799, 1800, 3540, 3599, 3600, 3601, 3659, 3660, 5400, 7199, 7200, 7260];
      const rows: EdgeRow[] = [];
      for (const offset of offsets) {
        for (const pair of FRONTEND_TO_CHECKOUT) rows.push(edgeRow(pair, H + offset, random));
        if (offset % 2 === 1) for (const pair of OTHER_EDGES) rows.push(edgeRow(pair, H + offset, random));
      }
      rows.push(edgeRow(OTHER_EDGES[2]!, H - 1, random)); // just before every window
      await withStore(location, undefined, async (store) => {
        await store.migrate();
        // Two batches, as the ingest would write them.
        await store.writeEdgeRows(rows.slice(0, 30));
        await store.writeEdgeRows(rows.slice(30));
        const windows: Array<{ from: number; to: number; resolution: Resolution }> = [
          { from: H, to: H + 3600, resolution: 3600 },
          { from: H, to: H + 7200, resolution: 3600 },
          { from: H - 3600, to: H + 3 * 3600, resolution: 3600 },
          { from: H, to: H + 1800, resolution: 60 },
          { from: H + 60, to: H + 3660, resolution: 60 },
          { from: H + 3540, to: H + 3660, resolution: 60 },
          { from: H + 60, to: H + 120, resolution: 60 },
          { from: H + 1, to: H + 3601, resolution: 1 },
          { from: H + 59, to: H + 61, resolution: 1 },
          { from: H + 3599, to: H + 7200, resolution: 1 },
        ];
        for (const w of windows) {
          const label = `[H+${w.from - H}, H+${w.to - H})`;
          const started = Date.now();
          const map = await store.readServiceMap({ from: w.from, to: w.to });
          note(`${label}: resolution ${map.resolution}, ${map.edges.length} edges, ${map.services.length} services, ${Date.now() - started} ms`);
          assert.equal(map.resolution, w.resolution, `${label}: the table chosen`);
          assert.ok(map.edges.length > 0, `${label}: some edges`);
          assertMapMatches(map, rows, label);
        }
        // Each table on its own holds the exact totals of an hour-aligned window.
        const all = sumsOf(rows.filter((r) => r.ts >= H && r.ts < H + 7200));
        const totals = await totalsPerTable(store, H, H + 7200);
        for (const resolution of [1, 60, 3600] as const) {
          assert.deepEqual(countersOnly(totals[resolution]), all, `totals of the ${resolution}s table`);
        }
        // An empty window is an empty map, not an error.
        const empty = await store.readServiceMap({ from: H - 7200, to: H - 3600 });
        assert.deepEqual([empty.edges, empty.services], [[], []]);
      });
    },
  },
  {
    name: 'rtt p50/p99 from merged latency histograms stay within tolerance of the true quantiles at every resolution',
    async run(harness, note) {
      const location = await harness.newLocation();
      const H = baseHour();
      const random = seededRandom(99);
      // srtt in microseconds: log-normal around 800 us, and a 4% slow minority log-normal around
      // 60 ms (above quantileTiming's cap of 30,000, which is why it is not used), so that p99
      // falls among the slow connections.
      const normal = (): number => {
        const u1 = Math.max(random(), 1e-12);
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * random());
      };
      const draw = (): number =>
        random() < 0.04
          ? Math.round(Math.exp(Math.log(60_000) + 0.5 * normal()))
          : Math.max(1, Math.round(Math.exp(Math.log(800) + 0.8 * normal())));
      const rows: EdgeRow[] = [];
      const samplesAt = new Map<number, number[]>();
      for (let s = 0; s < 900; s++) {
        for (const pair of FRONTEND_TO_CHECKOUT) {
          const samples = Array.from({ length: 1 + Math.floor(random() * 12) }, draw);
          rows.push(edgeRow(pair, H + s, random, samples));
          samplesAt.set(H + s, [...(samplesAt.get(H + s) ?? []), ...samples]);
        }
      }
      await withStore(location, undefined, async (store) => {
        await store.migrate();
        await store.writeEdgeRows(rows);
        const windows: Array<{ from: number; to: number; resolution: Resolution }> = [
          { from: H, to: H + 3600, resolution: 3600 },
          { from: H, to: H + 900, resolution: 60 },
          { from: H + 300, to: H + 600, resolution: 60 },
          { from: H + 7, to: H + 837, resolution: 1 },
          { from: H + 100, to: H + 130, resolution: 1 },
        ];
        for (const w of windows) {
          const samples: number[] = [];
          for (let t = w.from; t < w.to; t++) samples.push(...(samplesAt.get(t) ?? []));
          samples.sort((a, b) => a - b);
          const map = await store.readServiceMap(w);
          assert.equal(map.resolution, w.resolution);
          const edge = map.edges.find((e) => e.server_port === 8080);
          assert.ok(edge, 'the edge');
          const label = `[H+${w.from - H}, H+${w.to - H}) resolution ${map.resolution}, ${samples.length} samples`;
          for (const [q, got, tolerance] of [
            [0.5, edge.rtt_p50_us, RTT_TOLERANCE.p50],
            [0.99, edge.rtt_p99_us, RTT_TOLERANCE.p99],
          ] as const) {
            assert.ok(got !== null, `${label}: p${q * 100} present`);
            const truth = trueQuantile(samples, q);
            const low = trueQuantile(samples, q - tolerance.rank);
            const high = trueQuantile(samples, q + tolerance.rank);
            const relative = Math.abs(got - truth) / truth;
            note(
              `${label}: p${q * 100} ${got} us, true ${truth} us (${(relative * 100).toFixed(2)}% off), ` +
                `rank ${rankOf(samples, got).toFixed(4)}, allowed [${low}, ${high}]`,
            );
            // A microsecond of slack for the rounded Float32 result.
            assert.ok(got >= low - 1 && got <= high + 1, `${label}: p${q * 100} ${got} us outside the rank band [${low}, ${high}] (true ${truth})`);
            assert.ok(relative <= tolerance.relative, `${label}: p${q * 100} ${got} us is ${(relative * 100).toFixed(2)}% off ${truth}`);
          }
        }
        // An edge without samples has no quantiles rather than zeros.
        await store.writeEdgeRows([edgeRow(OTHER_EDGES[0]!, H + 5, random, [])]);
        const map = await store.readServiceMap({ from: H, to: H + 60 });
        const quiet = map.edges.find((e) => e.server_port === 5432);
        assert.deepEqual([quiet?.rtt_p50_us, quiet?.rtt_p99_us], [null, null]);
      });
    },
  },
  {
    name: 'a batch written twice with the same dedup token counts once in edges_1s, edges_1m and edges_1h; another token counts again',
    async run(harness, note) {
      const location = await harness.newLocation();
      const H = baseHour();
      const random = seededRandom(3);
      // Rows in two days (two partitions, so the insert is two blocks) and two hours.
      const seconds = [H - 86_400 + 10, H - 86_400 + 70, H + 5, H + 65, H + 66, H + 3605];
      const batch: EdgeRow[] = [];
      for (const ts of seconds) {
        for (const pair of [...FRONTEND_TO_CHECKOUT, ...OTHER_EDGES]) batch.push(edgeRow(pair, ts, random, [400, 900, 1500]));
      }
      const from = H - 86_400 - 3600;
      const to = H + 2 * 3600;
      const once = sumsOf(batch);
      const servicesRows: number[] = [];
      const check = async (store: EdgeStore, times: number, step: string): Promise<void> => {
        const totals = await totalsPerTable(store, from, to);
        for (const resolution of [1, 60, 3600] as const) {
          assert.deepEqual(countersOnly(totals[resolution]), scaled(once, times), `${step}: ${resolution}s table counts the batch ${times} time(s)`);
        }
        for (const resolution of [1, 10, 60, 3600] as const) {
          const service = await store.readEdgeTotals({ from, to, resolution, level: 'service' });
          assert.deepEqual(countersOnly(service), scaled(once, times), `${step}: the ${resolution}s service tier counts the batch ${times} time(s)`);
        }
        // The services table: one state row per service and insert block; min/max hold either way,
        // so count the rows that merge into each service (one per block the view wrote).
        const [services] = await store.executor.queryJsonRows<{ n: number | string; rows: number | string }>(
          `SELECT uniqExact(service) AS n, count() AS rows FROM services WHERE tenant = {t:String}`,
          { t: SCENARIO_TENANT },
        );
        assert.equal(Number(services?.n), new Set(batch.flatMap((r) => [r.client_service, r.server_service])).size, `${step}: services`);
        servicesRows.push(Number(services?.rows));
        assert.equal(totals[1].rows, batch.length * times, `${step}: rows in edges_1s`);
        const map = await store.readServiceMap({ from, to });
        assert.equal(map.resolution, 3600);
        assert.equal(map.edges.reduce((sum, e) => sum + e.bytes_sent, 0), once.bytes_sent * times, `${step}: service map bytes`);
        note(`${step}: bytes_sent ${totals[1].bytes_sent} / ${totals[60].bytes_sent} / ${totals[3600].bytes_sent} (1s / 1m / 1h)`);
      };
      await withStore(location, undefined, async (store) => {
        await store.migrate();
        const token = 'edges-topic:p0:1000-1099,p1:2000-2042';
        await store.writeEdgeRows(batch, { dedupToken: token });
        await check(store, 1, 'first write');
        await store.writeEdgeRows(batch, { dedupToken: token });
        await check(store, 1, 'replayed with the same token');
        assert.equal(servicesRows[1], servicesRows[0], 'a replayed batch adds no rows to the services table');
      });
      // After a restart (the ingest crashed after the write, before committing offsets).
      await withStore(location, undefined, async (store) => {
        await store.migrate();
        await store.writeEdgeRows(batch, { dedupToken: 'edges-topic:p0:1000-1099,p1:2000-2042' });
        await check(store, 1, 'replayed after a restart');
        await store.writeEdgeRows(batch, { dedupToken: 'edges-topic:p0:1100-1199,p1:2043-2080' });
        await check(store, 2, 'same rows, another token');
        await store.writeEdgeRows(batch);
        await store.writeEdgeRows(batch);
        await check(store, 4, 'same rows twice without a token');
      });
    },
  },
  {
    name: 'values are bound as parameters, bad rows and bad windows are refused, engine errors surface',
    async run(harness) {
      const location = await harness.newLocation();
      await withStore(location, undefined, async (store) => {
        await store.migrate();
        const hostile = `x' OR '1'='1 --\\ \t\n"é{}`;
        const [row] = await store.executor.queryJsonRows<{ s: string; n: number | string; a: string[] }>(
          'SELECT {s:String} AS s, {n:UInt32} AS n, {a:Array(String)} AS a',
          { s: hostile, n: 4_000_000_000, a: ['a', "b'c"] },
        );
        assert.deepEqual(row, { s: hostile, n: typeof row?.n === 'string' ? '4000000000' : 4_000_000_000, a: ['a', "b'c"] });
        const H = baseHour();
        const random = seededRandom(5);
        const good = edgeRow(FRONTEND_TO_CHECKOUT[0]!, H, random);
        await assert.rejects(store.writeEdgeRows([good, { ...good, server_port: 70_000 }]), /edge row 1: server_port/);
        await assert.rejects(store.writeEdgeRows([{ ...good, bytes_sent: -1 }]), /edge row 0: bytes_sent/);
        await assert.rejects(store.writeEdgeRows([{ ...good, client_service: '' }]), /edge row 0: client_service is required/);
        await assert.rejects(store.writeEdgeRows([good, { ...good, tenant: '' }]), /edge row 1: tenant is required/);
        const route = { protocol: 'http1' as const, method: 'GET', route: '/', requests: 1, errors: 0, client_errors: 0, durations_us: [5] };
        await assert.rejects(store.writeEdgeRows([{ ...good, routes: [{ ...route, requests: -2 }] }]), /edge row 0: routes\[0\]\.requests/);
        await assert.rejects(store.writeEdgeRows([{ ...good, routes: [route, { ...route, protocol: 'ftp' as 'http1' }] }]), /edge row 0: routes\[1\]\.protocol/);
        assert.equal((await store.readEdgeTotals({ from: H, to: H + 1, resolution: 1 })).rows, 0, 'nothing of a refused batch is written');
        await assert.rejects(store.readServiceMap({ from: H, to: H }), RangeError);
        await assert.rejects(store.readServiceMap({ from: H + 0.5, to: H + 10 }), RangeError);
        await assert.rejects(store.executor.queryJsonRows('SELECT * FROM no_such_table_here'), /no_such_table_here|UNKNOWN_TABLE/);
      });
    },
  },
];

/** Every scenario: the store's own (migrations, TTLs, sums, quantiles, dedup, parameters), then EdgeQueries'. */
export const edgeStoreScenarios: readonly Scenario[] = [...storeScenarios, ...queryScenarios];
