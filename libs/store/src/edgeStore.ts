import type { ClickHouseExecutor, QueryParams } from './clickhouseExecutor.js';
import { latencyPieceSql, latencyQuantilesSql } from './latency/latencyHistogram.js';
import { PROTOCOL_BITS, type RequestProtocolName } from './requestProtocols.js';
import { migrate, type MigrateResult } from './migrations/migrator.js';
import { resolveRetention, type RetentionConfig } from './migrations/retention.js';
import { quantiles } from './queries/edgeStats.js';
import { DOMAIN_TABLES, SERVICE_TABLES } from './queries/querySql.js';
import { StoreEdgeQueries } from './queries/storeEdgeQueries.js';
import { DOMAIN_TIERS, MAX_UNIX_SECONDS, checkWindow, finestTier, windowPieces, type Tier, type TimeWindow, type WindowPiece } from './window/windowPieces.js';

export { windowPieces, type TimeWindow, type WindowPiece } from './window/windowPieces.js';

/** The naming fields of one end of an edge (all but `service` optional, '' when unknown). */
const END_FIELDS = ['service', 'display', 'namespace', 'workload', 'kind', 'instance', 'node', 'zone', 'version', 'process'] as const;
type EndField = (typeof END_FIELDS)[number];

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
export type Counter = (typeof COUNTERS)[number];

type EndColumns<P extends string> = { [F in EndField as `${P}_${F}`]?: string };

/**
 * One second of traffic between a client service and a server service on one server port, for
 * one combination of failure domains (instance, node, zone, version, process of each end), of one
 * tenant. The ingest writes these; counters are deltas over that second.
 */
export type EdgeRow = EndColumns<'client'> &
  EndColumns<'server'> & {
    /** The tenant whose agent reported the traffic (non-empty; the ingest key's tenant). */
    tenant: string;
    /** Unix seconds (UTC) of the second the counters cover. */
    ts: number;
    client_service: string;
    server_service: string;
    server_port: number;
    /** Per-connection srtt samples taken in that second, microseconds. */
    rtt_samples_us?: readonly number[];
    /**
     * The L7 requests of that second, one group per (protocol, method, route); the row's request
     * totals and duration histogram are derived from them on insert.
     */
    routes?: readonly RouteSample[];
  } & { [C in Counter]: number };

/** The requests of one (protocol, method, route) on an edge in one second. */
export interface RouteSample {
  protocol: RequestProtocolName;
  /** Upper-case method (`OTHER` outside the known set); '' where the protocol has none. */
  method: string;
  /** Route template. */
  route: string;
  requests: number;
  /** Server errors: HTTP 5xx, gRPC non-OK, DNS failures, requests left unanswered. */
  errors: number;
  /** Client errors (HTTP 4xx), counted apart from errors. */
  client_errors: number;
  /** Durations in microseconds (all, or a sample: `requests` counts them all). */
  durations_us: readonly number[];
}

/** The tiers of the failure-domain tables, which readServiceMap and readEdgeTotals read. */
export type Resolution = 1 | 60 | 3600;

export interface ServiceEnd {
  service: string;
  display: string;
  namespace: string;
  workload: string;
  kind: string;
  /** Failure domains seen for this service in the window (empty values left out). */
  zones: string[];
  nodes: string[];
  versions: string[];
  /** Distinct instances (pods or process instances) seen in the window. */
  instances: number;
}

export type ServiceEdge = { client_service: string; server_service: string; server_port: number } & { [C in Counter]: number } & {
  /** Mean number of open connections over the window: connection_seconds / window length. */
  connections_active: number;
  /** null when no srtt sample fell in the window. */
  rtt_p50_us: number | null;
  rtt_p99_us: number | null;
};

export interface ServiceMap {
  from: number;
  to: number;
  /** Bucket width, in seconds, of the table that answered: 1 (edges_1s), 60 (edges_1m), 3600 (edges_1h). */
  resolution: Resolution;
  services: ServiceEnd[];
  edges: ServiceEdge[];
}

export type EdgeTotals = { [C in Counter]: number } & { rows: number };

export interface EdgeStoreOptions {
  retention?: RetentionConfig;
}

export interface WriteOptions {
  /**
   * Idempotency key of the batch, derived by the ingest from its Kafka input offsets. A batch
   * written again with the same token (a replay after a crash) is not counted again, neither in
   * edges_1s nor in the rollups. The same token must always carry the same rows.
   */
  dedupToken?: string;
}

/** The finest failure-domain table a window needs: 3600 when it is whole hours, 60 when whole minutes, else 1. */
export function resolutionForWindow(window: TimeWindow): Resolution {
  return finestTier(windowPieces(window, { tiers: DOMAIN_TIERS })) as Resolution;
}

/**
 * The rows of a window as one SQL source: a UNION ALL of one SELECT per piece, each over its
 * tier's failure-domain table and its own bounds (bound parameters f<i>/t<i>), of one tenant
 * or, for the legacy tenant-less readers, of all.
 */
function piecesSource(pieces: readonly WindowPiece[], columns: string | ((piece: WindowPiece) => string), tenant: string | undefined): { sql: string; params: QueryParams } {
  const params: Record<string, number | string> = {};
  if (tenant !== undefined) params.tenant = tenant;
  const selects = pieces.map((piece, i) => {
    params[`f${i}`] = piece.from;
    params[`t${i}`] = piece.to;
    const tenantFilter = tenant !== undefined ? 'tenant = {tenant:String} AND ' : '';
    return `SELECT ${typeof columns === 'string' ? columns : columns(piece)} FROM ${DOMAIN_TABLES[piece.resolution]} WHERE ${tenantFilter}ts >= toDateTime({f${i}:UInt32}, 'UTC') AND ts < toDateTime({t${i}:UInt32}, 'UTC')`;
  });
  return { sql: selects.join('\n    UNION ALL\n    '), params };
}

function checkTenantArgument(tenant: string | undefined): void {
  if (tenant !== undefined && (typeof tenant !== 'string' || tenant.length === 0)) throw new RangeError('tenant must be a non-empty string');
}

const INSERT_COLUMNS = [
  'tenant',
  'ts',
  ...END_FIELDS.map((f) => `client_${f}`),
  ...END_FIELDS.map((f) => `server_${f}`),
  'server_port',
  ...COUNTERS,
  'rtt_samples_us',
  'route_samples',
];

const WINDOW_FILTER = `ts >= toDateTime({from:UInt32}, 'UTC') AND ts < toDateTime({to:UInt32}, 'UTC')`;

/** Weft's edge store: the same SQL over chdb (embedded) or a ClickHouse server (remote). */
export class EdgeStore {
  readonly executor: ClickHouseExecutor;
  /** The per-tenant reads of issue 10 (map, search, service, neighbourhood, series, breakdown, changes). */
  readonly queries: StoreEdgeQueries;
  readonly #options: EdgeStoreOptions;

  constructor(executor: ClickHouseExecutor, options: EdgeStoreOptions = {}) {
    resolveRetention(options.retention); // a bad retention setting fails here, with its name
    this.executor = executor;
    this.queries = new StoreEdgeQueries(executor);
    this.#options = options;
  }

  /** Applies pending migrations and the configured TTLs; call once at start-up. */
  migrate(): Promise<MigrateResult> {
    return migrate(this.executor, { ...(this.#options.retention !== undefined ? { retention: this.#options.retention } : {}) });
  }

  async writeEdgeRows(rows: readonly EdgeRow[], options: WriteOptions = {}): Promise<void> {
    if (rows.length === 0) return;
    const records = rows.map((row, i) => toRecordValues(row, i));
    await this.executor.insertRowArrays('edges_1s', INSERT_COLUMNS, records, options.dedupToken !== undefined ? { dedupToken: options.dedupToken } : {});
  }

  /**
   * The service map of [from, to): every (client_service, server_service, server_port) with its
   * counters summed over all failure domains, composed from the coarsest exact pieces of the
   * window in the failure-domain tables.
   *
   * Legacy (the v1 map endpoint, until the API reads `queries.readMap`): with a tenant it reads
   * that tenant's rows only; without one, every tenant's rows together.
   */
  async readServiceMap(window: TimeWindow, tenant?: string): Promise<ServiceMap> {
    checkTenantArgument(tenant);
    const pieces = windowPieces(window, { tiers: DOMAIN_TIERS });
    const resolution = finestTier(pieces) as Resolution;
    const seconds = window.to - window.from;

    // Counters cast to plain UInt64: the rollups hold them as SimpleAggregateFunction(sum, UInt64).
    const edgeSource = piecesSource(
      pieces,
      (piece) => `client_service, server_service, server_port, ${COUNTERS.map((c) => `toUInt64(${c}) AS ${c}`).join(', ')}, ${latencyPieceSql('rtt', piece.resolution === 1)}`,
      tenant,
    );
    const edgeRows = await this.executor.queryJsonRows<Record<string, unknown>>(
      `
SELECT
    client_service,
    server_service,
    server_port,
    ${COUNTERS.map((c) => `sum(${c}) AS ${c}`).join(',\n    ')},
    ${latencyQuantilesSql('rtt')} AS rtt_quantiles_us
FROM
(
    ${edgeSource.sql}
)
GROUP BY client_service, server_service, server_port
ORDER BY client_service, server_service, server_port`,
      edgeSource.params,
    );

    const endSource = (end: 'client' | 'server'): { sql: string; params: QueryParams } =>
      piecesSource(pieces, `ts, ${END_FIELDS.map((f) => `${end}_${f} AS ${f}`).join(', ')}`, tenant);
    const clientSource = endSource('client');
    const serverSource = endSource('server');
    const serviceRows = await this.executor.queryJsonRows<Record<string, unknown>>(
      `
SELECT
    service,
    argMax(display, ts) AS display,
    argMax(namespace, ts) AS namespace,
    argMax(workload, ts) AS workload,
    argMax(kind, ts) AS kind,
    arraySort(groupUniqArrayIf(zone, zone != '')) AS zones,
    arraySort(groupUniqArrayIf(node, node != '')) AS nodes,
    arraySort(groupUniqArrayIf(version, version != '')) AS versions,
    uniqExactIf(instance, instance != '') AS instances
FROM
(
    ${clientSource.sql}
    UNION ALL
    ${serverSource.sql}
)
GROUP BY service
ORDER BY service`,
      // Both ends read the same pieces, so their bounds are the same parameters.
      clientSource.params,
    );

    const edges = edgeRows.map((r): ServiceEdge => {
      const [p50, , p99] = quantiles(r.rtt_quantiles_us);
      const edge = {
        client_service: String(r.client_service),
        server_service: String(r.server_service),
        server_port: Number(r.server_port),
        ...countersOf(r),
        connections_active: 0,
        rtt_p50_us: p50,
        rtt_p99_us: p99,
      };
      edge.connections_active = edge.connection_seconds / seconds;
      return edge;
    });
    const services = serviceRows.map(
      (r): ServiceEnd => ({
        service: String(r.service),
        display: String(r.display),
        namespace: String(r.namespace),
        workload: String(r.workload),
        kind: String(r.kind),
        zones: (r.zones as unknown[]).map(String),
        nodes: (r.nodes as unknown[]).map(String),
        versions: (r.versions as unknown[]).map(String),
        instances: Number(r.instances),
      }),
    );
    return { from: window.from, to: window.to, resolution, services, edges };
  }

  /**
   * Counter totals over [from, to) read from one table, whatever the window's alignment (the
   * caller picks the table; for the rollups a bucket counts when its start is in the window):
   * a failure-domain table by default, or with `level: 'service'` a service-level rollup (which
   * has a 10 s tier too). Of one tenant when given, else of all. `rows` is the number of stored
   * rows, meaningful for edges_1s only (rollup rows merge).
   */
  async readEdgeTotals(window: TimeWindow & { resolution: Resolution | 10; level?: 'domain' | 'service'; tenant?: string }): Promise<EdgeTotals> {
    checkWindow(window);
    checkTenantArgument(window.tenant);
    const tables: Partial<Record<Tier, string>> = window.level === 'service' ? SERVICE_TABLES : DOMAIN_TABLES;
    const table = tables[window.resolution];
    if (table === undefined) throw new RangeError(`invalid resolution ${String(window.resolution)} for the ${window.level ?? 'domain'} tables`);
    const params: Record<string, number | string> = { from: window.from, to: window.to };
    if (window.tenant !== undefined) params.tenant = window.tenant;
    const [row] = await this.executor.queryJsonRows<Record<string, unknown>>(
      `SELECT count() AS rows, ${COUNTERS.map((c) => `sum(${c}) AS ${c}`).join(', ')} FROM ${table} WHERE ${window.tenant !== undefined ? 'tenant = {tenant:String} AND ' : ''}${WINDOW_FILTER}`,
      params,
    );
    return { rows: Number(row?.rows ?? 0), ...countersOf(row ?? {}) };
  }

  /** A cheap round trip to the engine (for health checks): resolves when it answers, throws why not. */
  async ping(): Promise<void> {
    const [row] = await this.executor.queryJsonRows<{ ok: number | string }>('SELECT 1 AS ok');
    if (Number(row?.ok) !== 1) throw new Error(`the store answered ${JSON.stringify(row)} to SELECT 1`);
  }

  close(): Promise<void> {
    return this.executor.close();
  }
}

function countersOf(r: Record<string, unknown>): { [C in Counter]: number } {
  const out = {} as { [C in Counter]: number };
  // UInt64 arrives as a JSON string or number depending on output_format_json_quote_64bit_integers.
  for (const c of COUNTERS) out[c] = Number(r[c] ?? 0);
  return out;
}

const UINT32_MAX = MAX_UNIX_SECONDS;

/** The end columns in INSERT_COLUMNS order, named once (not a template string per row and field). */
const END_KEYS = (['client', 'server'] as const).flatMap((end) => END_FIELDS.map((f) => ({ key: `${end}_${f}` as const, required: f === 'service' })));

/** One row checked and laid out as INSERT_COLUMNS values. */
function checkedSamples(samples: readonly number[], field: string, bad: (what: string) => never): readonly number[] {
  for (const s of samples) {
    if (!Number.isInteger(s) || s < 0 || s > UINT32_MAX) bad(`${field} must hold UInt32 microseconds, got ${String(s)}`);
  }
  return samples;
}

function toRecordValues(row: EdgeRow, index: number): unknown[] {
  const bad = (what: string): never => {
    throw new TypeError(`edge row ${index}: ${what}`);
  };
  if (!Number.isSafeInteger(row.ts) || row.ts < 0 || row.ts > UINT32_MAX) bad(`ts must be unix seconds, got ${String(row.ts)}`);
  if (!Number.isInteger(row.server_port) || row.server_port < 0 || row.server_port > 65535) bad(`server_port must be 0..65535, got ${String(row.server_port)}`);
  if (typeof row.tenant !== 'string' || row.tenant === '') bad('tenant is required (a non-empty string)');
  const values: unknown[] = [row.tenant, row.ts];
  for (const { key, required } of END_KEYS) {
    const value = row[key] ?? '';
    if (typeof value !== 'string') bad(`${key} must be a string`);
    if (required && value === '') bad(`${key} is required`);
    values.push(value);
  }
  values.push(row.server_port);
  for (const c of COUNTERS) {
    const value = row[c];
    if (!Number.isSafeInteger(value) || value < 0) bad(`${c} must be a non-negative integer, got ${String(value)}`);
    values.push(value);
  }
  values.push(checkedSamples(row.rtt_samples_us ?? [], 'rtt_samples_us', bad));
  const routes: unknown[] = [];
  for (const [i, r] of (row.routes ?? []).entries()) {
    if (!(r.protocol in PROTOCOL_BITS)) bad(`routes[${i}].protocol must be one of ${Object.keys(PROTOCOL_BITS).join(', ')}, got ${String(r.protocol)}`);
    if (typeof r.method !== 'string' || typeof r.route !== 'string') bad(`routes[${i}] needs a string method and route`);
    for (const c of ['requests', 'errors', 'client_errors'] as const) {
      if (!Number.isSafeInteger(r[c]) || r[c] < 0) bad(`routes[${i}].${c} must be a non-negative integer, got ${String(r[c])}`);
    }
    // A named tuple is read from JSON as an object of its element names.
    routes.push({
      protocol: r.protocol,
      method: r.method,
      route: r.route,
      requests: r.requests,
      errors: r.errors,
      client_errors: r.client_errors,
      durations_us: checkedSamples(r.durations_us, `routes[${i}].durations_us`, bad),
    });
  }
  values.push(routes);
  return values;
}
