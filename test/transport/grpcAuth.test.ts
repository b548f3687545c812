/**
 * Keys on the gRPC path, in one process: the agent's own sender and queue against the
 * ingest's gRPC server and embedded pipeline, with the test authenticator of
 * fixtures/grpcBatches.ts (TEST_KEYS). Ground truth: the bytes this test encodes into each
 * agent's batches. An agent with no key, an unknown key or a key without the ingest scope is
 * refused (UNAUTHENTICATED / PERMISSION_DENIED, counted by reason), nothing of it is stored,
 * it says so in one clear line that never holds its key, and it backs off instead of asking
 * again every retry delay. Two agents of two tenants reporting the same addresses, node name
 * and batch numbers are stored apart, each row stamped with its sender's tenant, whatever
 * tenant a batch claims for itself.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { GrpcSender, QueuedBatchSink } from '@weft/agent';
import type { EdgeRow, IngestMetrics } from '@weft/ingest';
import { encodeBatch } from '@weft/telemetry';
import { OTHER_TENANT, TEST_KEYS, TEST_TENANT, TokenStore, connection, startTestIngest, until, type TestIngest, FIRST_TEST_SECOND } from '../fixtures/grpcBatches.js';

const FIRST_SECOND = FIRST_TEST_SECOND;
const RETRY_DELAY_MS = 20;

/** An agent sending `seconds` batches of one connection to `ingest`; bytesOf(i) is what batch i carries. */
function agent(ingest: TestIngest, key: string | undefined, bytesOf: (i: number) => number, claimedTenant?: string) {
  const sender = new GrpcSender(ingest.address, key === undefined ? {} : { key });
  const logged: string[] = [];
  const sink = new QueuedBatchSink(
    sender,
    (_rows, summary, sequence) =>
      encodeBatch(
        { nodeId: 'node-a', agentRun: 'run-1', sequence, intervalEndMs: summary.ts, intervalMs: 1000, ...(claimedTenant ? { tenant: claimedTenant } : {}) },
        [connection(bytesOf(Math.floor(summary.ts / 1000) - FIRST_SECOND))],
        [],
      ),
    { maxQueuedBytes: 1 << 20, retryDelayMs: RETRY_DELAY_MS, log: (line) => logged.push(line) },
  );
  return {
    sink,
    logged,
    write(i: number): void {
      sink.write([], { ts: (FIRST_SECOND + i) * 1000 + 999, trafficPath: 'test', socketsTracked: 0, listeners: [] });
    },
  };
}

const refusedCount = async (metrics: IngestMetrics, reason: string): Promise<number> =>
  (await metrics.authRefused.get()).values.filter((v) => v.labels.transport === 'grpc' && v.labels.reason === reason).reduce((sum, v) => sum + v.value, 0);

const bytesOfTenant = (rows: EdgeRow[], tenant: string): number => rows.filter((r) => r.tenant === tenant).reduce((sum, r) => sum + r.bytes_sent, 0);

describe('gRPC ingest: agents\' keys', () => {
  for (const [name, key, reason, status] of [
    ['no key', undefined, 'missing_key', 'UNAUTHENTICATED'],
    ['an unknown key', 'weft_aaaaaaaaaaaa_notakeyoftheingestnotakeyoftheingestxxxxxxxx', 'unknown_key', 'UNAUTHENTICATED'],
    ['a key without the ingest scope', TEST_KEYS.readOnly, 'no_ingest_scope', 'PERMISSION_DENIED'],
  ] as const) {
    it(`an agent with ${name} is refused (${status}), counted, backs off, and nothing of it is stored`, async () => {
      const store = new TokenStore();
      const ingest = await startTestIngest(store);
      const refused = agent(ingest, key, (i) => 1000 + i);
      try {
        for (let i = 0; i < 5; i++) refused.write(i);
        await until(() => refused.sink.sendFailures >= 3, 'the agent to be refused three times');
        const failuresAt = refused.sink.sendFailures;
        // Without the back-off it would be refused every RETRY_DELAY_MS: 50 more times in a second.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const more = refused.sink.sendFailures - failuresAt;
        assert.ok(more <= 4, `refused ${more} more times in 1 s: the agent does not back off`);
        ingest.pipeline.tick(Date.now(), true);
        await ingest.pipeline.drain();
        assert.equal(store.byToken.size, 0, 'nothing stored');
        assert.equal(refused.sink.sentBatches, 0);
        assert.equal(refused.sink.queuedBatches, 5, 'the agent keeps its batches');
        assert.ok((await refusedCount(ingest.metrics, reason)) >= 3, `counted as ${reason}`);
        assert.equal((await ingest.metrics.batchesIn.get()).values[0]?.value ?? 0, 0, 'no batch reached the pipeline');
        assert.equal(refused.logged.length, 1, `one line, not one per retry: ${JSON.stringify(refused.logged)}`);
        assert.match(refused.logged[0] as string, new RegExp(`refused this agent's API key \\(${status}`));
        assert.match(refused.logged[0] as string, reason === 'no_ingest_scope' ? /ingest scope/ : /--key or WEFT_AGENT_KEY/);
        if (key) assert.ok(!(refused.logged[0] as string).includes(key), 'the key is never logged');
      } finally {
        await refused.sink.close();
        await ingest.close();
      }
    });
  }

  it('two tenants sending the same addresses, node name and batch numbers are stored apart, each under its own key\'s tenant', async () => {
    const store = new TokenStore();
    const ingest = await startTestIngest(store);
    // The first agent's batches claim the other tenant: the key decides, not the batch.
    const first = agent(ingest, TEST_KEYS.ingest, (i) => 100 + i, OTHER_TENANT);
    const second = agent(ingest, TEST_KEYS.otherTenant, (i) => 10_000 + 3 * i);
    const seconds = 8;
    try {
      await first.sink.start();
      await second.sink.start();
      for (let i = 0; i < seconds; i++) {
        first.write(i);
        second.write(i);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await until(() => first.sink.queuedBatches <= 1 && second.sink.queuedBatches <= 1, 'every batch but the newest acknowledged');
      ingest.pipeline.tick(Date.now(), true);
      await until(() => first.sink.queuedBatches === 0 && second.sink.queuedBatches === 0, 'the newest acknowledged after the flush');
      const rows = [...store.byToken.values()].flat();
      const sum = (bytesOf: (i: number) => number): number => Array.from({ length: seconds }, (_, i) => bytesOf(i)).reduce((a, b) => a + b, 0);
      assert.equal(bytesOfTenant(rows, TEST_TENANT), sum((i) => 100 + i), 'the first key\'s tenant has exactly its agent\'s bytes');
      assert.equal(bytesOfTenant(rows, OTHER_TENANT), sum((i) => 10_000 + 3 * i), 'the second key\'s tenant has exactly its agent\'s bytes');
      assert.deepEqual(new Set(rows.map((r) => r.tenant)), new Set([TEST_TENANT, OTHER_TENANT]));
      assert.equal((await ingest.metrics.batchesDuplicate.get()).values[0]?.value ?? 0, 0, 'the same batch numbers of two tenants are not duplicates');
      assert.deepEqual([first.logged, second.logged], [[], []]);
    } finally {
      await first.sink.close();
      await second.sink.close();
      await ingest.close();
    }
  });
});
