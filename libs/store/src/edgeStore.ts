import type { ClickHouseExecutor, QueryParams } from './clickhouseExecutor.js';
import { migrate, type MigrateResult } from './migrations/migrator.js';
import { resolveRetention, type RetentionConfig } from './migrations/retention.js';

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
 * one combination of failure domains (instance, node, zone, version, process of each end).
 * The ingest writes these; counters are deltas over that second.
 */
export type EdgeRow = EndColumns<'client'> &
  EndColumns<'server'> & {
    /** Unix seconds (UTC) of the second the counters cover. */
    ts: number;
    client_service: string;
    server_service: string;
    server_port: number;
    /** Per-connection srtt samples taken in that second, microseconds. */
    rtt_samples_us?: readonly number[];
  } & { [C in Counter]: number };

export type Resolution = 1 | 60 | 3600;

const TABLE_BY_RESOLUTION: Record<Resolution, string> = { 1: 'edges_1s', 60: 'edges_1m', 3600: 'edges_1h' };

export interface TimeWindow {
  /** Unix seconds, inclusive. */
  from: number;
  /** Unix seconds, exclusive. */
  to: number;
}

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

/** A part of a window answered from one table: only whole buckets of that table. */
export interface WindowPiece extends TimeWindow {
  resolution: Resolution;
}

/**
 * A window cut into the coarsest pieces that are exact: whole hours from edges_1h, the whole
 * minutes around them from edges_1m, and the ragged seconds at each end from edges_1s. So
 * `now-1h` reads about two minutes of seconds and an hour of minutes, never 3,600 seconds of
 * rows per pair, and `now-24h` reads mostly hours.
 */
export function windowPieces(window: TimeWindow): WindowPiece[] {
  checkWindow(window);
  const { from, to } = window;
  const up = (t: number, step: number): number => Math.ceil(t / step) * step;
  const down = (t: number, step: number): number => Math.floor(t / step) * step;
  const pieces: WindowPiece[] = [];
  const add = (resolution: Resolution, start: number, end: number): void => {
    if (start < end) pieces.push({ resolution, from: start, to: end });
  };
  const minutesFrom = Math.min(up(from, 60), to);
  const minutesTo = Math.max(down(to, 60), minutesFrom);
  if (minutesFrom === minutesTo) {
    add(1, from, to);
    return pieces;
  }
  add(1, from, minutesFrom);
  const hoursFrom = Math.min(up(minutesFrom, 3600), minutesTo);
  const hoursTo = Math.max(down(minutesTo, 3600), hoursFrom);
  add(60, minutesFrom, hoursFrom);
  add(3600, hoursFrom, hoursTo);
  add(60, hoursTo, minutesTo);
  add(1, minutesTo, to);
  return pieces;
}

/** The finest table a window needs: 3600 when it is whole hours, 60 when whole minutes, else 1. */
export function resolutionForWindow(window: TimeWindow): Resolution {
  return Math.min(...windowPieces(window).map((p) => p.resolution)) as Resolution;
}

/**
 * The rows of a window as one SQL source: a UNION ALL of one SELECT per piece, each over its
 * table and its own bounds (bound parameters f<i>/t<i>).
 */
function piecesSource(pieces: readonly WindowPiece[], columns: string): { sql: string; params: QueryParams } {
  const params: Record<string, number> = {};
  const selects = pieces.map((piece, i) => {
    params[`f${i}`] = piece.from;
    params[`t${i}`] = piece.to;
    return `SELECT ${columns} FROM ${TABLE_BY_RESOLUTION[piece.resolution]} WHERE ts >= toDateTime({f${i}:UInt32}, 'UTC') AND ts < toDateTime({t${i}:UInt32}, 'UTC')`;
  });
  return { sql: selects.join('\n    UNION ALL\n    '), params };
}

function checkWindow({ from, to }: TimeWindow): void {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to > 0xffffffff || from >= to) {
    throw new RangeError(`invalid time window [${from}, ${to}): expected integer unix seconds with 0 <= from < to <= 4294967295`);
  }
}

const INSERT_COLUMNS = [
  'ts',
  ...END_FIELDS.map((f) => `client_${f}`),
  ...END_FIELDS.map((f) => `server_${f}`),
  'server_port',
  ...COUNTERS,
  'rtt_samples_us',
];

const WINDOW_FILTER = `ts >= toDateTime({from:UInt32}, 'UTC') AND ts < toDateTime({to:UInt32}, 'UTC')`;

/** Weft's edge store: the same SQL over chdb (embedded) or a ClickHouse server (remote). */
export class EdgeStore {
  readonly executor: ClickHouseExecutor;
  readonly #options: EdgeStoreOptions;

  constructor(executor: ClickHouseExecutor, options: EdgeStoreOptions = {}) {
    resolveRetention(options.retention); // a bad retention setting fails here, with its name
    this.executor = executor;
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
   * window (windowPieces).
   */
  async readServiceMap(window: TimeWindow): Promise<ServiceMap> {
    const pieces = windowPieces(window);
    const resolution = resolutionForWindow(window);
    const seconds = window.to - window.from;

    // Counters cast to plain UInt64: the rollups hold them as SimpleAggregateFunction(sum, UInt64).
    const edgeSource = piecesSource(
      pieces,
      `client_service, server_service, server_port, ${COUNTERS.map((c) => `toUInt64(${c}) AS ${c}`).join(', ')}, rtt_us`,
    );
    const edgeRows = await this.executor.queryJsonRows<Record<string, unknown>>(
      `
SELECT
    client_service,
    server_service,
    server_port,
    ${COUNTERS.map((c) => `sum(${c}) AS ${c}`).join(',\n    ')},
    quantilesTDigestMerge(0.5, 0.99)(rtt_us) AS rtt_quantiles_us
FROM
(
    ${edgeSource.sql}
)
GROUP BY client_service, server_service, server_port
ORDER BY client_service, server_service, server_port`,
      edgeSource.params,
    );

    const endSource = (end: 'client' | 'server'): { sql: string; params: QueryParams } =>
      piecesSource(pieces, `ts, ${END_FIELDS.map((f) => `${end}_${f} AS ${f}`).join(', ')}`);
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
      const [p50, p99] = Array.isArray(r.rtt_quantiles_us) ? (r.rtt_quantiles_us as unknown[]) : [];
      const edge = {
        client_service: String(r.client_service),
        server_service: String(r.server_service),
        server_port: Number(r.server_port),
        ...countersOf(r),
        connections_active: 0,
        rtt_p50_us: quantileValue(p50),
        rtt_p99_us: quantileValue(p99),
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
   * caller picks the table; for the rollups a bucket counts when its start is in the window).
   * `rows` is the number of stored rows, meaningful for edges_1s only (rollup rows merge).
   */
  async readEdgeTotals(window: TimeWindow & { resolution: Resolution }): Promise<EdgeTotals> {
    checkWindow(window);
    const table = TABLE_BY_RESOLUTION[window.resolution];
    if (table === undefined) throw new RangeError(`invalid resolution ${String(window.resolution)}`);
    const [row] = await this.executor.queryJsonRows<Record<string, unknown>>(
      `SELECT count() AS rows, ${COUNTERS.map((c) => `sum(${c}) AS ${c}`).join(', ')} FROM ${table} WHERE ${WINDOW_FILTER}`,
      { from: window.from, to: window.to },
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

function quantileValue(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? Math.round(n) : null;
}

const UINT32_MAX = 0xffffffff;

/** The end columns in INSERT_COLUMNS order, named once (not a template string per row and field). */
const END_KEYS = (['client', 'server'] as const).flatMap((end) => END_FIELDS.map((f) => ({ key: `${end}_${f}` as const, required: f === 'service' })));

/** One row checked and laid out as INSERT_COLUMNS values. */
function toRecordValues(row: EdgeRow, index: number): unknown[] {
  const bad = (what: string): never => {
    throw new TypeError(`edge row ${index}: ${what}`);
  };
  if (!Number.isSafeInteger(row.ts) || row.ts < 0 || row.ts > UINT32_MAX) bad(`ts must be unix seconds, got ${String(row.ts)}`);
  if (!Number.isInteger(row.server_port) || row.server_port < 0 || row.server_port > 65535) bad(`server_port must be 0..65535, got ${String(row.server_port)}`);
  const values: unknown[] = [row.ts];
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
  const samples = row.rtt_samples_us ?? [];
  for (const s of samples) {
    if (!Number.isInteger(s) || s < 0 || s > UINT32_MAX) bad(`rtt_samples_us must hold UInt32 microseconds, got ${String(s)}`);
  }
  values.push(samples);
  return values;
}
