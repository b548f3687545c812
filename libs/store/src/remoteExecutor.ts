import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import {
  checkInsert,
  CAPABILITIES_QUERY,
  capabilitiesOf,
  objectsOfCompactRows,
  insertSettings,
  type ServerCapabilities,
  type CapabilitiesRow,
  querySettings,
  type ClickHouseExecutor,
  type InsertOptions,
  type QueryParams,
  type QuerySettings,
} from './clickhouseExecutor.js';

export interface RemoteExecutorOptions {
  /**
   * ClickHouse HTTP(S) endpoint: `http://user:password@host:8123/database`. The path names the
   * database (default `default`); user and password (URL-encoded) come from the URL too.
   */
  url: string;
  /** Create the database if it does not exist (needs the right to do so). Default false. */
  createDatabase?: boolean;
  /** Per-request timeout in milliseconds (default 60 s). */
  requestTimeoutMs?: number;
  /** Shown in the server's query log (default `weft`). */
  applicationId?: string;
  /**
   * @clickhouse/client's own logging (default OFF: every failure is thrown to the caller, who
   * counts and reports it; the client would log it a second time).
   */
  clientLogLevel?: ClickHouseLogLevel;
}

interface ParsedUrl {
  endpoint: string;
  database: string;
  username: string;
  password: string;
}

const DATABASE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseClickHouseUrl(url: string): ParsedUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`invalid ClickHouse URL ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`ClickHouse URL must be http:// or https://, got ${parsed.protocol}`);
  }
  const path = decodeURIComponent(parsed.pathname.replace(/^\/+|\/+$/g, ''));
  const database = path === '' ? 'default' : path;
  if (!DATABASE.test(database)) throw new TypeError(`invalid ClickHouse database name ${JSON.stringify(database)} in URL`);
  const username = parsed.username === '' ? 'default' : decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  // The endpoint without credentials, path or query: nothing secret ends up in logs.
  return { endpoint: `${parsed.protocol}//${parsed.host}`, database, username, password };
}

/** ClickHouse server (or cluster front) over its HTTP interface, through @clickhouse/client. */
export class RemoteExecutor implements ClickHouseExecutor {
  readonly endpoint: string;
  readonly database: string;
  #client: ClickHouseClient | undefined;

  private constructor(endpoint: string, database: string, client: ClickHouseClient) {
    this.endpoint = endpoint;
    this.database = database;
    this.#client = client;
  }

  static async connect(options: RemoteExecutorOptions): Promise<RemoteExecutor> {
    const { endpoint, database, username, password } = parseClickHouseUrl(options.url);
    const common = {
      url: endpoint,
      username,
      password,
      request_timeout: options.requestTimeoutMs ?? 60_000,
      application: options.applicationId ?? 'weft',
      log: { level: options.clientLogLevel ?? ClickHouseLogLevel.OFF },
    };
    if (options.createDatabase === true && database !== 'default') {
      const bootstrap = createClient({ ...common, database: 'default' });
      try {
        await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS \`${database}\`` });
      } finally {
        await bootstrap.close();
      }
    }
    const client = createClient({ ...common, database });
    const ping = await client.ping();
    if (!ping.success) {
      await client.close();
      throw new Error(`ClickHouse at ${endpoint} is not reachable: ${ping.error.message}`);
    }
    return new RemoteExecutor(endpoint, database, client);
  }

  #capabilitiesProbe: Promise<ServerCapabilities> | undefined;

  #capabilities(): Promise<ServerCapabilities> {
    this.#capabilitiesProbe ??= this.#select<CapabilitiesRow>(CAPABILITIES_QUERY).then(capabilitiesOf);
    this.#capabilitiesProbe.catch(() => {
      this.#capabilitiesProbe = undefined; // probe again next time
    });
    return this.#capabilitiesProbe;
  }

  #open(): ClickHouseClient {
    if (this.#client === undefined) throw new Error(`ClickHouse executor for ${this.endpoint} is closed`);
    return this.#client;
  }

  async command(sql: string, params?: QueryParams): Promise<void> {
    await this.#open().command({ query: sql, ...(params !== undefined ? { query_params: { ...params } } : {}) });
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
    const client = this.#open();
    const named = checkInsert(table, columns, dedupToken);
    if (rows.length === 0) return;
    const settings = insertSettings(dedupToken, await this.#capabilities());
    await client.insert({
      table,
      values: rows as unknown[],
      format,
      ...(named !== undefined && named.length > 0 ? { columns: named as [string, ...string[]] } : {}),
      clickhouse_settings: settings,
    });
  }

  async queryJsonRows<T>(sql: string, params?: QueryParams, settings: QuerySettings = {}): Promise<T[]> {
    return this.#select<T>(sql, params, { ...querySettings(await this.#capabilities()), ...settings });
  }

  async #select<T>(sql: string, params?: QueryParams, settings: QuerySettings = {}): Promise<T[]> {
    const result = await this.#open().query({
      query: sql,
      format: 'JSONCompactEachRowWithNames',
      ...(params !== undefined ? { query_params: { ...params } } : {}),
      clickhouse_settings: settings,
    });
    const [names, ...rows] = await result.json<unknown[]>();
    return names === undefined ? [] : objectsOfCompactRows<T>(names as string[], rows);
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.close();
  }
}
