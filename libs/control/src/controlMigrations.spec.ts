/** Migration 0002 on a database made before it: the oldest tenant becomes the operator's, and only one can be. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { CONTROL_MIGRATIONS } from './controlMigrations.js';

test("0002 marks the oldest tenant of an existing database as the operator's, and allows no second", async () => {
  // A database as the migrations see it (as it was when each was written), not as ControlDatabase is now.
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
  try {
    await CONTROL_MIGRATIONS['0001_tenants_and_api_keys']!.up(db);
    await db
      .insertInto('tenants')
      .values([
        { id: 't-b', name: 'beta', created_at: '2031-01-02T00:00:00.000Z' },
        { id: 't-a', name: 'alpha', created_at: '2031-01-01T00:00:00.000Z' },
        { id: 't-c', name: 'gamma', created_at: '2031-01-03T00:00:00.000Z' },
      ])
      .execute();
    await CONTROL_MIGRATIONS['0002_operator_tenant']!.up(db);
    const rows = await db.selectFrom('tenants').select(['id', 'operator']).orderBy('id').execute();
    assert.deepEqual(rows, [{ id: 't-a', operator: 1 }, { id: 't-b', operator: 0 }, { id: 't-c', operator: 0 }]);
    await assert.rejects(db.updateTable('tenants').set({ operator: 1 }).where('id', '=', 't-b').execute(), /UNIQUE/);
  } finally {
    await db.destroy();
  }
});
