import { hostname } from 'node:os';
import type { Consumer, EachBatchPayload, Kafka, Message, Producer } from 'kafkajs';
import { KAFKA_KEY_HEADER, type IngestAuthenticator, type IngestAuthRefusal } from '../auth/ingestAuth.js';
import { canonicalConnection } from '../halves/canonicalConnection.js';
import { BatchRejected, type ConnectionHalf, type HalvesCodec, type HalvesMessage } from '../ingestTypes.js';
import type { IngestMetrics } from '../metrics/ingestMetrics.js';
import { StageRecovery } from './stageRecovery.js';
import { partitionOfKey, type TopicLayout } from './topics.js';

/** Turns one agent batch (bytes) into its halves of `tenant`; throws a BatchRejected for bad input. */
export type BatchDecoder = (value: Uint8Array, tenant: string) => HalvesMessage;

/** The first value of a Kafka header, as text. */
function headerText(value: Buffer | string | Array<Buffer | string> | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

export { BatchRejected } from '../ingestTypes.js';

export interface DecodeStageOptions {
  groupId: string;
  topics: TopicLayout;
  /**
   * Whose batches these are: the key in each message's `weft-key` header, which needs the
   * ingest scope. A message without one, or with a key that is refused, is dropped and
   * counted (weft_ingest_auth_refused_total{transport="kafka"}); its halves never reach the
   * halves topic. A check that cannot be answered fails the batch, which is consumed again.
   */
  authenticator: IngestAuthenticator;
}

/**
 * The first ingest stage on Kafka: consumes agent batches (keyed by node),
 * drops those whose key is refused and rejects malformed ones (both
 * counted), stamps the rest with their key's tenant, and re-keys every half by its
 * connection: each batch becomes one message per halves partition (empty
 * ones too, so every partition learns that the node has reached that
 * second). Output and input offsets go in one Kafka transaction, so a crash
 * or a rebalance neither loses nor repeats a batch.
 */
export class DecodeStage {
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;
  private readonly recovery: StageRecovery;

  constructor(
    private readonly kafka: Kafka,
    private readonly decodeBatch: BatchDecoder,
    private readonly codec: HalvesCodec,
    private readonly metrics: IngestMetrics,
    private readonly options: DecodeStageOptions,
  ) {
    this.recovery = new StageRecovery({ name: 'decode', open: () => this.open(), close: () => this.close() }, metrics);
  }

  start(): Promise<void> {
    return this.recovery.start();
  }

  stop(): Promise<void> {
    return this.recovery.stop();
  }

  /** For /healthz. */
  get state(): { joined: boolean; rebuilding: boolean } {
    return this.recovery.state;
  }

  private async open(): Promise<Consumer> {
    const consumer = this.kafka.consumer({ groupId: this.options.groupId, sessionTimeout: 15_000, heartbeatInterval: 1_000, readUncommitted: false });
    const producer = this.kafka.producer({
      transactionalId: `${this.options.groupId}-${hostname()}-${process.pid}`,
      idempotent: true,
      maxInFlightRequests: 1,
      // Ours last milliseconds. One left open by a killed process holds back
      // every read-committed reader of its partitions until this runs out.
      transactionTimeout: 10_000,
    });
    this.consumer = consumer;
    this.producer = producer;
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic: this.options.topics.telemetry, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.eachBatch(payload, producer) });
    return consumer;
  }

  private async close(): Promise<void> {
    const [consumer, producer] = [this.consumer, this.producer];
    this.consumer = null;
    this.producer = null;
    await consumer?.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
  }

  /** The halves messages of one decoded batch, one per partition. */
  split(batch: HalvesMessage): Array<{ partition: number; message: HalvesMessage }> {
    const count = this.options.topics.partitions;
    const byPartition: ConnectionHalf[][] = Array.from({ length: count }, () => []);
    for (const half of batch.halves) {
      byPartition[partitionOfKey(canonicalConnection(half).key, count)]?.push(half);
    }
    return byPartition.map((halves, partition) => ({ partition, message: { ...batch, halves } }));
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload, producer: Producer): Promise<void> {
    if (batch.messages.length === 0) return;
    const out: Message[] = [];
    // Counted once the transaction commits: a batch retried after a failed
    // commit is not counted twice.
    const rejected = new Map<string, number>();
    const refused = new Map<IngestAuthRefusal, number>();
    let halves = 0;
    for (const message of batch.messages) {
      let auth;
      try {
        auth = await this.options.authenticator.authenticate(headerText(message.headers?.[KAFKA_KEY_HEADER]));
      } catch (err) {
        this.metrics.authErrors.inc({ transport: 'kafka' });
        throw err;
      }
      if ('refused' in auth) {
        refused.set(auth.refused, (refused.get(auth.refused) ?? 0) + 1);
        continue;
      }
      let decoded: HalvesMessage;
      try {
        if (!message.value) throw new BatchRejected('empty', 'empty message');
        decoded = this.decodeBatch(message.value, auth.tenant);
      } catch (err) {
        const reason = err instanceof BatchRejected ? err.reason : 'malformed';
        rejected.set(reason, (rejected.get(reason) ?? 0) + 1);
        continue;
      }
      halves += decoded.halves.length;
      for (const { partition, message: part } of this.split(decoded)) {
        out.push({ partition, key: decoded.nodeId, value: Buffer.from(this.codec.encode(part)), timestamp: String(decoded.second * 1000) });
      }
    }
    if (!isRunning() || isStale()) return;
    const last = batch.messages[batch.messages.length - 1];
    if (!last) return;
    const transaction = await producer.transaction();
    try {
      if (out.length > 0) await transaction.send({ topic: this.options.topics.halves, messages: out });
      await transaction.sendOffsets({
        consumerGroupId: this.options.groupId,
        topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }] }],
      });
      await transaction.commit();
    } catch (err) {
      await transaction.abort().catch(() => undefined);
      throw err;
    }
    this.metrics.consumerLag.set({ stage: 'decode', partition: String(batch.partition) }, Number(batch.offsetLag()));
    this.metrics.batchesIn.inc(batch.messages.length);
    this.metrics.halvesIn.inc(halves);
    for (const [reason, count] of rejected) this.metrics.batchesRejected.inc({ reason }, count);
    for (const [reason, count] of refused) this.metrics.authRefused.inc({ transport: 'kafka', reason }, count);
    resolveOffset(last.offset);
    await heartbeat();
  }
}
