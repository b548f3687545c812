/**
 * The control store on SQLite (better-sqlite3, a temp file per scenario): every scenario of
 * testing/controlStoreScenarios.ts. test/control/controlStore.test.ts runs the same scenarios
 * on a real PostgreSQL. Below them, what only the SQLite path has: the file, its directory,
 * a path that cannot be a database.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError } from '@weft/runtime';
import Database from 'better-sqlite3';
import { controlStoreConfigFrom, sqliteControlStoreIn } from './controlStoreConfig.js';
import { ControlStoreError } from './controlStoreErrors.js';
import { openControlStore } from './openControlStore.js';
import { controlStoreScenarios, type ControlStoreHarness, type ControlTable } from './testing/controlStoreScenarios.js';

const root = mkdtempSync(join(tmpdir(), 'weft-control-spec-'));
after(() => rmSync(root, { recursive: true, force: true }));
let count = 0;

/** Reads a table with its own better-sqlite3 connection, read-only. */
function readTable(path: string, table: ControlTable): Record<string, unknown>[] {
  const database = new Database(path, { readonly: true, fileMustExist: true });
  try {
    // `table` is one of the fixed names of ControlTable, never input.
    return database.prepare(`SELECT * FROM "${table}" ORDER BY 1`).all() as Record<string, unknown>[];
  } finally {
    database.close();
  }
}

const sqlite: ControlStoreHarness = {
  async newLocation() {
    const path = join(root, `db${++count}`, 'control.db');
    return {
      open: (options) => openControlStore({ kind: 'sqlite', path }, options),
      readTable: async (table) => readTable(path, table),
    };
  },
};

for (const scenario of controlStoreScenarios) {
  test(`sqlite: ${scenario.name}`, { timeout: 60_000 }, async (t) => {
    await scenario.run(sqlite, (message) => t.diagnostic(message));
  });
}

test('the default file is <data dir>/control.db, created with its directory', async () => {
  const dataDir = join(root, 'data', 'dir');
  const config = sqliteControlStoreIn(dataDir);
  assert.deepEqual(config, { kind: 'sqlite', path: join(dataDir, 'control.db') });
  const store = await openControlStore(config);
  try {
    assert.equal(store.location, join(dataDir, 'control.db'));
    assert.ok(statSync(join(dataDir, 'control.db')).isFile());
  } finally {
    await store.close();
  }
  await store.close(); // twice is fine
  await assert.rejects(store.listTenants(), (error: Error) => error instanceof ControlStoreError && /closed/.test(error.message));
});

test('a path that cannot be a database fails loudly, naming the file', async () => {
  const directory = join(root, 'a-directory');
  mkdirSync(directory);
  await assert.rejects(openControlStore({ kind: 'sqlite', path: directory }), (error: Error) => {
    assert.ok(error instanceof ControlStoreError, String(error));
    assert.ok(error.message.includes(directory), error.message);
    assert.ok(error.cause, 'the driver error is kept');
    return true;
  });
  const notSqlite = join(root, 'not-sqlite.db');
  writeFileSync(notSqlite, 'this is not a SQLite database, it is plain text long enough to have a header'.repeat(20));
  await assert.rejects(openControlStore({ kind: 'sqlite', path: notSqlite }), (error: Error) => error instanceof ControlStoreError && error.message.includes(notSqlite));
  await assert.rejects(openControlStore({ kind: 'sqlite', path: ' ' }), ConfigError);
});

test('a setting names PostgreSQL by URL, SQLite by path, and refuses other URLs', () => {
  assert.deepEqual(controlStoreConfigFrom(undefined, '/data'), { kind: 'sqlite', path: '/data/control.db' });
  assert.deepEqual(controlStoreConfigFrom('  ', '/data'), { kind: 'sqlite', path: '/data/control.db' });
  assert.deepEqual(controlStoreConfigFrom('/var/lib/weft/c.db', '/data'), { kind: 'sqlite', path: '/var/lib/weft/c.db' });
  assert.deepEqual(controlStoreConfigFrom('postgres://u:p@db:5432/weft', '/data'), { kind: 'postgres', url: 'postgres://u:p@db:5432/weft' });
  assert.deepEqual(controlStoreConfigFrom('postgresql://db/weft', '/data'), { kind: 'postgres', url: 'postgresql://db/weft' });
  assert.throws(() => controlStoreConfigFrom('mysql://db/weft', '/data', '--control-db'), (error: Error) => error instanceof ConfigError && error.setting === '--control-db');
});

test('a PostgreSQL URL that cannot be parsed is a ConfigError that does not repeat the password', async () => {
  await assert.rejects(openControlStore({ kind: 'postgres', url: 'postgres://weft:s3cret@db:notaport/weft' }), (error: Error) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.ok(!error.message.includes('s3cret'), error.message);
    return true;
  });
  await assert.rejects(openControlStore({ kind: 'postgres', url: 'mysql://db/weft' }), ConfigError);
});
