import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { EachBatchPayload, Kafka, Message } from 'kafkajs';
import { encodeBatch } from '@weft/telemetry';
import { CachedIngestAuthenticator, KAFKA_KEY_HEADER } from '../auth/ingestAuth.js';
import { IngestMetrics } from '../metrics/ingestMetrics.js';
import { decodeAgentBatch, nodeBatchHalvesCodec } from '../transport/telemetryCodecs.js';
import { DecodeStage } from './decodeStage.js';
import { DEFAULT_TOPICS } from './topics.js';

/** Just enough of kafkajs for the decode stage: a consumer handing over eachBatch, a transactional producer recording what it sends. */
function fakeKafka(): { kafka: Kafka; sent: Message[]; eachBatch: () => ((payload: EachBatchPayload) => Promise<void>) | null } {
  const sent: Message[] = [];
  let handler: ((payload: EachBatchPayload) => Promise<void>) | null = null;
  const consumer = {
    events: { GROUP_JOIN: 'j', CRASH: 'c', STOP: 's', DISCONNECT: 'd' },
    on: () => undefined,
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (config: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => void (handler = config.eachBatch),
    disconnect: async () => undefined,
  };
  const producer = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    transaction: async () => ({
      send: async ({ messages }: { messages: Message[] }) => void sent.push(...messages),
      sendOffsets: async () => undefined,
      commit: async () => undefined,
      abort: async () => undefined,
    }),
  };
  return { kafka: { consumer: () => consumer, producer: () => producer } as unknown as Kafka, sent, eachBatch: () => handler };
}

/** One agent batch with one connection that sent `bytes`. */
function agentBatch(bytes: number, sequence: bigint): Buffer {
  return Buffer.from(
    encodeBatch({ nodeId: 'node-a', agentRun: 'r', sequence, intervalEndMs: 1_700_000_000_999, intervalMs: 1000 }, [
      {
        socketNumber: 1, netns: 1, role: 'client', roleInferred: false, localIp: '10.0.0.1', localPort: 40000, remoteIp: '10.0.0.2', remotePort: 80,
        pid: 1, comm: 'curl', cmdline: null, containerId: null, bytesSent: bytes, bytesReceived: 0, srttUs: 1, retransmits: 0,
        resetsSent: 0, resetsReceived: 0, opened: false, closed: false, connectFailed: false,
      },
    ], []),
  );
}

const KEYS: Record<string, { tenantId: string; scopes: string[] }> = {
  'key-a': { tenantId: 'tenant-a', scopes: ['ingest'] },
  'key-b': { tenantId: 'tenant-b', scopes: ['ingest', 'read'] },
  'key-read': { tenantId: 'tenant-a', scopes: ['read'] },
};

describe('DecodeStage: agents\' keys', () => {
  it('stamps each batch with its key\'s tenant, drops and counts those whose key is refused', async () => {
    const { kafka, sent, eachBatch } = fakeKafka();
    const metrics = new IngestMetrics();
    const authenticator = new CachedIngestAuthenticator(async (key) => KEYS[key] ?? null);
    const stage = new DecodeStage(kafka, (bytes, tenant) => decodeAgentBatch(bytes, tenant), nodeBatchHalvesCodec, metrics, { groupId: 'g', topics: { ...DEFAULT_TOPICS, partitions: 1 }, authenticator });
    await stage.start();
    const messages = [
      { value: agentBatch(11, 1n), headers: { [KAFKA_KEY_HEADER]: Buffer.from('key-a') } },
      { value: agentBatch(22, 1n), headers: { [KAFKA_KEY_HEADER]: 'key-b' } },
      { value: agentBatch(1000, 2n), headers: {} },
      { value: agentBatch(2000, 3n), headers: { [KAFKA_KEY_HEADER]: 'key-unknown' } },
      { value: agentBatch(3000, 4n), headers: { [KAFKA_KEY_HEADER]: 'key-read' } },
    ].map((m, i) => ({ ...m, key: Buffer.from('node-a'), offset: String(i), timestamp: '0', attributes: 0, size: 0 }));
    const handler = eachBatch();
    assert.ok(handler);
    await handler({
      batch: { topic: 'weft.telemetry.v1', partition: 0, messages, offsetLag: () => '0' },
      resolveOffset: () => undefined,
      heartbeat: async () => undefined,
      isRunning: () => true,
      isStale: () => false,
    } as unknown as EachBatchPayload);
    const out = sent.map((m) => nodeBatchHalvesCodec.decode(m.value as Buffer));
    assert.deepEqual(out.map((m) => [m.tenant, m.halves.map((h) => h.bytesSent)]), [['tenant-a', [11]], ['tenant-b', [22]]]);
    const refused = (await metrics.authRefused.get()).values.map((v) => [v.labels.transport, v.labels.reason, v.value]);
    assert.deepEqual(refused.sort(), [['kafka', 'missing_key', 1], ['kafka', 'no_ingest_scope', 1], ['kafka', 'unknown_key', 1]]);
    assert.equal((await metrics.batchesIn.get()).values[0]?.value, 5, 'every message consumed');
    await stage.stop();
  });
});
