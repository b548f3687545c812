/**
 * How the embedded pipeline writes: retried inserts counted once (the real
 * embedded store, chdb), failed writes counted by reason, logged once per
 * kind, with their cause kept, and a connection's requests stored once.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EdgeStore, EmbeddedExecutor, type ClickHouseExecutor } from '@weft/store';
import type { ConnectionHalf, EdgeWriter, RequestReport } from '../ingestTypes.js';
import { ConnectionMatcher, DEFAULT_MATCHER_OPTIONS } from '../matching/connectionMatcher.js';
import { IngestMetrics } from '../metrics/ingestMetrics.js';
import { EndpointNamer } from '../naming/endpointNamer.js';
import { ListenerDirectory } from '../naming/listenerDirectory.js';
import { StoreEdgeWriter } from '../store/storeEdgeWriter.js';
import { DEFAULT_PIPELINE_OPTIONS, IngestPipeline, type IngestPipelineOptions } from './ingestPipeline.js';

const root = mkdtempSync(join(tmpdir(), 'weft-ingest-writes-'));
after(() => rmSync(root, { recursive: true, force: true }));

function clientHalf(second: number, port: number, bytesSent: number): ConnectionHalf {
  return {
    nodeId: 'node-a', tsMs: second * 1000 + 999, second, socketId: `r/${port}`, netns: 1, role: 'client', roleInferred: false,
    localIp: '10.0.1.5', localPort: port, remoteIp: '203.0.113.9', remotePort: 443, pid: port, comm: `c${port}`, cmdline: null, containerId: null,
    bytesSent, bytesReceived: 3 * bytesSent, srttUs: 100, retransmits: 0, resetsSent: 0, resetsReceived: 0, opened: false, closed: false, connectFailed: false,
  };
}

function pipelineOver(writer: EdgeWriter, metrics: IngestMetrics, options: Partial<IngestPipelineOptions>): IngestPipeline {
  const listeners = new ListenerDirectory();
  return new IngestPipeline(
    new ConnectionMatcher({ ...DEFAULT_MATCHER_OPTIONS, startupSeconds: 0 }),
    new EndpointNamer(null, null, listeners),
    listeners,
    writer,
    metrics,
    { ...DEFAULT_PIPELINE_OPTIONS, retryDelayMs: 1, ...options },
  );
}

/** Feeds `seconds` seconds of 3 connections; returns the bytes sent (ground truth). */
function feed(pipeline: IngestPipeline, from: number, seconds: number): number {
  let sent = 0;
  for (let second = from; second < from + seconds; second++) {
    const halves = [1, 2, 3].map((i) => clientHalf(second, 40000 + i, 1000 * i + (second % 7)));
    for (const h of halves) sent += h.bytesSent;
    pipeline.accept({ tenant: 't1', nodeId: 'node-a', second, halves, listeners: [] });
  }
  pipeline.tick(Date.now(), true);
  return sent;
}

/** One HTTP/1 route's requests as an agent reports them on a half. */
function getUsers(requests: number, errors: number, durationsUs: number[]): RequestReport {
  return { protocol: 'http1', method: 'GET', route: '/users/{n}', requests, errors, clientErrors: 1, durationsUs };
}

const byReason = async (metrics: IngestMetrics): Promise<Record<string, number>> =>
  Object.fromEntries((await metrics.writeErrors.get()).values.map((v) => [String(v.labels.reason), v.value]));

describe('IngestPipeline writes', () => {
  it('a timed-out insert retried: the insert landed, its answer timed out, the retry under the same token counts once in every table', { timeout: 120_000 }, async () => {
    const real = await EmbeddedExecutor.open({ dataDir: join(root, 'timeout') });
    let timeouts = 0;
    // The engine performs the insert, then the caller sees a timeout (the answer was lost).
    const executor: ClickHouseExecutor = {
      command: (sql, params) => real.command(sql, params),
      insertJsonRows: (table, rows, options) => real.insertJsonRows(table, rows, options),
      queryJsonRows: (sql, params) => real.queryJsonRows(sql, params),
      close: () => real.close(),
      async insertRowArrays(table, columns, rows, options) {
        await real.insertRowArrays(table, columns, rows, options);
        if (timeouts++ === 0) throw new Error('Timeout error.');
      },
    };
    const store = new EdgeStore(executor);
    try {
      await store.migrate();
      const metrics = new IngestMetrics();
      const pipeline = pipelineOver(new StoreEdgeWriter(store), metrics, { log: () => undefined });
      const hour = Math.floor(Date.now() / 1000 / 3600) * 3600 - 3 * 3600;
      const sent = feed(pipeline, hour + 100, 20);
      await pipeline.drain();
      assert.ok(timeouts >= 2, 'the first insert timed out and was retried');
      for (const resolution of [1, 60, 3600] as const) {
        const totals = await store.readEdgeTotals({ from: hour, to: hour + 3600, resolution });
        assert.equal(totals.bytes_sent, sent, `${resolution}s table: the bytes sent, once`);
      }
      assert.deepEqual(await byReason(metrics), { timeout: 1 });
    } finally {
      await store.close();
    }
  });

  it('requests reach edges_1s and the rollups: a matched connection\'s once (the client\'s durations), an external client\'s from the server half', { timeout: 120_000 }, async () => {
    const store = new EdgeStore(await EmbeddedExecutor.open({ dataDir: join(root, 'requests') }));
    try {
      await store.migrate();
      const pipeline = pipelineOver(new StoreEdgeWriter(store), new IngestMetrics(), { log: () => undefined });
      const second = Math.floor(Date.now() / 1000 / 3600) * 3600 - 2 * 3600 + 10;
      const client = { ...clientHalf(second, 40001, 100), comm: 'curl', remoteIp: '10.0.2.7', remotePort: 8080 };
      const server: ConnectionHalf = {
        ...client, nodeId: 'node-b', socketId: 'r/9', role: 'server', localIp: '10.0.2.7', localPort: 8080, remoteIp: '10.0.1.5', remotePort: 40001, pid: 9, comm: 'nginx',
      };
      // Both ends parsed the same 7 requests; the server timed them shorter (no network).
      client.requests = [getUsers(5, 2, [1000, 2000, 3000, 4000, 5000]), { ...getUsers(2, 0, [6000, 7000]), method: 'POST' }];
      server.requests = [getUsers(5, 2, [900, 1900, 2900, 3900, 4900]), { ...getUsers(2, 0, [5900, 6900]), method: 'POST' }];
      // An external caller (no agent there): only the server's half.
      const external: ConnectionHalf = { ...server, socketId: 'r/10', remoteIp: '203.0.113.50', remotePort: 5000, requests: [getUsers(3, 1, [40_000, 50_000, 60_000])] };
      pipeline.accept({ tenant: 't1', nodeId: 'node-a', second, halves: [client], listeners: [] });
      pipeline.accept({ tenant: 't1', nodeId: 'node-b', second, halves: [server, external], listeners: [] });
      pipeline.tick(Date.now(), true);
      await pipeline.drain();
      const rows = await store.executor.queryJsonRows<Record<string, string | number>>(
        `SELECT client_service, server_service, requests, request_errors, request_duration_min_us, request_duration_max_us
         FROM edges_1s WHERE tenant = {tenant:String} ORDER BY client_service`,
        { tenant: 't1' },
      );
      assert.deepEqual(
        rows.map((r) => [r.client_service, r.server_service, Number(r.requests), Number(r.request_errors), Number(r.request_duration_min_us), Number(r.request_duration_max_us)]),
        [
          ['external:203.0.113.50', 'host:nginx', 3, 1, 40_000, 60_000],
          ['host:curl', 'host:nginx', 7, 2, 1000, 7000],
        ],
      );
      // The rollups derive from the same columns: the map's edge (1 s service table) and a whole hour (edges_1h).
      const map = await store.queries.readMap('t1', { window: { from: second, to: second + 1 } });
      const edge = map.edges.find((e) => e.source === 'host:curl');
      assert.deepEqual([edge?.requests, edge?.request_errors, edge?.request_client_errors, edge?.request_protocols], [7, 2, 2, ['http1']]);
      // By route: GET and POST of /users/{n}, the client's durations.
      const routes = await store.queries.readEdgeRoutes('t1', { window: { from: second, to: second + 1 }, source: 'host:curl', target: 'host:nginx', limit: 10 });
      assert.deepEqual(
        routes.routes.map((r) => [r.method, r.route, r.requests, r.request_errors, r.request_client_errors]),
        [['GET', '/users/{n}', 5, 2, 1], ['POST', '/users/{n}', 2, 0, 1]],
      );
      assert.ok(routes.routes[1]!.request_p50_us! >= 6000 && routes.routes[1]!.request_p50_us! <= 7000, `POST p50 ${routes.routes[1]!.request_p50_us}`);
      assert.ok(edge?.request_p50_us !== null && edge?.request_p50_us !== undefined && edge.request_p50_us >= 3000 && edge.request_p50_us <= 5000, `p50 ${edge?.request_p50_us}`);
      const hour = Math.floor(second / 3600) * 3600;
      const [hourly] = await store.executor.queryJsonRows<Record<string, string | number>>(
        `SELECT sum(requests) AS requests, sum(request_errors) AS request_errors, min(request_duration_min_us) AS min_us, max(request_duration_max_us) AS max_us
         FROM edges_1h WHERE tenant = {tenant:String} AND ts = toDateTime({hour:UInt32}, 'UTC')`,
        { tenant: 't1', hour },
      );
      assert.deepEqual([hourly?.requests, hourly?.request_errors, hourly?.min_us, hourly?.max_us].map(Number), [10, 3, 1000, 60_000]);
    } finally {
      await store.close();
    }
  });

  it('write errors keep their cause, are counted by reason and logged once per kind', async () => {
    const memory = new Error('Code: 241. DB::Exception: Memory limit (total) exceeded: would use 9.31 GiB. (MEMORY_LIMIT_EXCEEDED)');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
    const failures = [memory, memory, memory, refused, refused];
    let writes = 0;
    const writer: EdgeWriter = {
      async writeEdgeRows() {
        const failure = failures[writes++];
        if (failure) throw failure;
      },
    };
    const metrics = new IngestMetrics();
    const lines: string[] = [];
    const pipeline = pipelineOver(writer, metrics, { writeAttempts: 10, log: (l) => lines.push(l) });
    feed(pipeline, 1_800_000_000, 3);
    await pipeline.drain();
    assert.deepEqual(await byReason(metrics), { memory_limit_exceeded: 3, connection_refused: 2 }, 'every failed attempt, by reason');
    assert.equal(lines.length, 2, `one line per kind: ${lines.join(' | ')}`);
    assert.match(lines[0] ?? '', /memory_limit_exceeded.*Memory limit/);
    assert.match(lines[1] ?? '', /connection_refused.*ECONNREFUSED/);

    // A batch whose rows could not be stored fails with the store's error as its cause.
    const store = new Error('Code: 210. DB::NetException: Connection refused (NETWORK_ERROR)');
    const failing = pipelineOver({ writeEdgeRows: async () => Promise.reject(store) }, new IngestMetrics(), { writeAttempts: 2, log: () => undefined });
    const outcomes = [100, 101, 102].map((second) =>
      failing.submit({ tenant: 't1', nodeId: 'node-a', second, halves: [clientHalf(second, 40001, 5)], listeners: [] }, { agentRun: 'r', sequence: BigInt(second) }),
    );
    failing.tick(Date.now(), true);
    const err = await outcomes[0]?.then(() => assert.fail('stored?'), (e: unknown) => e);
    for (const outcome of outcomes) await outcome.catch(() => undefined);
    const causes: unknown[] = [];
    for (let at: unknown = err; at instanceof Error; at = at.cause) causes.push(at);
    assert.ok(causes.includes(store), `the store's error in the cause chain: ${causes.map((c) => (c as Error).message).join(' <- ')}`);
    assert.equal((err as { reason?: string }).reason, 'network_error');
  });
});
