/**
 * The one place that knows the two engines apart: a Kysely instance over better-sqlite3 or
 * pg, checked to answer. Everything above it is one code path.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '@weft/runtime';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { parse as parseConnectionString } from 'pg-connection-string';
import type { ControlDatabase } from './controlSchema.js';
import { isPostgresUrl, type ControlStoreConfig } from './controlStoreConfig.js';
import { ControlStoreError } from './controlStoreErrors.js';
import { errorText } from './errorText.js';

export interface ControlDatabaseOptions {
  /** How long connecting to PostgreSQL may take before opening fails. Default 10 s. */
  connectTimeoutMs?: number;
  /**
   * Errors of idle PostgreSQL connections (the server restarted, the network dropped): no
   * request is waiting for them, the pool replaces the connection. Default: a process warning.
   */
  onIdleConnectionError?: (error: Error) => void;
}

export interface OpenedControlDatabase {
  db: Kysely<ControlDatabase>;
  /** Where it is, for messages: the file, or the URL without its password. */
  location: string;
}

/** Opens the database and checks that it answers; throws ConfigError or ControlStoreError. */
export async function openControlDatabase(config: ControlStoreConfig, options: ControlDatabaseOptions = {}): Promise<OpenedControlDatabase> {
  const opened = config.kind === 'sqlite' ? openSqlite(config.path) : openPostgres(config.url, options);
  try {
    await sql`select 1`.execute(opened.db);
  } catch (error) {
    await opened.db.destroy().catch(() => {
      // The database never answered: closing what did not open has nothing to report.
    });
    throw new ControlStoreError(`cannot reach the control database at ${opened.location}: ${errorText(error)}`, { cause: error });
  }
  return opened;
}

function openSqlite(path: string): OpenedControlDatabase {
  if (typeof path !== 'string' || !path.trim()) throw new ConfigError('the control database file path is empty', 'control database');
  const file = resolve(path);
  let database: Database.Database;
  try {
    mkdirSync(dirname(file), { recursive: true });
    database = new Database(file);
    // WAL: readers (authenticate) do not wait for a writer. Foreign keys are off per connection
    // in SQLite unless asked for. A writer waits up to 5 s for another process's lock.
    database.pragma('journal_mode = WAL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
  } catch (error) {
    throw new ControlStoreError(`cannot open the control database file ${file}: ${errorText(error)}`, { cause: error });
  }
  return { db: new Kysely<ControlDatabase>({ dialect: new SqliteDialect({ database }) }), location: file };
}

function openPostgres(url: string, options: ControlDatabaseOptions): OpenedControlDatabase {
  if (typeof url !== 'string' || !isPostgresUrl(url)) {
    throw new ConfigError('the control database URL must start with postgres:// or postgresql://', 'control database');
  }
  let location: string;
  try {
    location = describePostgresUrl(url);
  } catch (error) {
    // The URL itself is never repeated: it may hold a password.
    throw new ConfigError(`the control database URL is not a valid PostgreSQL URL (${errorText(error)})`, 'control database');
  }
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000 });
  const onIdleError = options.onIdleConnectionError ?? ((error: Error) => process.emitWarning(`control database ${location}: idle connection failed: ${errorText(error)}`));
  pool.on('error', onIdleError);
  return { db: new Kysely<ControlDatabase>({ dialect: new PostgresDialect({ pool }) }), location };
}

/** postgres://user@host:port/database, without the password. */
function describePostgresUrl(url: string): string {
  const parsed = parseConnectionString(url);
  const host = parsed.host || 'localhost';
  const at = host.startsWith('/') ? `socket ${host}` : `${host}${parsed.port ? `:${parsed.port}` : ''}`;
  return `postgres://${parsed.user ? `${parsed.user}@` : ''}${at}/${parsed.database ?? ''}`;
}
