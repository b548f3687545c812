import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { EachBatchPayload, Kafka } from 'kafkajs';
import type { ConnectionHalf, EdgeRow, EdgeWriter, HalvesCodec, HalvesMessage } from '../ingestTypes.js';
import { DEFAULT_MATCHER_OPTIONS } from '../matching/connectionMatcher.js';
import { IngestMetrics } from '../metrics/ingestMetrics.js';
import { EndpointNamer } from '../naming/endpointNamer.js';
import { ListenerDirectory } from '../naming/listenerDirectory.js';
import { MatchStage } from './matchStage.js';

const TOPIC = 'halves';

/** Just enough of a kafkajs consumer: the events the stage listens to, run() handing over eachBatch, seeks and commits. */
class FakeConsumer extends EventEmitter {
  readonly events = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash', STOP: 'consumer.stop', DISCONNECT: 'consumer.disconnect' };
  eachBatch: ((payload: EachBatchPayload) => Promise<void>) | null = null;
  readonly commits: string[] = [];
  async connect(): Promise<void> {}
  async subscribe(): Promise<void> {}
  async run(config: { eachBatch: (payload: EachBatchPayload) => Promise<void> }): Promise<void> {
    this.eachBatch = config.eachBatch;
  }
  seek(): void {}
  async commitOffsets(offsets: Array<{ offset: string }>): Promise<void> {
    for (const o of offsets) this.commits.push(o.offset);
  }
  async disconnect(): Promise<void> {}
  join(partitions: number[]): void {
    this.emit(this.events.GROUP_JOIN, { payload: { memberAssignment: { [TOPIC]: partitions } } });
  }
}

/** An admin whose offset fetch fails the first `failures` times (a broker not answering yet). */
class FakeAdmin {
  fetches = 0;
  constructor(private failures: number) {}
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  async fetchOffsets(): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>> {
    this.fetches++;
    if (this.failures-- > 0) throw new Error('There is no leader for this topic-partition');
    return [{ topic: TOPIC, partitions: [{ partition: 0, offset: '-1' }] }];
  }
  async fetchTopicOffsets(): Promise<Array<{ partition: number; low: string; high: string; offset: string }>> {
    return [{ partition: 0, low: '0', high: '100', offset: '100' }];
  }
}

function fakeKafka(failures: number): { kafka: Kafka; consumers: FakeConsumer[]; admin: FakeAdmin } {
  const consumers: FakeConsumer[] = [];
  const admin = new FakeAdmin(failures);
  const kafka = {
    consumer: () => {
      const consumer = new FakeConsumer();
      consumers.push(consumer);
      return consumer;
    },
    admin: () => admin,
  };
  return { kafka: kafka as unknown as Kafka, consumers, admin };
}

/** JSON on the halves topic (the stage does not care about the layout). */
const jsonCodec: HalvesCodec = {
  encode: (m) => Buffer.from(JSON.stringify(m, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))),
  decode: (value) => JSON.parse(Buffer.from(value).toString(), (_k, v: unknown) => (typeof v === 'string' && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v)) as HalvesMessage,
};

/** A client half to an external server: released alone, one edge row per second. */
function clientHalf(second: number, bytesSent: number): ConnectionHalf {
  return {
    nodeId: 'node-a', tsMs: second * 1000 + 999, second, socketId: 'r/40000', netns: 1, role: 'client', roleInferred: false,
    localIp: '10.0.1.5', localPort: 40000, remoteIp: '203.0.113.9', remotePort: 443, pid: 7, comm: 'curl', cmdline: null, containerId: null,
    bytesSent, bytesReceived: 2 * bytesSent, srttUs: 100, retransmits: 0, resetsSent: 0, resetsReceived: 0, opened: false, closed: false, connectFailed: false,
  };
}

function batchOf(messages: HalvesMessage[]): EachBatchPayload {
  return {
    batch: { topic: TOPIC, partition: 0, messages: messages.map((m, i) => ({ offset: String(i), value: Buffer.from(jsonCodec.encode(m)) })), offsetLag: () => '0' },
    resolveOffset: () => undefined,
    heartbeat: async () => undefined,
    isRunning: () => true,
    isStale: () => false,
  } as unknown as EachBatchPayload;
}

function stage(kafka: Kafka, writer: EdgeWriter, metrics: IngestMetrics, lines: string[]): MatchStage {
  const listeners = new ListenerDirectory();
  return new MatchStage(kafka, jsonCodec, new EndpointNamer(null, null, listeners), listeners, writer, metrics, {
    groupId: 'g',
    topic: TOPIC,
    matcher: { ...DEFAULT_MATCHER_OPTIONS, startupSeconds: 0 },
    warmUpMessages: 10,
    assignAttempts: 4,
    assignRetryDelayMs: 2,
    log: (line) => lines.push(line),
    recovery: { firstDelayMs: 1, maxDelayMs: 2 },
  });
}

const counterValue = async (metric: { get(): Promise<{ values: Array<{ value: number; labels: Record<string, unknown> }> }> }, labels: Record<string, string> = {}): Promise<number> =>
  (await metric.get()).values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);

describe('MatchStage', () => {
  it('a stalled partition: an assignment whose first attempts fail is retried and its messages are processed, not skipped', async () => {
    const { kafka, consumers, admin } = fakeKafka(2);
    const written: EdgeRow[] = [];
    const metrics = new IngestMetrics();
    const lines: string[] = [];
    const match = stage(kafka, { writeEdgeRows: async (rows) => void written.push(...rows) }, metrics, lines);
    await match.start();
    const consumer = consumers[0] as FakeConsumer;
    // Seconds 100..105 from one node; each message releases the second before it.
    const sent = [100, 101, 102, 103, 104, 105].map((second, i) => ({ second, bytes: 10 * (i + 1) }));
    const messages: HalvesMessage[] = sent.map(({ second, bytes }) => ({ tenant: 't1', nodeId: 'node-a', agentRun: 'r1', sequence: BigInt(second), second, halves: [clientHalf(second, bytes)], listeners: [] }));
    consumer.join([0]);
    await consumer.eachBatch?.(batchOf(messages));
    assert.equal(admin.fetches, 3, 'two failed attempts, then one that worked');
    const released = sent.filter((s) => s.second <= 104);
    assert.equal(written.reduce((sum, r) => sum + r.bytes_sent, 0), released.reduce((sum, s) => sum + s.bytes, 0), 'the bytes of every released second, written');
    assert.deepEqual(written.map((r) => r.ts).sort(), released.map((s) => s.second));
    assert.equal(consumer.commits.at(-1), '6', 'committed past the last block');
    assert.equal(await counterValue(metrics.partitionAssignFailures), 2);
    assert.equal(await counterValue(metrics.stageRestarts, { stage: 'match' }), 0);
    assert.equal(lines.filter((l) => l.includes('retrying')).length, 1, 'one line for the stall, not one per attempt');
    await match.stop();
  });

  it('an assignment that keeps failing fails the stage, which is rebuilt (counted) instead of skipping the partition', async () => {
    const { kafka, consumers } = fakeKafka(Number.POSITIVE_INFINITY);
    const written: EdgeRow[] = [];
    const metrics = new IngestMetrics();
    const match = stage(kafka, { writeEdgeRows: async (rows) => void written.push(...rows) }, metrics, []);
    await match.start();
    const consumer = consumers[0] as FakeConsumer;
    consumer.join([0]);
    await consumer.eachBatch?.(batchOf([{ tenant: 't1', nodeId: 'node-a', agentRun: 'r1', sequence: 1n, second: 100, halves: [clientHalf(100, 5)], listeners: [] }]));
    for (let i = 0; i < 200 && consumers.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(consumers.length, 2, 'a new consumer: the stage was rebuilt');
    assert.equal(await counterValue(metrics.stageRestarts, { stage: 'match' }), 1);
    assert.equal(await counterValue(metrics.partitionAssignFailures), 4, 'every attempt counted');
    assert.deepEqual(consumer.commits, [], 'nothing committed by the consumer given up on');
    await match.stop();
  });
});
