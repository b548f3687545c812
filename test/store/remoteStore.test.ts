/**
 * The store's remote path: every scenario the embedded specs run
 * (libs/store/src/testing/edgeStoreScenarios.ts), here through RemoteExecutor and
 * @clickhouse/client over HTTP, against fixtures/clickhouseHttpServer.ts (ClickHouse's HTTP
 * interface over chdb). Each scenario gets its own database on that server, named in the URL,
 * with credentials in the URL; so the database, auth, settings (the dedup token) and
 * `param_*` handling of the client are exercised too.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from '@clickhouse/client';
import { EdgeStore, RemoteExecutor } from '@weft/store';
import { edgeStoreScenarios, type StoreHarness } from '@weft/store/testing';
import { ClickHouseHttpServer } from '../fixtures/clickhouseHttpServer.js';

const credentials = { username: 'weft', password: 'p@ss:w/rd' };
let server: ClickHouseHttpServer;
let count = 0;

before(async () => {
  server = await ClickHouseHttpServer.start(credentials);
});

after(async () => {
  await server?.close();
});

const remote: StoreHarness = {
  async newLocation() {
    const url = server.url(`weft_remote_${process.pid}_${++count}`);
    return {
      async open(options) {
        return new EdgeStore(await RemoteExecutor.connect({ url, createDatabase: true }), options);
      },
    };
  },
};

for (const scenario of edgeStoreScenarios) {
  test(`remote (@clickhouse/client over HTTP): ${scenario.name}`, { timeout: 120_000 }, async (t) => {
    const before = { ...server.stats };
    const started = Date.now();
    await scenario.run(remote, (message) => t.diagnostic(message));
    t.diagnostic(
      `${Date.now() - started} ms, ${server.stats.requests - before.requests} HTTP requests ` +
        `(${server.stats.inserts - before.inserts} inserts, ${server.stats.errors - before.errors} error responses)`,
    );
    assert.ok(server.stats.requests > before.requests, 'the scenario went over HTTP');
  });
}

test('the fixture speaks what @clickhouse/client expects: ping, JSON and JSONEachRow, parameters, errors, auth', async () => {
  const client = createClient({ url: `http://127.0.0.1:${server.port}`, username: credentials.username, password: credentials.password });
  try {
    assert.equal((await client.ping()).success, true);
    const json = await (await client.query({ query: 'SELECT {n:UInt8} + 1 AS n, {s:String} AS s', format: 'JSON', query_params: { n: 41, s: "a'\\b\tc" } })).json<{ n: number; s: string }>();
    assert.deepEqual(json.data, [{ n: 42, s: "a'\\b\tc" }]);
    assert.deepEqual(json.meta?.map((m) => m.type), ['UInt16', 'String']);
    const result = await client.query({ query: 'SELECT number FROM system.numbers LIMIT 3', format: 'JSONEachRow' });
    assert.equal(result.response_headers['x-clickhouse-format'], 'JSONEachRow');
    assert.ok(result.query_id);
    // UInt64 comes as a JSON number or string (output_format_json_quote_64bit_integers).
    assert.deepEqual((await result.json<{ number: number | string }>()).map((r) => Number(r.number)), [0, 1, 2]);
    await client.command({ query: 'CREATE TABLE IF NOT EXISTS fixture_probe (a UInt8) ENGINE = Memory' });
    const insert = await client.insert({ table: 'fixture_probe', values: [{ a: 1 }, { a: 2 }], format: 'JSONEachRow' });
    assert.ok(insert.summary !== undefined, 'X-ClickHouse-Summary parsed');
    const sum = await (await client.query({ query: 'SELECT sum(a) AS s FROM fixture_probe', format: 'JSONEachRow' })).json<{ s: number | string }>();
    assert.equal(Number(sum[0]?.s), 3);
    await assert.rejects(client.query({ query: 'SELECT * FROM no_such_table' }), (error: Error & { code?: string; type?: string }) => {
      assert.equal(error.constructor.name, 'ClickHouseError');
      assert.equal(error.code, '60');
      assert.equal(error.type, 'UNKNOWN_TABLE');
      return true;
    });
    await assert.rejects(client.query({ query: 'SELEKT 1' }), (error: Error & { code?: string; type?: string }) => error.type === 'SYNTAX_ERROR');
  } finally {
    await client.close();
  }
  const stranger = createClient({ url: `http://127.0.0.1:${server.port}`, username: 'weft', password: 'wrong' });
  try {
    await assert.rejects(stranger.query({ query: 'SELECT 1' }), (error: Error & { type?: string }) => error.type === 'AUTHENTICATION_FAILED');
  } finally {
    await stranger.close();
  }
  // The remote executor refuses to start against a server that does not answer.
  await assert.rejects(RemoteExecutor.connect({ url: `http://127.0.0.1:1/weft`, requestTimeoutMs: 2_000 }), /not reachable/);
});
