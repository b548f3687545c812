import type { ClickHouseExecutor } from '../clickhouseExecutor.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import { resolveRetention, ttlExpression, ttlExpressionAsPrinted, ttlOfEngineFull, type RetentionConfig } from './retention.js';

export const MIGRATIONS_TABLE = 'weft_schema_migrations';

/** The database was migrated by a newer Weft than this one. */
export class SchemaTooNewError extends Error {
  constructor(readonly databaseVersion: number, readonly knownVersion: number, readonly databaseName: string) {
    super(
      `the ClickHouse schema is at version ${databaseVersion} (${databaseName}), newer than this Weft build knows ` +
        `(latest migration ${knownVersion}); refusing to start. Run a Weft version that knows migration ${databaseVersion}, ` +
        `or point this one at another database.`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/** A recorded migration does not match the one this build has under the same version. */
export class SchemaMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaMismatchError';
  }
}

export interface MigrateOptions {
  retention?: RetentionConfig;
  /** The list to apply; the real one unless a test says otherwise. */
  migrations?: readonly Migration[];
}

export interface MigrateResult {
  /** Migrations applied by this call (none when the database was up to date). */
  applied: Array<{ version: number; name: string }>;
  /** Schema version after the call. */
  version: number;
  /** Tables whose TTL this call changed. */
  ttlChanged: string[];
}

interface RecordedMigration {
  version: number | string;
  name: string;
}

/**
 * Brings the database to the newest schema this build knows, then applies the configured TTLs.
 * Idempotent: a second call does nothing. Refuses (SchemaTooNewError) when the database was
 * migrated by a newer build. Not safe against two processes migrating the same database at the
 * same moment; start-up of one ingest/API process at a time is assumed.
 */
export async function migrate(executor: ClickHouseExecutor, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = options.migrations ?? MIGRATIONS;
  const retention = resolveRetention(options.retention);
  checkOrder(migrations);
  const known = migrations.at(-1)?.version ?? 0;

  await executor.command(`
CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE}
(
    version UInt32,
    name String,
    applied_at DateTime('UTC')
)
ENGINE = MergeTree
ORDER BY version`);

  const recorded = new Map<number, string>();
  for (const row of await executor.queryJsonRows<RecordedMigration>(`SELECT version, name FROM ${MIGRATIONS_TABLE} ORDER BY version`)) {
    recorded.set(Number(row.version), row.name);
  }
  const newest = Math.max(0, ...recorded.keys());
  if (newest > known) throw new SchemaTooNewError(newest, known, recorded.get(newest) ?? '?');
  for (const migration of migrations) {
    const name = recorded.get(migration.version);
    if (name !== undefined && name !== migration.name) {
      throw new SchemaMismatchError(
        `migration ${migration.version} is recorded as ${JSON.stringify(name)} but this build calls it ${JSON.stringify(migration.name)}; ` +
          `the database was migrated by a different branch of Weft`,
      );
    }
  }

  const applied: MigrateResult['applied'] = [];
  for (const migration of migrations) {
    if (recorded.has(migration.version)) continue;
    for (const statement of migration.statements) await executor.command(statement);
    await executor.insertJsonRows(MIGRATIONS_TABLE, [
      { version: migration.version, name: migration.name, applied_at: Math.floor(Date.now() / 1000) },
    ]);
    applied.push({ version: migration.version, name: migration.name });
  }

  const ttlChanged: string[] = [];
  const tables = await executor.queryJsonRows<{ name: string; engine_full: string }>(
    `SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() AND name IN {names:Array(String)}`,
    { names: retention.map((r) => r.table) },
  );
  for (const { table, column, interval } of retention) {
    const current = tables.find((t) => t.name === table);
    if (current === undefined) continue; // a custom migration list without this table
    if (ttlOfEngineFull(current.engine_full) === ttlExpressionAsPrinted(interval, column)) continue;
    await executor.command(`ALTER TABLE ${table} MODIFY TTL ${ttlExpression(interval, column)}`);
    ttlChanged.push(table);
  }

  return { applied, version: Math.max(newest, known), ttlChanged };
}

function checkOrder(migrations: readonly Migration[]): void {
  let previous = 0;
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version <= previous) {
      throw new Error(`migrations must have strictly increasing positive integer versions (got ${m.version} after ${previous})`);
    }
    previous = m.version;
  }
}
