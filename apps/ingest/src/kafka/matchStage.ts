import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { EdgeWriter } from '../pipeline/ingestPipeline.js';
import type { IngestMetrics } from '../metrics/ingestMetrics.js';
import type { EndpointNamer } from '../naming/endpointNamer.js';
import type { ListenerDirectory } from '../naming/listenerDirectory.js';
import { DEFAULT_MATCHER_OPTIONS, type ConnectionMatcherOptions } from '../matching/connectionMatcher.js';
import { PartitionProcessor } from '../matching/partitionProcessor.js';
import { StageRecovery } from './stageRecovery.js';
import type { HalvesCodec } from './halvesMessage.js';

export interface MatchStageOptions {
  groupId: string;
  topic: string;
  matcher: ConnectionMatcherOptions;
  /**
   * Messages replayed before the committed offset of a newly assigned
   * partition to rebuild its matching state (warm-up, nothing written). Must
   * cover the matcher's window and node silence at the partition's rate
   * (about one message per node per second).
   */
  warmUpMessages: number;
}

interface PartitionState {
  processor: PartitionProcessor;
  /** Below this offset messages only rebuild state. */
  liveFrom: bigint;
  /** Skip anything before this (a fetch that raced our seek). */
  resumeAt: bigint;
  /** The partition's committed offset as of our last commit (or our assignment). */
  committed: bigint;
}

/**
 * The second ingest stage on Kafka: consumes connection halves (keyed by
 * connection, so both halves of a connection are in one partition), matches
 * and aggregates them per partition, writes blocks of edge rows with a dedup
 * token and only then commits the offsets. Several processes share the
 * partitions in one consumer group; on every assignment a partition is
 * replayed from a little before its committed offset so matching resumes
 * exactly where the previous owner left it (see PartitionProcessor).
 */
export class MatchStage {
  private consumer: Consumer | null = null;
  private admin: Admin | null = null;
  private readonly recovery: StageRecovery;
  private readonly partitions = new Map<number, PartitionState>();
  private assignment: Promise<void> = Promise.resolve();
  private assigned: number[] = [];

  constructor(
    private readonly kafka: Kafka,
    private readonly codec: HalvesCodec,
    private readonly namer: EndpointNamer,
    private readonly listeners: ListenerDirectory,
    private readonly writer: EdgeWriter,
    private readonly metrics: IngestMetrics,
    private readonly options: MatchStageOptions,
  ) {
    this.recovery = new StageRecovery({ name: 'match', open: () => this.open(), close: () => this.close() }, metrics);
  }

  start(): Promise<void> {
    return this.recovery.start();
  }

  stop(): Promise<void> {
    return this.recovery.stop();
  }

  private async open(): Promise<Consumer> {
    // A new consumer starts every partition over from its committed offset.
    this.partitions.clear();
    this.assigned = [];
    this.assignment = Promise.resolve();
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      // A replayed partition must not wait for the group's initial rebalance delay.
      rebalanceTimeout: 30_000,
      sessionTimeout: 15_000,
      heartbeatInterval: 1_000,
      maxBytesPerPartition: 4 * 1024 * 1024,
      readUncommitted: false,
    });
    const admin = this.kafka.admin();
    this.consumer = consumer;
    this.admin = admin;
    await admin.connect();
    await consumer.connect();
    await consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    // Whatever happens next, kafkajs restarting this consumer or a rebuild,
    // the group may hand our partitions to someone else first: start over.
    consumer.on(consumer.events.CRASH, () => this.partitions.clear());
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const assigned = event.payload.memberAssignment[this.options.topic] ?? [];
      this.assignment = this.assignment.then(() => this.assign(consumer, admin, assigned)).catch(() => undefined);
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: (payload) => this.eachBatch(payload, consumer, admin),
    });
    return consumer;
  }

  private async close(): Promise<void> {
    const [consumer, admin] = [this.consumer, this.admin];
    this.consumer = null;
    this.admin = null;
    await consumer?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
  }

  /**
   * Takes a new assignment. A partition is replayed from its committed
   * offset (warm-up first) when it is new to us, and also when we kept it
   * but someone else committed it meanwhile: after our consumer was out of
   * the group for a while (a crash kafkajs restarted, a session that timed
   * out during a slow write) another member may have owned it, and the
   * state we hold no longer follows the committed offset.
   */
  private async assign(consumer: Consumer, admin: Admin, assigned: number[]): Promise<void> {
    this.assigned = assigned;
    const keep = new Set(assigned);
    for (const partition of this.partitions.keys()) if (!keep.has(partition)) this.partitions.delete(partition);
    if (assigned.length === 0) return;
    const [committed] = await admin.fetchOffsets({ groupId: this.options.groupId, topics: [this.options.topic] });
    const low = await admin.fetchTopicOffsets(this.options.topic);
    const lowOf = (partition: number): bigint => BigInt(low.find((p) => p.partition === partition)?.low ?? '0');
    const committedOf = (partition: number): bigint => {
      const entry = committed?.partitions.find((p) => p.partition === partition);
      return entry && entry.offset !== '-1' ? BigInt(entry.offset) : lowOf(partition);
    };
    for (const [partition, state] of this.partitions) {
      if (committedOf(partition) !== state.committed) {
        this.metrics.partitionsReplayed.inc({ reason: 'committed_elsewhere' });
        this.partitions.delete(partition);
      }
    }
    for (const partition of assigned.filter((p) => !this.partitions.has(p))) {
      const lowOffset = lowOf(partition);
      const liveFrom = committedOf(partition);
      const back = liveFrom - BigInt(this.options.warmUpMessages);
      const resumeAt = back > lowOffset ? back : lowOffset;
      const processor = new PartitionProcessor(this.namer, {
        matcher: this.options.matcher ?? DEFAULT_MATCHER_OPTIONS,
        tokenPrefix: `${this.options.topic}:${partition}:`,
      });
      this.partitions.set(partition, { processor, liveFrom, resumeAt, committed: liveFrom });
      consumer.seek({ topic: this.options.topic, partition, offset: resumeAt.toString() });
    }
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload, consumer: Consumer, admin: Admin): Promise<void> {
    await this.assignment;
    const state = this.partitions.get(batch.partition);
    // Not (yet) ours: leave it unresolved, it is fetched again after the seek.
    if (!state) return;
    this.metrics.consumerLag.set({ stage: 'match', partition: String(batch.partition) }, Number(batch.offsetLag()));
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) return;
      const offset = BigInt(message.offset);
      if (offset < state.resumeAt) continue;
      state.resumeAt = offset + 1n;
      const warmUp = offset < state.liveFrom;
      let decoded;
      try {
        if (!message.value) throw new Error('empty message');
        decoded = this.codec.decode(message.value);
      } catch {
        // Stage 1 wrote it; a bad one here is a bug, but never a reason to stop.
        if (!warmUp) this.metrics.batchesRejected.inc({ reason: 'bad_halves_message' });
        resolveOffset(message.offset);
        continue;
      }
      if (!warmUp) {
        this.metrics.batchesIn.inc();
        this.metrics.halvesIn.inc(decoded.halves.length);
      }
      for (const listener of decoded.listeners) this.listeners.noteListener(listener, Date.now());
      this.listeners.noteLocalAddresses(decoded.halves);
      if (offset === state.liveFrom) state.processor.startBlockAt(offset);
      const before = { ...state.processor.counters };
      const block = state.processor.handle(
        { offset, agentRun: decoded.agentRun, sequence: decoded.sequence, interval: { nodeId: decoded.nodeId, second: decoded.second, halves: decoded.halves, listeners: decoded.listeners } },
        warmUp,
      );
      if (!warmUp) {
        const after = state.processor.counters;
        this.metrics.matched.inc(after.matched - before.matched);
        this.metrics.unmatched.inc(after.unmatched - before.unmatched);
      }
      if (block) {
        if (block.rows.length > 0) {
          const stop = this.metrics.writeSeconds.startTimer();
          try {
            await this.writer.writeEdgeRows(block.rows, { dedupToken: block.dedupToken });
          } catch {
            // Start the partition over from its last commit, as a new owner
            // would: the replay cuts the same block and writes it again.
            this.metrics.writeErrors.inc();
            this.partitions.delete(batch.partition);
            await new Promise((resolve) => setTimeout(resolve, 1000));
            await this.assign(consumer, admin, this.assigned);
            return;
          }
          stop();
          this.metrics.rowsWritten.inc(block.rows.length);
        }
        await consumer.commitOffsets([
          { topic: this.options.topic, partition: batch.partition, offset: (block.toOffset + 1n).toString() },
        ]);
        state.committed = block.toOffset + 1n;
      }
      resolveOffset(message.offset);
      await heartbeat();
    }
  }
}
