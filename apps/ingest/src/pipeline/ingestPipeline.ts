import { randomUUID } from 'node:crypto';
import { PipelineCore } from '../core/pipelineCore.js';
import { BatchRejected, type BatchOrigin, type EdgeRow, type EdgeWriter, type NodeInterval } from '../ingestTypes.js';
import type { ConnectionMatcher } from '../matching/connectionMatcher.js';
import type { IngestMetrics } from '../metrics/ingestMetrics.js';
import type { EndpointNamer } from '../naming/endpointNamer.js';
import type { ListenerDirectory } from '../naming/listenerDirectory.js';
import { WriteErrorReporter, stderrLog, type StoreWriteError } from '../store/writeErrors.js';
import { WriteHealth } from '../store/writeHealth.js';

export type { EdgeWriter, NodeInterval } from '../ingestTypes.js';

export interface IngestPipelineOptions {
  /** Rows waiting for the store; beyond this the oldest batch is dropped (counted). */
  maxQueuedRows: number;
  /**
   * When writes fall behind, queued batches are written together, up to this
   * many rows per write: each insert has a fixed cost (new parts in edges_1s
   * and both rollups), so a backlog drains in fewer, larger inserts.
   */
  maxRowsPerWrite: number;
  /** Retries of a failed write before its rows are dropped (counted). */
  writeAttempts: number;
  retryDelayMs: number;
  /** Where the one line per kind of write failure goes (default stderr). */
  log?: (line: string) => void;
}

export const DEFAULT_PIPELINE_OPTIONS: IngestPipelineOptions = { maxQueuedRows: 500_000, maxRowsPerWrite: 25_000, writeAttempts: 5, retryDelayMs: 500 };

/**
 * A submitted batch that was not stored: its rows were dropped (the store
 * failed or fell too far behind) or it was not taken. Retryable: the sender
 * keeps the batch and sends it again, and it is then taken anew.
 */
export class BatchNotStored extends Error {
  constructor(
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BatchNotStored';
  }
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

/** Rows of one release, and the submitted batches whose rows are all in it or in a write before it. */
interface QueuedWrite {
  rows: EdgeRow[];
  waiters: Waiter[];
}

/** Submitted batches remembered (stored ones, for duplicates); beyond this the oldest stored are forgotten. */
const MAX_REMEMBERED_BATCHES = 100_000;

/**
 * The embedded ingest: agent intervals in, edge rows out. `tick` (once a
 * second) releases what the matcher is done waiting for, sums it into rows
 * and writes them; writes are serialized and their queue is bounded.
 *
 * Every write carries an idempotency token (unique to this process and
 * write, the same on each retry of it), so an insert that landed but whose
 * answer timed out is not counted twice when retried: the same mechanism as
 * the Kafka path's offset tokens (ClickHouse's insert_deduplication_token).
 *
 * `submit` is `accept` with an acknowledgement: it resolves once every row
 * the batch contributed to is stored, so a sender that keeps a batch until
 * then (the agent over gRPC) loses nothing when a write is dropped.
 */
export class IngestPipeline {
  private readonly core: PipelineCore;
  private readonly queue: QueuedWrite[] = [];
  private queuedRows = 0;
  private writing: Promise<void> | null = null;
  private newestWritten = 0;
  /** Submitted batches whose halves the matcher still holds, with the newest second among them. */
  private awaiting: Array<{ second: number; waiter: Waiter }> = [];
  private readonly batches = new Map<string, { stored: boolean; done: Promise<void> }>();
  private readonly tokenPrefix = `weft-ingest:${randomUUID()}:`;
  private writeNumber = 0;
  private readonly errors: WriteErrorReporter;
  readonly writeHealth = new WriteHealth();

  constructor(
    matcher: ConnectionMatcher,
    namer: EndpointNamer,
    private readonly listeners: ListenerDirectory,
    private readonly writer: EdgeWriter,
    private readonly metrics: IngestMetrics,
    private readonly options: IngestPipelineOptions = DEFAULT_PIPELINE_OPTIONS,
  ) {
    this.core = new PipelineCore(matcher, namer);
    this.errors = new WriteErrorReporter(metrics, options.log ?? stderrLog);
  }

  accept(interval: NodeInterval, nowMs = Date.now()): void {
    const matcher = this.core.matcher;
    this.metrics.batchesIn.inc();
    this.metrics.halvesIn.inc(interval.halves.length);
    for (const listener of interval.listeners) this.listeners.noteListener(interval.tenant, listener, nowMs);
    this.listeners.noteLocalAddresses(interval.tenant, interval.halves);
    const dropped = matcher.counters.pendingDropped;
    this.core.add(interval);
    this.metrics.halvesDropped.inc(matcher.counters.pendingDropped - dropped);
    if (this.core.watermarkAdvanced()) this.tick(nowMs);
  }

  /**
   * Takes a batch and resolves once its rows are stored; rejects with a
   * BatchNotStored (retryable) when they were not, or with a BatchRejected
   * when the store refused them as invalid (sending again would not help).
   * The same batch submitted again (same tenant, node, run and sequence) is not
   * counted again: it shares the first submission's outcome, or resolves at
   * once when that one is stored.
   */
  submit(interval: NodeInterval, origin: BatchOrigin, nowMs = Date.now()): Promise<void> {
    const key = `${interval.tenant}\u0000${interval.nodeId}\u0000${origin.agentRun}\u0000${origin.sequence}`;
    const known = this.batches.get(key);
    if (known) {
      this.metrics.batchesDuplicate.inc();
      return known.done;
    }
    if (this.queuedRows >= this.options.maxQueuedRows) {
      // Not taken: the agent keeps it (bounded there) until the store catches up.
      return Promise.reject(new BatchNotStored('store_behind', `${this.queuedRows} rows are waiting for the store; send this batch again later`));
    }
    let waiter: Waiter | undefined;
    const done = new Promise<void>((resolve, reject) => (waiter = { resolve, reject }));
    const entry = { stored: false, done };
    this.batches.set(key, entry);
    done.then(
      () => {
        entry.stored = true;
        this.forgetStored();
      },
      () => this.batches.delete(key), // not stored: the same batch sent again is taken anew
    );
    let second = interval.second;
    for (const half of interval.halves) if (half.second > second) second = half.second;
    const item = { second, waiter: waiter as Waiter };
    this.awaiting.push(item);
    try {
      this.accept(interval, nowMs);
    } catch (err) {
      this.awaiting = this.awaiting.filter((other) => other !== item);
      item.waiter.reject(new BatchNotStored('internal', `the batch was not taken: ${(err as Error).message}`, { cause: err }));
    }
    return done;
  }

  /** Releases, aggregates and queues a write; `flush` releases everything (shutdown). */
  tick(nowMs = Date.now(), flush = false): void {
    const matcher = this.core.matcher;
    const before = { ...matcher.counters };
    const aggregated = { ...this.core.aggregatorCounters };
    const rows = this.core.releaseRows(flush);
    const after = matcher.counters;
    this.metrics.requestDurationsDropped.inc(this.core.aggregatorCounters.requestDurationsDropped - aggregated.requestDurationsDropped);
    this.metrics.routesFolded.inc(this.core.aggregatorCounters.routesFolded - aggregated.routesFolded);
    this.metrics.matched.inc(after.matched - before.matched);
    this.metrics.unmatched.inc(after.unmatched - before.unmatched);
    this.metrics.connectionsEvicted.inc(after.connectionsEvicted - before.connectionsEvicted);
    this.metrics.connectionsTracked.set(matcher.connectionsTracked);
    this.metrics.pendingHalves.set(matcher.pendingHalves);
    this.listeners.expire(nowMs);
    if (this.newestWritten > 0) this.metrics.lagSeconds.set(Math.max(0, nowMs / 1000 - this.newestWritten));
    // Batches whose every half is now released: their rows are in these rows or queued before them.
    const through = flush ? Number.POSITIVE_INFINITY : this.core.releasedThrough;
    const waiters: Waiter[] = [];
    if (this.awaiting.length > 0) {
      const still: typeof this.awaiting = [];
      for (const item of this.awaiting) {
        if (item.second <= through) waiters.push(item.waiter);
        else still.push(item);
      }
      this.awaiting = still;
    }
    if (rows.length > 0 || waiters.length > 0) this.enqueue(rows, waiters);
  }

  /** Resolves when every queued row has been written (or dropped). */
  async drain(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private enqueue(rows: EdgeRow[], waiters: Waiter[]): void {
    this.queue.push({ rows, waiters });
    this.queuedRows += rows.length;
    while (this.queuedRows > this.options.maxQueuedRows && this.queue.length > 1) {
      const oldest = this.queue.shift() as QueuedWrite;
      this.queuedRows -= oldest.rows.length;
      this.metrics.rowsDropped.inc(oldest.rows.length);
      this.fail(oldest.waiters, new BatchNotStored('store_behind', `${oldest.rows.length} rows dropped: the store fell too far behind`));
    }
    if (!this.writing) this.writing = this.writeQueued().finally(() => (this.writing = null));
  }

  /** The oldest queued write, with the ones behind it while the total stays within maxRowsPerWrite. */
  private takeQueued(): QueuedWrite | undefined {
    const first = this.queue.shift();
    if (!first) return undefined;
    const { rows, waiters } = first;
    for (let next = this.queue[0]; next && rows.length + next.rows.length <= this.options.maxRowsPerWrite; next = this.queue[0]) {
      this.queue.shift();
      for (const row of next.rows) rows.push(row);
      for (const waiter of next.waiters) waiters.push(waiter);
    }
    this.queuedRows -= rows.length;
    return { rows, waiters };
  }

  private async writeQueued(): Promise<void> {
    for (let write = this.takeQueued(); write; write = this.takeQueued()) {
      const { rows, waiters } = write;
      if (rows.length === 0) {
        for (const waiter of waiters) waiter.resolve();
        continue;
      }
      // One token per write, kept across its retries: a retry of an insert
      // that landed is dropped by the store instead of counted again.
      const dedupToken = `${this.tokenPrefix}${++this.writeNumber}`;
      for (let attempt = 1; ; attempt++) {
        const stop = this.metrics.writeSeconds.startTimer();
        try {
          await this.writer.writeEdgeRows(rows, { dedupToken });
          stop();
          this.noteWritten(rows);
          for (const waiter of waiters) waiter.resolve();
          break;
        } catch (err) {
          const failure = this.errors.report(err, `writing ${rows.length} edge rows (attempt ${attempt} of ${this.options.writeAttempts})`);
          this.writeHealth.failure();
          // Rows the store refuses are refused again: not retried, not sent again.
          const final = failure.reason === 'invalid_rows' || attempt >= this.options.writeAttempts;
          if (final) {
            this.metrics.rowsDropped.inc(rows.length);
            this.fail(waiters, failure);
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs * attempt));
        }
      }
    }
  }

  private noteWritten(rows: readonly EdgeRow[]): void {
    this.metrics.rowsWritten.inc(rows.length);
    this.writeHealth.success();
    this.metrics.lastWrite.set(Date.now() / 1000);
    for (const row of rows) this.newestWritten = Math.max(this.newestWritten, row.ts);
  }

  private fail(waiters: readonly Waiter[], cause: StoreWriteError | BatchNotStored): void {
    if (waiters.length === 0) return;
    const err =
      cause instanceof BatchNotStored
        ? cause
        : cause.reason === 'invalid_rows'
          ? new BatchRejected('invalid_rows', cause.message, { cause })
          : new BatchNotStored(cause.reason, cause.message, { cause });
    for (const waiter of waiters) waiter.reject(err);
  }

  private forgetStored(): void {
    if (this.batches.size <= MAX_REMEMBERED_BATCHES) return;
    for (const [key, entry] of this.batches) {
      if (this.batches.size <= MAX_REMEMBERED_BATCHES) break;
      if (entry.stored) this.batches.delete(key);
    }
  }
}
