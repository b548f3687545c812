import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Session, drainPending, type ChdbResult } from 'chdb';
import {
  checkInsert,
  CAPABILITIES_QUERY,
  capabilitiesOf,
  insertSettings,
  type ServerCapabilities,
  type CapabilitiesRow,
  parseCompactRowsWithNames,
  querySettings,
  withSettingsClause,
  toJsonEachRow,
  type ClickHouseExecutor,
  type InsertOptions,
  type QueryParams,
  type QuerySettings,
  type QueryStats,
} from './clickhouseExecutor.js';

export interface EmbeddedExecutorOptions {
  /** Data directory on local disk; created if missing. */
  dataDir: string;
  /** Called after each queryJsonRows with the engine's figures (rows and bytes read). */
  onQuery?: (stats: QueryStats) => void;
}

/**
 * ClickHouse in process (chdb 3.x, ClickHouse 26.x) on a data directory on local disk.
 *
 * Every call goes through chdb's async entry points (queryAsync, queryBindAsync, insert), which
 * run the engine on a libuv worker thread, so a long query or a large insert does not block the
 * event loop. Parameters are bound by the engine (`{name:Type}`), never spliced into SQL.
 *
 * chdb binds one data directory per process: open one EmbeddedExecutor per process (several
 * on the same directory coexist); close() it before opening one on another directory.
 */
export class EmbeddedExecutor implements ClickHouseExecutor {
  readonly dataDir: string;
  #session: Session | undefined;
  readonly #onQuery: ((stats: QueryStats) => void) | undefined;

  private constructor(dataDir: string, session: Session, onQuery: ((stats: QueryStats) => void) | undefined) {
    this.dataDir = dataDir;
    this.#session = session;
    this.#onQuery = onQuery;
  }

  static async open(options: EmbeddedExecutorOptions): Promise<EmbeddedExecutor> {
    const dataDir = resolve(options.dataDir);
    mkdirSync(dataDir, { recursive: true });
    // A previous executor on another directory may still be releasing its connection.
    await drainPending();
    const session = new Session(dataDir, {
      // Load the existing tables before the first query, so migrate() sees them.
      connectionArgs: ['--async_load_databases=0', '--async_load_system_database=0'],
    });
    return new EmbeddedExecutor(dataDir, session, options.onQuery);
  }

  #capabilitiesProbe: Promise<ServerCapabilities> | undefined;

  #capabilities(): Promise<ServerCapabilities> {
    this.#capabilitiesProbe ??= this.#select(CAPABILITIES_QUERY).then((result) => capabilitiesOf(parseCompactRowsWithNames<CapabilitiesRow>(result.text())));
    this.#capabilitiesProbe.catch(() => {
      this.#capabilitiesProbe = undefined; // probe again next time
    });
    return this.#capabilitiesProbe;
  }

  #open(): Session {
    if (this.#session === undefined) throw new Error(`embedded ClickHouse executor on ${this.dataDir} is closed`);
    return this.#session;
  }

  async command(sql: string, params?: QueryParams): Promise<void> {
    const session = this.#open();
    if (params !== undefined && Object.keys(params).length > 0) {
      await session.queryBindAsync(sql, params, { format: 'TabSeparated' });
    } else {
      await session.queryAsync(sql, { format: 'TabSeparated' });
    }
  }

  insertJsonRows(table: string, rows: readonly Record<string, unknown>[], options: InsertOptions = {}): Promise<void> {
    return this.#insert(table, 'JSONEachRow', rows, options.columns, options.dedupToken);
  }

  insertRowArrays(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[], options: Omit<InsertOptions, 'columns'> = {}): Promise<void> {
    return this.#insert(table, 'JSONCompactEachRow', rows, columns, options.dedupToken);
  }

  async #insert(
    table: string,
    format: 'JSONEachRow' | 'JSONCompactEachRow',
    rows: readonly (Record<string, unknown> | readonly unknown[])[],
    columns: readonly string[] | undefined,
    dedupToken: string | undefined,
  ): Promise<void> {
    const session = this.#open();
    const named = checkInsert(table, columns, dedupToken);
    if (rows.length === 0) return;
    const settings = insertSettings(dedupToken, await this.#capabilities());
    await session.insert({
      table,
      values: Buffer.from(toJsonEachRow(rows), 'utf8'),
      format,
      ...(named !== undefined ? { columns: named } : {}),
      settings,
    });
  }

  async queryJsonRows<T>(sql: string, params?: QueryParams, settings: QuerySettings = {}): Promise<T[]> {
    // chdb takes settings only in the SQL: a SETTINGS clause at the end of the statement.
    const result = await this.#select(withSettingsClause(sql, { ...querySettings(await this.#capabilities()), ...settings }), params);
    this.#onQuery?.({ sql, params, elapsed: result.elapsed, rowsReturned: result.rowsRead, bytesReturned: result.bytesRead });
    return parseCompactRowsWithNames<T>(result.text());
  }

  async #select(sql: string, params?: QueryParams): Promise<ChdbResult> {
    const session = this.#open();
    return params !== undefined && Object.keys(params).length > 0
      ? await session.queryBindAsync(sql, params, { format: 'JSONCompactEachRowWithNames' })
      : await session.queryAsync(sql, { format: 'JSONCompactEachRowWithNames' });
  }

  async close(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    if (session === undefined) return;
    session.close();
    // close() defers the native teardown while an operation is still running; wait for it so
    // that the process can open another data directory right after.
    await drainPending();
  }
}
