/**
 * For the API's specs: EdgeQueries answered from data the spec sets up per tenant, recording
 * the tenant and query of every call, so a spec can check that a request was asked for the
 * key's tenant and that another tenant's data never comes back.
 */
import { QueryInputError } from '@weft/store';
import type {
  BreakdownQuery,
  BreakdownResult,
  ChangesQuery,
  ChangesResult,
  EdgeQueries,
  EdgeRecord,
  EdgeStats,
  MapQuery,
  MapResult,
  NeighborhoodQuery,
  NeighborhoodResult,
  QueryWindow,
  RoutesQuery,
  RoutesResult,
  SeriesQuery,
  SeriesResult,
  ServiceInfo,
  ServicePage,
  ServiceSearch,
  ServiceView,
  TenantId,
} from '@weft/store';

export interface FakeTenantData {
  services: ServiceInfo[];
  edges: EdgeRecord[];
}

export interface FakeCall {
  method: keyof EdgeQueries;
  tenant: TenantId;
  query: unknown;
}

export function zeroStats(): EdgeStats {
  return {
    connections_opened: 0, connections_closed: 0, connections_failed: 0, connection_seconds: 0, connections_active: 0,
    bytes_sent: 0, bytes_received: 0, retransmits: 0, resets: 0, rtt_p50_us: null, rtt_p95_us: null, rtt_p99_us: null,
    requests: 0, request_errors: 0, request_client_errors: 0, request_protocols: [], request_p50_us: null, request_p95_us: null, request_p99_us: null,
  };
}

/** An edge with the given counters, the rest zero. */
export function edge(source: string, target: string, port: number, stats: Partial<EdgeStats> = {}): EdgeRecord {
  return { source, target, port, ...zeroStats(), ...stats };
}

export function service(id: string, namespace = '', kind = 'Deployment'): ServiceInfo {
  return { id, name: id.split('/').at(-1) ?? id, namespace, kind, workload: id.split('/').at(-1) ?? id };
}

export class FakeEdgeQueries implements EdgeQueries {
  readonly calls: FakeCall[] = [];

  constructor(private readonly tenants: Record<TenantId, FakeTenantData>) {}

  lastCall(): FakeCall | undefined {
    return this.calls.at(-1);
  }

  private data(tenant: TenantId): FakeTenantData {
    return this.tenants[tenant] ?? { services: [], edges: [] };
  }

  private record(method: keyof EdgeQueries, tenant: TenantId, query: unknown): FakeTenantData {
    this.calls.push({ method, tenant, query: structuredClone(query) });
    return this.data(tenant);
  }

  private edgesOf(data: FakeTenantData, selector: { source: string; target: string; port?: number }): EdgeRecord[] {
    return data.edges.filter((e) => e.source === selector.source && e.target === selector.target && (selector.port === undefined || e.port === selector.port));
  }

  async readMap(tenant: TenantId, query: MapQuery): Promise<MapResult> {
    const data = this.record('readMap', tenant, query);
    return { window: query.window, resolution: 60, nodes: data.services.map((s) => ({ ...s, members: 1 })), edges: data.edges };
  }

  async searchServices(tenant: TenantId, search: ServiceSearch): Promise<ServicePage> {
    const data = this.record('searchServices', tenant, search);
    if (search.cursor !== undefined && !/^[0-9]+$/.test(search.cursor)) throw new QueryInputError('cursor', 'cursor: not a cursor this store gave out');
    const q = (search.q ?? '').toLowerCase();
    const matching = data.services.filter((s) => [s.id, s.name, s.namespace, s.kind].some((field) => field.toLowerCase().includes(q)));
    const offset = Number(search.cursor ?? 0);
    const page = matching.slice(offset, offset + search.limit);
    return { services: page, next_cursor: offset + search.limit < matching.length ? String(offset + search.limit) : null };
  }

  async readService(tenant: TenantId, id: string, window: QueryWindow): Promise<ServiceView | null> {
    const data = this.record('readService', tenant, { service: id, window });
    const found = data.services.find((s) => s.id === id);
    if (found === undefined) return null;
    return {
      service: { ...found, zones: ['zone-a'], nodes: ['node-1'], versions: ['v1'], instances: 2, first_seen: window.from, last_seen: window.to - 1 },
      inbound: data.edges.filter((e) => e.target === id),
      outbound: data.edges.filter((e) => e.source === id),
    };
  }

  async readNeighborhood(tenant: TenantId, query: NeighborhoodQuery): Promise<NeighborhoodResult | null> {
    const data = this.record('readNeighborhood', tenant, query);
    const center = data.services.find((s) => s.id === query.service);
    if (center === undefined) return null;
    const edges = data.edges.filter((e) => (query.direction !== 'in' && e.source === center.id) || (query.direction !== 'out' && e.target === center.id));
    const neighbors = new Set(edges.map((e) => (e.source === center.id ? e.target : e.source)));
    const nodes = [{ ...center, hops: 0 }, ...data.services.filter((s) => neighbors.has(s.id) && s.id !== center.id).map((s) => ({ ...s, hops: 1 }))];
    return { window: query.window, resolution: 60, center: center.id, nodes, edges };
  }

  async readEdgeSeries(tenant: TenantId, query: SeriesQuery): Promise<SeriesResult> {
    const data = this.record('readEdgeSeries', tenant, query);
    if (query.window.from % query.step !== 0 || query.window.to % query.step !== 0) throw new QueryInputError('step', 'the window is not whole steps');
    const edges = this.edgesOf(data, query);
    const points = [];
    for (let ts = query.window.from; ts < query.window.to; ts += query.step) {
      // The edge's totals in the first step, zeros after it.
      const first = ts === query.window.from;
      points.push({ ts, ...zeroStats(), bytes_sent: first ? edges.reduce((sum, e) => sum + e.bytes_sent, 0) : 0 });
    }
    return { window: query.window, step: query.step, points };
  }

  async readEdgeBreakdown(tenant: TenantId, query: BreakdownQuery): Promise<BreakdownResult> {
    const data = this.record('readEdgeBreakdown', tenant, query);
    const groups = this.edgesOf(data, query).map((e) => ({ ...e, value: `${query.by}:${e.source}`, error_share: 0 }));
    return { window: query.window, by: query.by, groups: groups.map(({ source: _s, target: _t, port: _p, ...g }) => g) };
  }

  async readEdgeRoutes(tenant: TenantId, query: RoutesQuery): Promise<RoutesResult> {
    const data = this.record('readEdgeRoutes', tenant, query);
    // One route per matching edge, its requests those of the edge.
    const routes = this.edgesOf(data, query).map((e) => ({
      protocol: 'http1' as const, method: 'GET', route: `/from/${e.source}`, requests: e.requests, request_errors: e.request_errors,
      request_client_errors: e.request_client_errors, request_p50_us: e.request_p50_us, request_p95_us: e.request_p95_us, request_p99_us: e.request_p99_us,
    }));
    return { window: query.window, routes: routes.slice(0, query.limit), others: { routes: Math.max(0, routes.length - query.limit), requests: 0, request_errors: 0, request_client_errors: 0 } };
  }

  async readChanges(tenant: TenantId, query: ChangesQuery): Promise<ChangesResult> {
    const data = this.record('readChanges', tenant, query);
    return {
      window: query.window,
      baseline: query.baseline,
      changes: data.edges.map((e) => ({ kind: 'appeared' as const, source: e.source, target: e.target, port: e.port, baseline: null, current: zeroStats(), reasons: [] })),
      services: data.services,
    };
  }
}
