/**
 * Scenarios for EdgeQueries (map, search, service view, neighbourhood, series, breakdown,
 * changes), on the known topology of queryTopology.ts. Each checks the store's answer against
 * sums the scenario makes itself from the rows it wrote, and that the other tenant's rows never
 * show up (they share service ids and carry counters far larger than any acme sum).
 */
import assert from 'node:assert/strict';
import type { EdgeRow, EdgeStore, EdgeStoreOptions, RouteSample } from '../edgeStore.js';
import { QueryInputError, type EdgeRecord, type EdgeStats, type QueryWindow } from '../queries/queryTypes.js';
import {
  BASELINE_OFFSETS,
  OTHER_ONLY_SERVICE,
  OTHER_TENANT,
  SERVICES,
  TENANT,
  WINDOW_OFFSETS,
  topologyRows,
  topologySeconds,
  treeRows,
} from './queryTopology.js';
import { MAX_BOUND_MEMBERS } from '../queries/neighborhood.js';

interface StoreLocation {
  open(options?: EdgeStoreOptions): Promise<EdgeStore>;
}
interface Harness {
  newLocation(): Promise<StoreLocation>;
}
export interface QueryScenario {
  name: string;
  run(harness: Harness, note: (message: string) => void): Promise<void>;
}

const COUNTERS = [
  'connections_opened',
  'connections_closed',
  'connections_failed',
  'connection_seconds',
  'bytes_sent',
  'bytes_received',
  'retransmits',
  'resets',
] as const;
type Sums = Record<(typeof COUNTERS)[number], number> & { rtts: Set<number> };

/** On the hour, a few hours ago (inside every default TTL). */
function baseHour(): number {
  return Math.floor(Date.now() / 1000 / 3600) * 3600 - 4 * 3600;
}

/** A store holding the topology (both tenants), shared by the scenarios of one harness. */
async function withTopology(harness: Harness, body: (store: EdgeStore, H: number, rows: readonly EdgeRow[]) => Promise<void>): Promise<void> {
  const location = await harness.newLocation();
  const store = await location.open();
  try {
    await store.migrate();
    const H = baseHour();
    const { rows, otherRows } = topologyRows(H);
    // Several batches, interleaving the tenants, as the ingest would write them.
    const all = [...rows, ...otherRows].sort((a, b) => a.ts - b.ts);
    for (let i = 0; i < all.length; i += 2000) await store.writeEdgeRows(all.slice(i, i + 2000));
    await body(store, H, rows);
  } finally {
    await store.close();
  }
}

function sumRows(rows: readonly EdgeRow[], window: QueryWindow, keyOf: (r: EdgeRow) => string | undefined): Map<string, Sums> {
  const out = new Map<string, Sums>();
  for (const r of rows) {
    if (r.ts < window.from || r.ts >= window.to) continue;
    const key = keyOf(r);
    if (key === undefined) continue;
    const sums = out.get(key) ?? ({ ...Object.fromEntries(COUNTERS.map((c) => [c, 0])), rtts: new Set<number>() } as Sums);
    for (const c of COUNTERS) sums[c] += r[c];
    for (const s of r.rtt_samples_us ?? []) sums.rtts.add(s);
    out.set(key, sums);
  }
  return out;
}

const edgeKeyOf = (r: { client_service: string; server_service: string; server_port: number }): string => `${r.client_service}>${r.server_service}:${r.server_port}`;
const recordKey = (e: { source: string; target: string; port: number }): string => `${e.source}>${e.target}:${e.port}`;

function assertStats(got: EdgeStats, want: Sums, seconds: number, label: string): void {
  for (const c of COUNTERS) assert.equal(got[c], want[c], `${label}: ${c}`);
  assert.equal(got.connections_active, want.connection_seconds / seconds, `${label}: connections_active`);
  // Each edge's srtt is constant within a period, so every quantile is exactly that value.
  if (want.rtts.size === 1) {
    const [rtt] = [...want.rtts];
    assert.deepEqual([got.rtt_p50_us, got.rtt_p95_us, got.rtt_p99_us], [rtt, rtt, rtt], `${label}: rtt quantiles`);
  }
  assert.deepEqual(
    [got.requests, got.request_errors, got.request_client_errors, got.request_protocols, got.request_p50_us, got.request_p95_us, got.request_p99_us],
    [0, 0, 0, [], null, null, null],
    `${label}: no L7 yet`,
  );
}

function assertEdges(got: readonly EdgeRecord[], want: Map<string, Sums>, seconds: number, label: string): void {
  assert.deepEqual(got.map(recordKey).sort(), [...want.keys()].sort(), `${label}: the edges`);
  for (const e of got) assertStats(e, want.get(recordKey(e))!, seconds, `${label}: ${recordKey(e)}`);
}

const windowOf = (H: number, o: { from: number; to: number }): QueryWindow => ({ from: H + o.from, to: H + o.to });

function rejectsInput(parameter: string): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof QueryInputError, String(error));
    assert.equal(error.parameter, parameter, error.message);
    return true;
  };
}

export const queryScenarios: readonly QueryScenario[] = [
  {
    name: 'queries: the map of a window mixing every tier, with filters and grouping, per tenant',
    async run(harness, note) {
      await withTopology(harness, async (store, H, rows) => {
        const window = windowOf(H, WINDOW_OFFSETS);
        const seconds = window.to - window.from;
        const q = store.queries;
        const map = await q.readMap(TENANT, { window });
        note(`map: resolution ${map.resolution}, ${map.edges.length} edges, ${map.nodes.length} nodes`);
        assert.equal(map.resolution, 1);
        assertEdges(map.edges, sumRows(rows, window, edgeKeyOf), seconds, 'map');
        assert.deepEqual(
          map.nodes.map((n) => [n.id, n.name, n.namespace, n.kind, n.members]),
          Object.values(SERVICES).map((s) => [s.id, s.display, s.namespace, s.kind, 1]),
          'nodes named from the services table, acme names only',
        );
        // The other tenant sees its own edges only, under the same ids.
        const other = await q.readMap(OTHER_TENANT, { window });
        assert.deepEqual(other.edges.map(recordKey).sort(), ['svc-a>svc-b:8080', 'svc-d>svc-a:7000', 'svc-x>svc-b:8080']);
        assert.ok(other.nodes.every((n) => n.name.startsWith('other-') || n.id === OTHER_ONLY_SERVICE));
        // A window in the baseline: d -> e, not yet e -> b.
        const early = await q.readMap(TENANT, { window: windowOf(H, BASELINE_OFFSETS) });
        assertEdges(early.edges, sumRows(rows, windowOf(H, BASELINE_OFFSETS), edgeKeyOf), BASELINE_OFFSETS.to - BASELINE_OFFSETS.from, 'baseline map');

        // Filters.
        const keysOf = async (query: Omit<Parameters<typeof q.readMap>[1], 'window'>): Promise<string[]> =>
          (await q.readMap(TENANT, { window, ...query })).edges.map(recordKey).sort();
        assert.deepEqual(await keysOf({ namespace: 'data' }), ['svc-b>svc-c:5432', 'svc-c>svc-d:9000'], 'namespace: either end in it');
        assert.deepEqual(await keysOf({ namespace: 'globex-ns' }), [], 'another tenant\'s namespace');
        assert.deepEqual(await keysOf({ service: 'ALPHA' }), ['svc-a>svc-b:8080'], 'substring of a name, any case');
        assert.deepEqual(await keysOf({ service: 'svc-e' }), ['svc-e>svc-b:8080'], 'substring of an id');
        assert.deepEqual(await keysOf({ service: 'ga*' }), ['svc-b>svc-c:5432', 'svc-c>svc-d:9000'], '* as a wildcard, anchored');
        assert.deepEqual(await keysOf({ service: '*ta' }), ['svc-a>svc-b:8080', 'svc-b>svc-c:5432', 'svc-c>svc-d:9000', 'svc-e>svc-b:8080'], 'beta and delta');
        assert.deepEqual(await keysOf({ service: '%' }), [], '% is literal');
        assert.deepEqual(await keysOf({ service: 'xray' }), [], 'a globex name');
        assert.deepEqual(await keysOf({ namespace: 'shop', service: 'gamma' }), ['svc-b>svc-c:5432'], 'both filters');
        const opened = sumRows(rows, window, edgeKeyOf);
        const rates = [...opened.entries()].map(([k, s]) => [k, s.connections_opened / seconds] as const).sort((a, b) => a[1] - b[1]);
        const cut = (rates[1]![1] + rates[2]![1]) / 2;
        assert.deepEqual(await keysOf({ minRate: cut }), rates.slice(2).map(([k]) => k).sort(), `min_rate ${cut.toFixed(3)}/s`);

        // Grouped by namespace: sums of the service edges, members counted.
        const byNamespace = await q.readMap(TENANT, { window, groupBy: 'namespace' });
        const nsOf = new Map(Object.values(SERVICES).map((s) => [s.id, s.namespace]));
        assertEdges(byNamespace.edges, sumRows(rows, window, (r) => `namespace:${nsOf.get(r.client_service)}>namespace:${nsOf.get(r.server_service)}:${r.server_port}`), seconds, 'by namespace');
        assert.deepEqual(byNamespace.nodes.map((n) => [n.id, n.members]), [['namespace:data', 2], ['namespace:edge', 1], ['namespace:shop', 2]]);
        // Grouped by zone (failure-domain tables).
        const byZone = await q.readMap(TENANT, { window, groupBy: 'zone' });
        assertEdges(byZone.edges, sumRows(rows, window, (r) => `zone:${r.client_zone}>zone:${r.server_zone}:${r.server_port}`), seconds, 'by zone');
        assert.deepEqual(byZone.nodes.map((n) => [n.id, n.members]), [['zone:zone-1', 5], ['zone:zone-2', 5]]);

        await assert.rejects(q.readMap(TENANT, { window, groupBy: 'pod' as never }), rejectsInput('group_by'));
        await assert.rejects(q.readMap(TENANT, { window, minRate: -1 }), rejectsInput('min_rate'));
        await assert.rejects(q.readMap('', { window }), rejectsInput('tenant'));
        await assert.rejects(q.readMap(TENANT, { window: { from: window.to, to: window.from } }), rejectsInput('to'));
      });
    },
  },
  {
    name: 'queries: service search pages in id order by an opaque cursor; service view; unknown services are null',
    async run(harness) {
      await withTopology(harness, async (store, H, rows) => {
        const q = store.queries;
        const ids = Object.values(SERVICES).map((s) => s.id);
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 5; page++) {
          const result = await q.searchServices(TENANT, { limit: 2, ...(cursor !== undefined ? { cursor } : {}) });
          seen.push(...result.services.map((s) => s.id));
          if (result.next_cursor === null) break;
          assert.ok(!result.next_cursor.includes(ids[0]!), 'the cursor is opaque');
          cursor = result.next_cursor;
        }
        assert.deepEqual(seen, ids, 'every acme service once, in id order; svc-x is globex\'s');
        const search = async (text: string): Promise<string[]> => (await q.searchServices(TENANT, { q: text, limit: 100 })).services.map((s) => s.id);
        assert.deepEqual(await search('DATA'), ['svc-c', 'svc-d'], 'by namespace');
        assert.deepEqual(await search('gam'), ['svc-c'], 'by name');
        assert.deepEqual(await search('statefulset'), ['svc-c', 'svc-d'], 'by kind');
        assert.deepEqual(await search('svc-'), ids, 'by id');
        assert.deepEqual(await search('other'), [], 'globex names');
        assert.deepEqual((await q.searchServices(TENANT, { q: 'beta', limit: 1 })).services, [{ id: 'svc-b', name: 'beta', namespace: 'shop', kind: 'Deployment', workload: 'beta' }]);
        await assert.rejects(q.searchServices(TENANT, { limit: 0 }), rejectsInput('limit'));
        await assert.rejects(q.searchServices(TENANT, { limit: 1001 }), rejectsInput('limit'));
        await assert.rejects(q.searchServices(TENANT, { limit: 5, cursor: '%%%' }), rejectsInput('cursor'));

        const window = windowOf(H, WINDOW_OFFSETS);
        const seconds = window.to - window.from;
        const view = await q.readService(TENANT, 'svc-b', window);
        assert.ok(view !== null);
        const inWindow = rows.filter((r) => r.ts >= window.from && r.ts < window.to);
        const ofB = inWindow.filter((r) => r.client_service === 'svc-b' || r.server_service === 'svc-b');
        const domains = (f: 'zone' | 'node' | 'version'): string[] =>
          [...new Set(ofB.map((r) => (r.client_service === 'svc-b' ? r[`client_${f}`] : r[`server_${f}`])!))].sort();
        assert.deepEqual(
          { ...view.service },
          {
            id: 'svc-b', name: 'beta', namespace: 'shop', kind: 'Deployment', workload: 'beta',
            zones: domains('zone'), nodes: domains('node'), versions: domains('version'), instances: 2,
            first_seen: Math.min(...ofB.map((r) => r.ts)), last_seen: Math.max(...ofB.map((r) => r.ts)),
          },
        );
        assertEdges(view.inbound, sumRows(rows, window, (r) => (r.server_service === 'svc-b' ? edgeKeyOf(r) : undefined)), seconds, 'inbound of b');
        assertEdges(view.outbound, sumRows(rows, window, (r) => (r.client_service === 'svc-b' ? edgeKeyOf(r) : undefined)), seconds, 'outbound of b');
        assert.deepEqual(view.inbound.map((e) => e.source).sort(), ['svc-a', 'svc-e']);
        // Known, but quiet in the window: found, no edges, first/last seen of the tenant's rows.
        const quiet = await q.readService(TENANT, 'svc-e', windowOf(H, BASELINE_OFFSETS));
        assert.ok(quiet !== null);
        assert.deepEqual([quiet.inbound.map(recordKey), quiet.outbound.map(recordKey)], [['svc-d>svc-e:7000'], []], 'd -> e in the baseline, e -> b not yet');
        assert.equal(await q.readService(TENANT, 'svc-nope', window), null);
        assert.equal(await q.readService(TENANT, OTHER_ONLY_SERVICE, window), null, 'another tenant\'s service is not found');
      });
    },
  },
  {
    name: 'queries: neighbourhoods by hops in and out and both, exact for the window, per tenant',
    async run(harness) {
      await withTopology(harness, async (store, H, rows) => {
        const q = store.queries;
        const window = windowOf(H, WINDOW_OFFSETS);
        const seconds = window.to - window.from;
        const hood = async (service: string, depth: number, direction: 'in' | 'out' | 'both'): Promise<Record<string, number>> => {
          const result = await q.readNeighborhood(TENANT, { window, service, depth, direction });
          assert.ok(result !== null);
          assert.equal(result.center, service);
          const members = new Set(result.nodes.map((n) => n.id));
          assertEdges(result.edges, sumRows(rows, window, (r) => (members.has(r.client_service) && members.has(r.server_service) ? edgeKeyOf(r) : undefined)), seconds, `${service} ${direction} ${depth}`);
          return Object.fromEntries(result.nodes.map((n) => [n.id, n.hops]));
        };
        assert.deepEqual(await hood('svc-b', 1, 'out'), { 'svc-b': 0, 'svc-c': 1 });
        assert.deepEqual(await hood('svc-b', 1, 'in'), { 'svc-b': 0, 'svc-a': 1, 'svc-e': 1 });
        assert.deepEqual(await hood('svc-b', 1, 'both'), { 'svc-b': 0, 'svc-a': 1, 'svc-c': 1, 'svc-e': 1 });
        assert.deepEqual(await hood('svc-c', 2, 'in'), { 'svc-c': 0, 'svc-b': 1, 'svc-a': 2, 'svc-e': 2 });
        assert.deepEqual(await hood('svc-a', 2, 'out'), { 'svc-a': 0, 'svc-b': 1, 'svc-c': 2 });
        assert.deepEqual(await hood('svc-a', 3, 'out'), { 'svc-a': 0, 'svc-b': 1, 'svc-c': 2, 'svc-d': 3 });
        assert.deepEqual(await hood('svc-d', 3, 'in'), { 'svc-d': 0, 'svc-c': 1, 'svc-b': 2, 'svc-a': 3, 'svc-e': 3 });
        assert.deepEqual(await hood('svc-a', 2, 'both'), { 'svc-a': 0, 'svc-b': 1, 'svc-c': 2, 'svc-e': 2 });
        assert.deepEqual(await hood('svc-d', 1, 'out'), { 'svc-d': 0 }, 'd -> e is not in the window');
        // In the baseline d -> e exists and e -> b does not.
        const before = await q.readNeighborhood(TENANT, { window: windowOf(H, BASELINE_OFFSETS), service: 'svc-d', depth: 5, direction: 'out' });
        assert.deepEqual(before?.nodes.map((n) => [n.id, n.hops]), [['svc-d', 0], ['svc-e', 1]]);
        // globex has d -> a: acme's neighbourhood of a has no d.
        assert.deepEqual(await hood('svc-a', 1, 'in'), { 'svc-a': 0 });
        assert.equal(await q.readNeighborhood(TENANT, { window, service: OTHER_ONLY_SERVICE, depth: 1, direction: 'both' }), null);
        await assert.rejects(q.readNeighborhood(TENANT, { window, service: 'svc-a', depth: 6, direction: 'both' }), rejectsInput('depth'));
        await assert.rejects(q.readNeighborhood(TENANT, { window, service: 'svc-a', depth: 1, direction: 'up' as never }), rejectsInput('direction'));
      });
    },
  },
  {
    name: 'queries: a neighbourhood of more services than an id list carries is still exact (every edge among them, none beyond)',
    async run(harness) {
      const location = await harness.newLocation();
      const store = await location.open();
      try {
        await store.migrate();
        const H = baseHour();
        const fanOut = Math.ceil(Math.sqrt(MAX_BOUND_MEMBERS)) + 1;
        const rows = treeRows(H, fanOut);
        for (let i = 0; i < rows.length; i += 2000) await store.writeEdgeRows(rows.slice(i, i + 2000));
        const window = { from: H, to: H + 60 };
        const result = await store.queries.readNeighborhood(TENANT, { window, service: 'tree-0', depth: 2, direction: 'out' });
        assert.ok(result !== null);
        const want = new Map<string, number>([['tree-0', 0]]);
        for (let i = 0; i < fanOut; i++) {
          want.set(`tree-1-${i}`, 1);
          for (let j = 0; j < fanOut; j++) want.set(`tree-2-${i}-${j}`, 2);
        }
        assert.ok(want.size > MAX_BOUND_MEMBERS, `${want.size} services, more than the ${MAX_BOUND_MEMBERS} an id list carries`);
        assert.deepEqual(new Map(result.nodes.map((n) => [n.id, n.hops])), want);
        assertEdges(result.edges, sumRows(rows, window, (r) => (want.has(r.client_service) && want.has(r.server_service) ? edgeKeyOf(r) : undefined)), 60, 'tree');
        assert.ok(result.edges.some((e) => e.source === 'tree-2-0-0' && e.target === 'tree-2-0-1'), 'the edge between two hop-2 services');
        assert.ok(!result.edges.some((e) => e.target === 'outside'), 'nothing beyond the depth');
      } finally {
        await store.close();
      }
    },
  },
  {
    name: 'queries: an edge series has a point per step, zeros where empty, exact at 1 s, 10 s, 60 s and 3600 s steps',
    async run(harness, note) {
      await withTopology(harness, async (store, H, rows) => {
        const q = store.queries;
        for (const [step, start, end] of [
          [60, H + 3480, H + 7320],
          [10, H + 3490, H + 3710],
          [7, H + 3500, H + 3605],
          [3600, H - 3600, H + 3 * 3600],
          [120, H + 3360, H + 3840],
        ] as const) {
          // Bounds on whole steps (unix seconds divisible by the step).
          const [from, to] = [Math.ceil(start / step) * step, Math.floor(end / step) * step];
          for (const [source, target, port] of [['svc-e', 'svc-b', 8080], ['svc-b', 'svc-c', undefined]] as const) {
            const series = await q.readEdgeSeries(TENANT, { window: { from, to }, source, target, ...(port !== undefined ? { port } : {}), step });
            assert.equal(series.points.length, (to - from) / step);
            const want = sumRows(rows, { from, to }, (r) =>
              r.client_service === source && r.server_service === target && (port === undefined || r.server_port === port) ? String(Math.floor((r.ts - from) / step)) : undefined,
            );
            series.points.forEach((point, i) => {
              assert.equal(point.ts, from + i * step);
              const sums = want.get(String(i));
              if (sums === undefined) {
                assert.deepEqual([point.connections_opened, point.bytes_sent, point.rtt_p99_us], [0, 0, null], `step ${i} empty`);
              } else {
                assertStats(point, sums, step, `${source}>${target} step ${step} #${i}`);
              }
            });
            note(`${source} -> ${target} at ${step} s: ${series.points.length} points, ${want.size} with rows`);
          }
        }
        const window = { from: H + 3480, to: H + 7320 };
        await assert.rejects(q.readEdgeSeries(TENANT, { window, source: 'svc-a', target: 'svc-b', step: 0 }), rejectsInput('step'));
        await assert.rejects(q.readEdgeSeries(TENANT, { window, source: 'svc-a', target: 'svc-b', step: 1.5 }), rejectsInput('step'));
        await assert.rejects(q.readEdgeSeries(TENANT, { window: { from: H + 1, to: H + 61 }, source: 'svc-a', target: 'svc-b', step: 60 }), rejectsInput('step'));
        await assert.rejects(q.readEdgeSeries(TENANT, { window: { from: H, to: H + 86_400 }, source: 'svc-a', target: 'svc-b', step: 1 }), rejectsInput('step'));
        await assert.rejects(q.readEdgeSeries(TENANT, { window, source: '', target: 'svc-b', step: 60 }), rejectsInput('source'));
        await assert.rejects(q.readEdgeSeries(TENANT, { window, source: 'svc-a', target: 'svc-b', port: 70_000, step: 60 }), rejectsInput('port'));
        // The other tenant's a -> b is not acme's.
        const other = await q.readEdgeSeries(OTHER_TENANT, { window, source: 'svc-a', target: 'svc-b', step: 60 });
        const otherSeconds = topologySeconds().filter((s) => H + s >= window.from && H + s < window.to).length;
        assert.equal(other.points.reduce((sum, p) => sum + p.connections_opened, 0), 1_000_000 * otherSeconds);
      });
    },
  },
  {
    name: 'queries: a breakdown by failure domain ranks the failing server version first',
    async run(harness) {
      await withTopology(harness, async (store, H, rows) => {
        const q = store.queries;
        const window = windowOf(H, WINDOW_OFFSETS);
        const seconds = window.to - window.from;
        for (const by of ['server_version', 'client_zone', 'server_instance', 'server_port', 'client_process'] as const) {
          const result = await q.readEdgeBreakdown(TENANT, { window, source: 'svc-b', target: 'svc-c', by });
          const want = sumRows(rows, window, (r) => (r.client_service === 'svc-b' && r.server_service === 'svc-c' ? String(r[by]) : undefined));
          assert.deepEqual(result.groups.map((g) => g.value).sort(), [...want.keys()].sort(), by);
          for (const g of result.groups) {
            const sums = want.get(g.value)!;
            assertStats(g, sums, seconds, `${by}=${g.value}`);
            const attempts = sums.connections_opened + sums.connections_failed;
            assert.equal(g.error_share, attempts === 0 ? 0 : sums.connections_failed / attempts);
          }
          for (let i = 1; i < result.groups.length; i++) assert.ok(result.groups[i - 1]!.error_share >= result.groups[i]!.error_share, `${by}: ranked`);
        }
        const versions = await q.readEdgeBreakdown(TENANT, { window, source: 'svc-b', target: 'svc-c', port: 5432, by: 'server_version' });
        assert.deepEqual(versions.groups.map((g) => g.value), ['v2', 'v1'], 'the failing version first');
        assert.ok(versions.groups[0]!.error_share > 0.1 && versions.groups[1]!.error_share === 0);
        const nothing = await q.readEdgeBreakdown(TENANT, { window, source: 'svc-b', target: 'svc-c', port: 1, by: 'server_version' });
        assert.deepEqual(nothing.groups, []);
        await assert.rejects(q.readEdgeBreakdown(TENANT, { window, source: 'svc-b', target: 'svc-c', by: 'server_service' as never }), rejectsInput('by'));
      });
    },
  },
  {
    name: 'queries: changes list the edge that appeared, the one that vanished and the ones that got worse, with reasons',
    async run(harness) {
      await withTopology(harness, async (store, H, rows) => {
        const q = store.queries;
        const window = windowOf(H, WINDOW_OFFSETS);
        const baseline = windowOf(H, BASELINE_OFFSETS);
        const result = await q.readChanges(TENANT, { window, baseline });
        assert.deepEqual(
          result.changes.map((c) => [c.kind, `${c.source}>${c.target}:${c.port}`, c.reasons]),
          [
            ['appeared', 'svc-e>svc-b:8080', []],
            ['vanished', 'svc-d>svc-e:7000', []],
            ['worse', 'svc-b>svc-c:5432', ['failure_rate']],
            ['worse', 'svc-c>svc-d:9000', ['rtt_p99']],
          ],
        );
        const now = sumRows(rows, window, edgeKeyOf);
        const before = sumRows(rows, baseline, edgeKeyOf);
        for (const c of result.changes) {
          const key = `${c.source}>${c.target}:${c.port}`;
          if (c.current !== null) assertStats(c.current, now.get(key)!, window.to - window.from, `${key} current`);
          if (c.baseline !== null) assertStats(c.baseline, before.get(key)!, baseline.to - baseline.from, `${key} baseline`);
        }
        assert.equal(result.changes[0]!.baseline, null);
        assert.equal(result.changes[1]!.current, null);
        assert.deepEqual(result.services.map((s) => [s.id, s.name]), [['svc-b', 'beta'], ['svc-c', 'gamma'], ['svc-d', 'delta'], ['svc-e', 'epsilon']]);
        // The same window against itself: nothing changed.
        assert.deepEqual((await q.readChanges(TENANT, { window, baseline: window })).changes, []);
        await assert.rejects(q.readChanges(TENANT, { window, baseline: { from: 5, to: 5 } }), rejectsInput('baseline_to'));
        // globex: its edges exist in both windows unchanged.
        assert.deepEqual((await q.readChanges(OTHER_TENANT, { window, baseline })).changes, []);
      });
    },
  },
  {
    name: 'queries: requests by route, over ragged seconds, whole minutes and a whole hour, summed into the edge, per tenant',
    async run(harness, note) {
      const location = await harness.newLocation();
      const store = await location.open();
      try {
        await store.migrate();
        const H = baseHour();
        // One edge, a row a second over [H + 3570, H + 7290): pieces of 30 s, one hour, one minute, 30 s.
        const window = { from: H + 3570, to: H + 7290 };
        const edge = { client_service: 'svc-a', server_service: 'svc-b', server_port: 8080 };
        const zero = { connections_opened: 0, connections_closed: 0, connections_failed: 0, connection_seconds: 1, bytes_sent: 10, bytes_received: 20, retransmits: 0, resets: 0 };
        const want = new Map<string, { requests: number; errors: number; client_errors: number; duration: number }>();
        const add = (key: string, r: RouteSample): void => {
          const w = want.get(key) ?? { requests: 0, errors: 0, client_errors: 0, duration: r.durations_us[0]! };
          w.requests += r.requests;
          w.errors += r.errors;
          w.client_errors += r.client_errors;
          want.set(key, w);
        };
        const rows: EdgeRow[] = [];
        const other: EdgeRow[] = [];
        for (let ts = window.from; ts < window.to; ts++) {
          // Each route's durations are one value, so its every quantile is exactly that value.
          const routes: RouteSample[] = [
            { protocol: 'http1', method: 'GET', route: '/users/{n}', requests: 3, errors: ts % 10 === 0 ? 1 : 0, client_errors: ts % 7 === 0 ? 1 : 0, durations_us: [2000, 2000, 2000] },
            { protocol: 'grpc', method: 'POST', route: '/shop.Cart/Get', requests: 2, errors: ts % 60 === 0 ? 2 : 0, client_errors: 0, durations_us: [800, 800] },
            ...(ts % 30 === 0 ? [{ protocol: 'http1' as const, method: 'POST', route: '/orders', requests: 1, errors: 0, client_errors: 0, durations_us: [50_000] }] : []),
          ];
          for (const r of routes) add(`${r.protocol} ${r.method} ${r.route}`, r);
          rows.push({ tenant: TENANT, ts, ...edge, ...zero, rtt_samples_us: [50 + (ts % 5) * 100, 3000], routes });
          other.push({ tenant: OTHER_TENANT, ts, ...edge, ...zero, routes: [{ protocol: 'dns', method: '', route: 'A example.com', requests: 1000, errors: 1000, client_errors: 0, durations_us: [1] }] });
        }
        for (let i = 0; i < rows.length; i += 1000) await store.writeEdgeRows([...rows.slice(i, i + 1000), ...other.slice(i, i + 1000)]);
        const q = store.queries;
        const sum = (f: 'requests' | 'errors' | 'client_errors'): number => [...want.values()].reduce((n, w) => n + w[f], 0);

        const map = await q.readMap(TENANT, { window });
        assert.equal(map.edges.length, 1);
        const [e] = map.edges;
        assert.deepEqual(
          [e!.requests, e!.request_errors, e!.request_client_errors, e!.request_protocols],
          [sum('requests'), sum('errors'), sum('client_errors'), ['http1', 'grpc']],
          'the edge sums its routes',
        );
        assert.ok(Math.abs(e!.request_p50_us! - 2000) <= 0.1 * 2000, `most requests are the 2 ms route (p50 in its bucket): ${e!.request_p50_us}`);

        const result = await q.readEdgeRoutes(TENANT, { window, source: 'svc-a', target: 'svc-b', limit: 10 });
        note(`routes: ${result.routes.map((r) => `${r.method} ${r.route} ${r.requests}`).join(', ')}`);
        assert.deepEqual(
          result.routes.map((r) => [`${r.protocol} ${r.method} ${r.route}`, r.requests, r.request_errors, r.request_client_errors, r.request_p50_us, r.request_p99_us]),
          [...want.entries()]
            .sort((a, b) => b[1].requests - a[1].requests)
            .map(([key, w]) => [key, w.requests, w.errors, w.client_errors, w.duration, w.duration]),
        );
        assert.deepEqual(result.others, { routes: 0, requests: 0, request_errors: 0, request_client_errors: 0 });
        const top = await q.readEdgeRoutes(TENANT, { window, source: 'svc-a', target: 'svc-b', port: 8080, limit: 1 });
        assert.deepEqual(top.routes.map((r) => r.route), ['/users/{n}']);
        const rest = [...want.entries()].filter(([key]) => !key.endsWith('/users/{n}')).map(([, w]) => w);
        assert.deepEqual(top.others, {
          routes: 2,
          requests: rest.reduce((n, w) => n + w.requests, 0),
          request_errors: rest.reduce((n, w) => n + w.errors, 0),
          request_client_errors: rest.reduce((n, w) => n + w.client_errors, 0),
        });
        assert.deepEqual((await q.readEdgeRoutes(TENANT, { window, source: 'svc-a', target: 'svc-b', port: 9, limit: 5 })).routes, [], 'another port');
        // The other tenant: its own DNS route only.
        const theirs = await q.readEdgeRoutes(OTHER_TENANT, { window, source: 'svc-a', target: 'svc-b', limit: 10 });
        assert.deepEqual(theirs.routes.map((r) => [r.protocol, r.route, r.requests]), [['dns', 'A example.com', 1000 * rows.length]]);
        // A series step sums the same.
        const series = await q.readEdgeSeries(TENANT, { window: { from: H + 3600, to: H + 7200 }, source: 'svc-a', target: 'svc-b', step: 3600 });
        const hour = rows.filter((r) => r.ts >= H + 3600 && r.ts < H + 7200).flatMap((r) => r.routes ?? []);
        assert.equal(series.points[0]!.requests, hour.reduce((n, r) => n + r.requests, 0));
        assert.equal(series.points[0]!.request_client_errors, hour.reduce((n, r) => n + r.client_errors, 0));
        // Every rollup but the 1 s tier holds its histograms dense (what the queries' sumForEach relies on).
        for (const table of ['edges_1m', 'edges_1h', 'service_edges_10s', 'service_edges_1m', 'service_edges_10m', 'service_edges_1h', 'service_edges_6h', 'route_edges_1m', 'route_edges_1h']) {
          const column = table.startsWith('route_') ? 'request_duration_histogram' : 'rtt_histogram';
          const [row] = await store.executor.queryJsonRows<{ rows: string | number; sparse: string | number }>(
            `SELECT count() AS rows, countIf(length(${column}) != if(empty(${column}), 0, toUInt32(arrayMax(mapKeys(${column}))) + 1)) AS sparse FROM ${table}`,
          );
          assert.ok(Number(row!.rows) > 0, `${table} has rows`);
          assert.equal(Number(row!.sparse), 0, `${table}: every histogram dense`);
        }
        await assert.rejects(q.readEdgeRoutes(TENANT, { window, source: 'svc-a', target: 'svc-b', limit: 0 }), rejectsInput('limit'));
        await assert.rejects(q.readEdgeRoutes(TENANT, { window, source: '', target: 'svc-b', limit: 5 }), rejectsInput('source'));
      } finally {
        await store.close();
      }
    },
  },
];
