import { randomUUID } from 'node:crypto';

/**
 * The one seam between Weft's store and a ClickHouse engine. Two implementations:
 * embeddedExecutor (chdb, ClickHouse in process, data on local disk) and
 * remoteExecutor (@clickhouse/client over HTTP). The store sends both the same SQL
 * and must not know which one it talks to.
 */

/** Values for `{name:Type}` placeholders; the engine binds them, nothing is spliced into SQL. */
export type QueryParams = Readonly<Record<string, string | number | boolean | readonly (string | number)[]>>;

export interface InsertOptions {
  /**
   * Explicit column list. Needed whenever the rows carry an EPHEMERAL column (ClickHouse only
   * accepts one that is named in the INSERT's column list).
   */
  columns?: readonly string[];
  /**
   * Idempotency key of the batch (the ingest derives it from its Kafka input offsets). Inserting
   * rows again under a token the table has already seen writes nothing, in the table and in the
   * tables its materialized views feed. Without a token, deduplication is off: two identical
   * batches are two batches.
   */
  dedupToken?: string;
}

/** What the engine reports for one SELECT (for benchmarks and diagnostics). */
export interface QueryStats {
  /** The statement as the caller gave it (without the query settings), and its parameters. */
  sql: string;
  params: QueryParams | undefined;
  /** Seconds, as the engine measured them. */
  elapsed: number;
  /** Rows and bytes of the result (what chdb calls rowsRead/bytesRead), not of the tables read. */
  rowsReturned: number;
  bytesReturned: number;
}

export interface ClickHouseExecutor {
  /** A statement without a result (DDL, ALTER, INSERT ... SELECT). */
  command(sql: string, params?: QueryParams): Promise<void>;
  /** Inserts rows as JSONEachRow into one table. */
  insertJsonRows(table: string, rows: readonly Record<string, unknown>[], options?: InsertOptions): Promise<void>;
  /**
   * Inserts rows given as value arrays in `columns` order (JSONCompactEachRow): the hot path,
   * without a field name per value to build, send and parse.
   */
  insertRowArrays(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[], options?: Omit<InsertOptions, 'columns'>): Promise<void>;
  /**
   * Runs a SELECT (without a FORMAT or SETTINGS clause) and returns its rows as objects;
   * `settings` are this statement's, over the ones every SELECT runs with (querySettings).
   */
  queryJsonRows<T>(sql: string, params?: QueryParams, settings?: QuerySettings): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * The per-insert settings both executors send, so the two backends deduplicate the same way.
 *
 * - insert_deduplication_token: the block identity is the token (plus a block index when the
 *   insert is split into several blocks, e.g. one per partition), not a hash of the data.
 * - Without a token, a fresh random token: the tables keep a deduplication window (see
 *   migrations), and without a token ClickHouse would drop a block whose data merely equals a
 *   recent one. Turning deduplication off for that insert is not portable: since 26.x
 *   `deduplicate_insert` (default 'enable') overrides `insert_deduplicate = 0`.
 * - insert_deduplicate = 1, and on servers that have it deduplicate_insert = 'enable': a server
 *   profile must not turn the token off silently.
 * - deduplicate_blocks_in_dependent_materialized_views: the blocks the materialized views derive
 *   from a deduplicated insert are deduplicated in the rollup tables too (default 1 since 24.x,
 *   pinned here).
 * - async_insert = 0: asynchronous inserts deduplicate by other rules.
 */
export function insertSettings(dedupToken: string | undefined, server: ServerCapabilities): Record<string, string | number> {
  if (dedupToken !== undefined && dedupToken.length === 0) throw new RangeError('dedupToken must be a non-empty string');
  return {
    insert_deduplicate: 1,
    ...(server.hasDeduplicateInsert ? { deduplicate_insert: 'enable' } : {}),
    insert_deduplication_token: dedupToken ?? `weft-undeduplicated-${randomUUID()}`,
    deduplicate_blocks_in_dependent_materialized_views: 1,
    async_insert: 0,
  };
}

/** What the server supports, probed once per executor. */
export interface ServerCapabilities {
  /** ClickHouse 26.x: the `deduplicate_insert` setting, which overrides insert_deduplicate. */
  hasDeduplicateInsert: boolean;
  /** ClickHouse 26.5+: `max_streams_for_union_step_to_max_threads_ratio` (a UNION ALL narrowed to fewer streams). */
  hasUnionStreamLimit: boolean;
}

export const CAPABILITIES_QUERY = `SELECT countIf(name = 'deduplicate_insert') AS deduplicate_insert,
    countIf(name = 'max_streams_for_union_step_to_max_threads_ratio') AS union_stream_limit
FROM system.settings`;

export interface CapabilitiesRow {
  deduplicate_insert: number | string;
  union_stream_limit: number | string;
}

export function capabilitiesOf(rows: readonly CapabilitiesRow[]): ServerCapabilities {
  return {
    hasDeduplicateInsert: Number(rows[0]?.deduplicate_insert ?? 0) > 0,
    hasUnionStreamLimit: Number(rows[0]?.union_stream_limit ?? 0) > 0,
  };
}

/**
 * The settings every SELECT runs with, so the two backends plan reads the same way.
 *
 * - max_streams_for_union_step_to_max_threads_ratio = 1: a window is read as a UNION ALL of up
 *   to nine pieces, each its own stream, and GROUP BY builds one hash table per stream (each
 *   edge with a sumMap state per table) before merging them. Narrowed to max_threads streams,
 *   it builds as many as one table's read would. Measured on bench/query (20,000 edges, 2 cores):
 *   the map of now-1h 623 -> 422 ms in the engine. Servers before 26.5 do not have the setting.
 */
export function querySettings(server: ServerCapabilities): QuerySettings {
  return server.hasUnionStreamLimit ? { max_streams_for_union_step_to_max_threads_ratio: 1 } : {};
}

/** Settings of one SELECT (numbers only: they go into a SETTINGS clause for chdb). */
export type QuerySettings = Readonly<Record<string, number>>;

/**
 * For a GROUP BY into many rows whose stats are then computed per row (a map's edges): built
 * two-level (256 buckets) above 10,000 keys instead of the default 100,000, so its buckets are
 * merged and its rows finished (the quantile expressions) on every thread; single-level, they run
 * on one. The map of an hour read from the hour tier (one row per edge, one stream): 300 -> 180 ms
 * in the engine (bench/query, 20,000 edges, 2 cores). Not for every SELECT: a GROUP BY of
 * 20,000 cheap rows (a neighbourhood's candidate pairs) took twice as long two-level.
 */
export const MANY_ROWS_SETTINGS: QuerySettings = { group_by_two_level_threshold: 10_000 };

/** A SELECT with its settings as a SETTINGS clause (for a backend that takes settings only in the SQL). */
export function withSettingsClause(sql: string, settings: QuerySettings): string {
  const entries = Object.entries(settings);
  if (entries.length === 0) return sql;
  for (const [name] of entries) assertIdentifier(name, 'setting');
  return `${sql}\nSETTINGS ${entries.map(([name, value]) => `${name} = ${Number(value)}`).join(', ')}`;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/** Table and column names are code, never user input; still, refuse anything that is not a plain identifier. */
export function assertIdentifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) throw new TypeError(`invalid ${what} name ${JSON.stringify(name)}`);
  return name;
}

/**
 * What both executors check before an insert, rows or not: a plain table name, plain column
 * names (returned for the INSERT's column list) and a non-empty token when one is given.
 */
export function checkInsert(table: string, columns: readonly string[] | undefined, dedupToken: string | undefined): string[] | undefined {
  assertIdentifier(table, 'table');
  if (dedupToken !== undefined && dedupToken.length === 0) throw new RangeError('dedupToken must be a non-empty string');
  return columns?.map((c) => assertIdentifier(c, 'column'));
}

/** JSONEachRow text: one object (or, for JSONCompactEachRow, one array) per line, newline-terminated. */
export function toJsonEachRow(rows: readonly (Record<string, unknown> | readonly unknown[])[]): string {
  let out = '';
  for (const row of rows) out += JSON.stringify(row) + '\n';
  return out;
}

/**
 * Row objects from JSONCompactEachRowWithNames rows (the column names, then one array per row):
 * what both backends read a SELECT as. A name per value is neither sent nor parsed, and every
 * row object is a copy of one template with the columns in order, so all share one shape: on a
 * 20,000-edge map, 60 -> 38 ms from text to edge records against JSONEachRow.
 */
export function objectsOfCompactRows<T>(names: readonly string[], rows: Iterable<readonly unknown[]>): T[] {
  const template: Record<string, unknown> = {};
  for (const name of names) template[name] = null;
  const out: T[] = [];
  for (const row of rows) {
    const object = { ...template };
    for (let i = 0; i < names.length; i++) object[names[i]!] = row[i];
    out.push(object as T);
  }
  return out;
}

/** Parses JSONCompactEachRowWithNames text into row objects (objectsOfCompactRows). */
export function parseCompactRowsWithNames<T>(text: string): T[] {
  const lines = text.split('\n');
  const rows: unknown[][] = [];
  let names: string[] | undefined;
  for (const line of lines) {
    if (line.length === 0) continue;
    if (names === undefined) names = JSON.parse(line) as string[];
    else rows.push(JSON.parse(line) as unknown[]);
  }
  return names === undefined ? [] : objectsOfCompactRows<T>(names, rows);
}
