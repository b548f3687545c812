/**
 * How the embedded pipeline writes: retried inserts counted once (the real
 * embedded store, chdb), and failed writes counted by reason, logged once
 * per kind, with their cause kept.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EdgeStore, EmbeddedExecutor, type ClickHouseExecutor } from '@weft/store';
import type { ConnectionHalf, EdgeWriter } from '../ingestTypes.js';
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
