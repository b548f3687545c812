/**
 * The gRPC path end to end in one process: the agent's own sender and queue
 * against the ingest's gRPC server and embedded pipeline (two apps, so it
 * lives here rather than beside either). Ground truth: the bytes this test
 * encodes into the batches.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { GrpcSender, QueuedBatchSink } from '@weft/agent';
import type { IngestMetrics } from '@weft/ingest';
import { encodeBatch } from '@weft/telemetry';
import { TEST_KEYS, TokenStore, connection, startTestIngest, until, FIRST_TEST_SECOND } from '../fixtures/grpcBatches.js';

async function run(store: TokenStore, plan: Array<{ second: number; bytes: number | 'malformed' }>) {
  const { pipeline, metrics, address, close } = await startTestIngest(store);
  const sender = new GrpcSender(address, { key: TEST_KEYS.ingest });
  const bySecond = new Map(plan.map((p) => [p.second, p.bytes]));
  const sink = new QueuedBatchSink(
    sender,
    (_rows, summary, sequence) => {
      const bytes = bySecond.get(Math.floor(summary.ts / 1000));
      if (bytes === 'malformed') return Buffer.from('this is not a NodeBatch');
      return encodeBatch({ nodeId: 'node-a', agentRun: 'run-1', sequence, intervalEndMs: summary.ts, intervalMs: 1000 }, [connection(bytes ?? 0)], []);
    },
    { maxQueuedBytes: 1 << 20, retryDelayMs: 20 },
  );
  await sink.start();
  for (const { second } of plan) {
    sink.write([], { ts: second * 1000 + 999, trafficPath: 'test', socketsTracked: 0, listeners: [] });
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  // All but the newest batch are acknowledged once stored; the newest waits for the flush.
  await until(() => sink.queuedBatches <= 1, 'every batch but the newest acknowledged');
  pipeline.tick(Date.now(), true);
  await until(() => sink.queuedBatches === 0, 'the newest acknowledged after the flush');
  await sink.close();
  await close();
  return { metrics, sink, sender };
}

const valueOf = async (metric: IngestMetrics['batchesRejected'], labels: Record<string, string>): Promise<number> =>
  (await metric.get()).values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k as 'reason'] === l)).reduce((sum, v) => sum + v.value, 0);

describe('gRPC ingest with the agent\'s sender', () => {
  it('a server fault on gRPC: the store fails once, the agent keeps the batch and retries it, and it is counted exactly once', async () => {
    const plan = Array.from({ length: 12 }, (_, i) => ({ second: FIRST_TEST_SECOND + i, bytes: 100 + i }));
    const store = new TokenStore(1);
    const { metrics, sink, sender } = await run(store, plan);
    assert.equal(store.bytesSent(), plan.reduce((sum, p) => sum + (p.bytes as number), 0), 'every byte sent is stored once');
    assert.ok(sink.sendFailures >= 1, 'the agent saw the fault and sent again');
    assert.equal(sink.sentBatches, plan.length, 'every batch acknowledged');
    assert.equal(sink.dropped + sink.droppedBatches, 0);
    assert.equal(sender.rejected, 0, 'a server fault is not a rejection');
    assert.equal(await valueOf(metrics.batchesFailed, { reason: 'connection_refused' }) > 0, true, 'the fault counted by reason');
    assert.equal(await valueOf(metrics.writeErrors, { reason: 'connection_refused' }), 1);
  });

  it('a malformed batch is refused, counted once and not sent again; the batches around it are stored', async () => {
    const plan: Array<{ second: number; bytes: number | 'malformed' }> = Array.from({ length: 8 }, (_, i) => ({ second: FIRST_TEST_SECOND + i, bytes: i === 3 ? 'malformed' : 100 + i }));
    const store = new TokenStore(0);
    const { metrics, sink, sender } = await run(store, plan);
    assert.equal(sender.rejected, 1);
    assert.equal(await valueOf(metrics.batchesRejected, {}), 1, 'decoded once: never retried');
    assert.equal(sink.sendFailures, 0);
    assert.equal(store.bytesSent(), plan.reduce((sum, p) => sum + (p.bytes === 'malformed' ? 0 : p.bytes), 0));
  });
});
