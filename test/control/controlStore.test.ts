/**
 * The control store on a real PostgreSQL (fixtures/postgresServer.ts: Debian's server, initdb
 * into a temp dir): every scenario the SQLite spec runs (libs/control/src/testing/
 * controlStoreScenarios.ts), each in its own database, through pg and a password in the URL.
 * Below them, what only the PostgreSQL path has: a server that is not there, a wrong password.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ControlStoreError, openControlStore } from '@weft/control';
import { controlStoreScenarios, type ControlStoreHarness } from '@weft/control/testing';
import pg from 'pg';
import { freeLoopbackPort } from '../fixtures/loopbackPort.js';
import { PostgresServer } from '../fixtures/postgresServer.js';

let server: PostgresServer;
let count = 0;

before(async () => {
  server = await PostgresServer.start();
});

after(async () => {
  await server?.stop();
});

/** Reads a table with its own pg connection. */
async function readTable(url: string, table: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // `table` is one of the fixed names of ControlTable, never input.
    return (await client.query(`SELECT * FROM "${table}" ORDER BY 1`)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

const postgres: ControlStoreHarness = {
  async newLocation() {
    const url = await server.createDatabase(`weft_control_${process.pid}_${++count}`);
    return {
      open: (options) => openControlStore({ kind: 'postgres', url }, options),
      readTable: (table) => readTable(url, table),
    };
  },
};

for (const scenario of controlStoreScenarios) {
  test(`postgres: ${scenario.name}`, { timeout: 60_000 }, async (t) => {
    await scenario.run(postgres, (message) => t.diagnostic(message));
  });
}

test('postgres: a server that is not there fails the open, naming where, never the password', async () => {
  const port = await freeLoopbackPort();
  const started = Date.now();
  await assert.rejects(openControlStore({ kind: 'postgres', url: `postgres://weft:s3cret@127.0.0.1:${port}/weft` }, { connectTimeoutMs: 5000 }), (error: Error) => {
    assert.ok(error instanceof ControlStoreError, String(error));
    assert.ok(error.message.includes(`postgres://weft@127.0.0.1:${port}/weft`), error.message);
    assert.ok(error.message.includes('ECONNREFUSED'), error.message);
    assert.ok(!error.message.includes('s3cret'), error.message);
    return true;
  });
  assert.ok(Date.now() - started < 5000, 'a refused connection fails at once');
});

test('postgres: a wrong password or a missing database fails the open with the server\'s reason', async () => {
  const url = new URL(server.url('postgres'));
  url.password = 'wrong';
  await assert.rejects(openControlStore({ kind: 'postgres', url: url.toString() }), (error: Error) => {
    assert.ok(error instanceof ControlStoreError, String(error));
    assert.match(error.message, /password authentication failed/);
    assert.ok(!error.message.includes(':wrong@'), error.message);
    return true;
  });
  await assert.rejects(openControlStore({ kind: 'postgres', url: server.url('no_such_database') }), (error: Error) => error instanceof ControlStoreError && /no_such_database/.test(error.message));
});
