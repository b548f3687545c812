import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { PartitionProcessor } from '../core/partitionProcessor.js';
import type { EdgeWriter, HalvesCodec } from '../ingestTypes.js';
import type { IngestMetrics } from '../metrics/ingestMetrics.js';
import type { EndpointNamer } from '../naming/endpointNamer.js';
import type { ListenerDirectory } from '../naming/listenerDirectory.js';
import { DEFAULT_MATCHER_OPTIONS, type ConnectionMatcherOptions } from '../matching/connectionMatcher.js';
import { WriteErrorReporter, stderrLog } from '../store/writeErrors.js';
import { WriteHealth } from '../store/writeHealth.js';
import { StageRecovery, type StageRecoveryOptions } from './stageRecovery.js';

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
  /**
   * Attempts at taking an assignment (fetching committed offsets) before the
   * stage is rebuilt, and the delay before the first retry (doubled each
   * time). Kept short: batches of the new partitions wait meanwhile, and the
   * group's session runs on.
   */
  assignAttempts?: number;
  assignRetryDelayMs?: number;
  /** Where the one line per kind of failure goes (default stderr). */
  log?: (line: string) => void;
  /** The rebuild's backoff (tests shorten it). */
  recovery?: Partial<StageRecoveryOptions>;
}

/** Thrown when an assignment could not be taken after every attempt: the stage is rebuilt. */
export class AssignmentFailed extends Error {
  constructor(partitions: readonly number[], attempts: number, cause: unknown) {
    super(`could not take partitions ${partitions.join(',')} after ${attempts} attempts: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'AssignmentFailed';
  }
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
  /** Set when an assignment could not be taken: batches wait for the rebuild instead of being skipped. */
  private failed: AssignmentFailed | null = null;
  private readonly errors: WriteErrorReporter;
  private readonly log: (line: string) => void;
  readonly writeHealth = new WriteHealth();

  constructor(
    private readonly kafka: Kafka,
    private readonly codec: HalvesCodec,
    private readonly namer: EndpointNamer,
    private readonly listeners: ListenerDirectory,
    private readonly writer: EdgeWriter,
    private readonly metrics: IngestMetrics,
    private readonly options: MatchStageOptions,
  ) {
    this.log = options.log ?? stderrLog;
    this.errors = new WriteErrorReporter(metrics, this.log);
    this.recovery = new StageRecovery({ name: 'match', open: () => this.open(), close: () => this.close() }, metrics, { log: this.log, ...options.recovery });
  }

  /** For /healthz. */
  get state(): { joined: boolean; rebuilding: boolean } {
    return this.recovery.state;
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
    this.failed = null;
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
      // Never swallowed: a partition left without state would be skipped
      // forever. Retried; failing that, the stage is rebuilt (counted).
      this.assignment = this.assignment.then(() => this.assignWithRetry(consumer, admin, assigned)).catch((err: unknown) => this.failStage(err));
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

  /** assign(), retried with backoff; each failed attempt counted. Throws an AssignmentFailed after the last one. */
  private async assignWithRetry(consumer: Consumer, admin: Admin, assigned: number[]): Promise<void> {
    const attempts = this.options.assignAttempts ?? 4;
    let delay = this.options.assignRetryDelayMs ?? 250;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.assign(consumer, admin, assigned);
        return;
      } catch (err) {
        this.metrics.partitionAssignFailures.inc();
        if (attempt >= attempts) throw new AssignmentFailed(assigned, attempts, err);
        if (attempt === 1) this.log(`match stage: taking partitions ${assigned.join(',')} failed (${(err as Error).message}); retrying`);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay *= 2;
      }
    }
  }

  /** Gives up on this consumer loudly: logged, and rebuilt by the stage recovery (weft_ingest_stage_restarts_total). */
  private failStage(err: unknown): void {
    const failure = err instanceof AssignmentFailed ? err : new AssignmentFailed(this.assigned, 1, err);
    this.failed = failure;
    this.partitions.clear();
    this.recovery.restart(failure);
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
    // The stage is being rebuilt: nothing of this consumer is processed or committed.
    if (this.failed) return;
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
      for (const listener of decoded.listeners) this.listeners.noteListener(decoded.tenant, listener, Date.now());
      this.listeners.noteLocalAddresses(decoded.tenant, decoded.halves);
      if (offset === state.liveFrom) state.processor.startBlockAt(offset);
      const before = { ...state.processor.counters };
      const aggregated = { ...state.processor.aggregatorCounters };
      const block = state.processor.handle(
        { offset, agentRun: decoded.agentRun, sequence: decoded.sequence, interval: { tenant: decoded.tenant, nodeId: decoded.nodeId, second: decoded.second, halves: decoded.halves, listeners: decoded.listeners } },
        warmUp,
      );
      if (!warmUp) {
        const after = state.processor.counters;
        this.metrics.matched.inc(after.matched - before.matched);
        this.metrics.unmatched.inc(after.unmatched - before.unmatched);
        this.metrics.requestDurationsDropped.inc(state.processor.aggregatorCounters.requestDurationsDropped - aggregated.requestDurationsDropped);
        this.metrics.routesFolded.inc(state.processor.aggregatorCounters.routesFolded - aggregated.routesFolded);
      }
      if (block) {
        if (block.rows.length > 0) {
          const stop = this.metrics.writeSeconds.startTimer();
          try {
            await this.writer.writeEdgeRows(block.rows, { dedupToken: block.dedupToken });
          } catch (err) {
            // Start the partition over from its last commit, as a new owner
            // would: the replay cuts the same block and writes it again.
            this.errors.report(err, `match stage, partition ${batch.partition}: writing ${block.rows.length} edge rows (the partition is replayed from its last commit)`);
            this.writeHealth.failure();
            this.partitions.delete(batch.partition);
            await new Promise((resolve) => setTimeout(resolve, 1000));
            this.assignment = this.assignment.then(() => this.assignWithRetry(consumer, admin, this.assigned)).catch((failure: unknown) => this.failStage(failure));
            await this.assignment;
            return;
          }
          stop();
          this.metrics.rowsWritten.inc(block.rows.length);
          this.writeHealth.success();
          this.metrics.lastWrite.set(Date.now() / 1000);
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
