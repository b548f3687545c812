/**
 * The control schema's migrations, in code (nothing is read from disk at run time, so a bundled
 * or copied build migrates the same). Kysely's Migrator applies them in name order and records
 * each in kysely_migration; a migration, once released, is never edited: a change is a new one.
 * Only Kysely's schema builder is used, so each migration is the same on SQLite and PostgreSQL.
 */
import { ControlStoreError } from './controlStoreErrors.js';
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';

// Migrations see the database as it was when they were written, not as ControlDatabase is now.
type AnyDatabase = Kysely<any>;

export const CONTROL_MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_tenants_and_api_keys': {
    async up(db: AnyDatabase): Promise<void> {
      await db.schema
        .createTable('tenants')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('name', 'text', (column) => column.notNull().unique())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .execute();
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('tenant_id', 'text', (column) => column.notNull().references('tenants.id'))
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('scopes', 'text', (column) => column.notNull())
        .addColumn('secret_hash', 'text', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('api_keys_tenant_id').on('api_keys').column('tenant_id').execute();
    },
  },
  // The operator's tenant was the oldest by created_at: the clock of whichever process inserted
  // it, so a host whose clock is behind could make a tenant that sorts first. Now a marker, set
  // once (on the oldest tenant of a database made before it), at most one by a unique index.
  '0002_operator_tenant': {
    async up(db: AnyDatabase): Promise<void> {
      await db.schema.alterTable('tenants').addColumn('operator', 'integer', (column) => column.notNull().defaultTo(0)).execute();
      const oldest = db.selectFrom('tenants').select('id').orderBy('created_at').orderBy('id').limit(1);
      await db.updateTable('tenants').set({ operator: 1 }).where('id', '=', oldest).execute();
      await db.schema.createIndex('tenants_one_operator').on('tenants').column('operator').unique().where('operator', '=', 1).execute();
    },
  },
  // The web app's login: a one-time link (printed by `weft up`) is redeemed for a key that
  // expires, held in the browser's http-only cookie.
  '0003_login_links_and_key_expiry': {
    async up(db: AnyDatabase): Promise<void> {
      await db.schema.alterTable('api_keys').addColumn('expires_at', 'text').execute();
      await db.schema
        .createTable('login_links')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('tenant_id', 'text', (column) => column.notNull().references('tenants.id'))
        .addColumn('scopes', 'text', (column) => column.notNull())
        .addColumn('secret_hash', 'text', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('expires_at', 'text', (column) => column.notNull())
        .addColumn('used_at', 'text')
        .execute();
    },
  },
};

const provider: MigrationProvider = {
  async getMigrations() {
    return CONTROL_MIGRATIONS;
  },
};

/** Applies the migrations the database has not seen; returns the names applied now (none when up to date). */
export async function migrateControlDatabase(db: AnyDatabase): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ControlStoreError(`${failed ? `control database migration ${failed} failed` : 'the control database migrations could not run'}: ${reason}`, { cause: error });
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
