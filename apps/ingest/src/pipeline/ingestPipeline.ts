import type { ConnectionHalf, ListenerReport } from '../halves/connectionHalf.js';
import { EdgeAggregator, type EdgeRow } from '../aggregation/edgeAggregator.js';
import type { ConnectionMatcher } from '../matching/connectionMatcher.js';
import type { IngestMetrics } from '../metrics/ingestMetrics.js';
import type { EndpointNamer } from '../naming/endpointNamer.js';
import type { ListenerDirectory } from '../naming/listenerDirectory.js';

/** One agent's interval, decoded. */
export interface NodeInterval {
  nodeId: string;
  second: number;
  halves: ConnectionHalf[];
  listeners: ListenerReport[];
}

/** Where edge rows go (the store). A write either lands whole or throws. */
export interface EdgeWriter {
  writeEdgeRows(rows: readonly EdgeRow[], options?: { dedupToken?: string }): Promise<void>;
}

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
}

export const DEFAULT_PIPELINE_OPTIONS: IngestPipelineOptions = { maxQueuedRows: 500_000, maxRowsPerWrite: 25_000, writeAttempts: 5, retryDelayMs: 500 };

/**
 * The embedded ingest: agent intervals in, edge rows out. `tick` (once a
 * second) releases what the matcher is done waiting for, sums it into rows
 * and writes them; writes are serialized and their queue is bounded.
 */
export class IngestPipeline {
  private readonly aggregator: EdgeAggregator;
  private readonly queue: EdgeRow[][] = [];
  private queuedRows = 0;
  private writing: Promise<void> | null = null;
  private newestWritten = 0;
  private lastMark: number | null = null;

  constructor(
    private readonly matcher: ConnectionMatcher,
    namer: EndpointNamer,
    private readonly listeners: ListenerDirectory,
    private readonly writer: EdgeWriter,
    private readonly metrics: IngestMetrics,
    private readonly options: IngestPipelineOptions = DEFAULT_PIPELINE_OPTIONS,
  ) {
    this.aggregator = new EdgeAggregator(namer);
  }

  accept(interval: NodeInterval, nowMs = Date.now()): void {
    this.metrics.batchesIn.inc();
    this.metrics.halvesIn.inc(interval.halves.length);
    for (const listener of interval.listeners) this.listeners.noteListener(listener, nowMs);
    this.listeners.noteLocalAddresses(interval.halves);
    const dropped = this.matcher.counters.pendingDropped;
    this.matcher.add(interval.nodeId, interval.second, interval.halves);
    this.metrics.halvesDropped.inc(this.matcher.counters.pendingDropped - dropped);
    // Release as soon as the slowest node has moved on, not at the next
    // timer tick: that second is event-to-queryable latency.
    const mark = this.matcher.watermark();
    if (mark !== null && (this.lastMark === null || mark > this.lastMark)) {
      this.lastMark = mark;
      this.tick(nowMs);
    }
  }

  /** Releases, aggregates and queues a write; `flush` releases everything (shutdown). */
  tick(nowMs = Date.now(), flush = false): void {
    const before = { ...this.matcher.counters };
    this.matcher.releaseEach((sample) => this.aggregator.addSample(sample), flush);
    const after = this.matcher.counters;
    this.metrics.matched.inc(after.matched - before.matched);
    this.metrics.unmatched.inc(after.unmatched - before.unmatched);
    this.metrics.connectionsEvicted.inc(after.connectionsEvicted - before.connectionsEvicted);
    this.metrics.connectionsTracked.set(this.matcher.connectionsTracked);
    this.metrics.pendingHalves.set(this.matcher.pendingHalves);
    this.listeners.expire(nowMs);
    if (this.newestWritten > 0) this.metrics.lagSeconds.set(Math.max(0, nowMs / 1000 - this.newestWritten));
    const rows = this.aggregator.take();
    if (rows.length > 0) this.enqueue(rows);
  }

  /** Resolves when every queued row has been written (or dropped). */
  async drain(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private enqueue(rows: EdgeRow[]): void {
    this.queue.push(rows);
    this.queuedRows += rows.length;
    while (this.queuedRows > this.options.maxQueuedRows && this.queue.length > 1) {
      const oldest = this.queue.shift() ?? [];
      this.queuedRows -= oldest.length;
      this.metrics.rowsDropped.inc(oldest.length);
    }
    if (!this.writing) this.writing = this.writeQueued().finally(() => (this.writing = null));
  }

  /** The oldest queued batch, with the ones behind it while the total stays within maxRowsPerWrite. */
  private takeQueued(): EdgeRow[] {
    const rows = this.queue.shift() ?? [];
    for (let next = this.queue[0]; next && rows.length + next.length <= this.options.maxRowsPerWrite; next = this.queue[0]) {
      this.queue.shift();
      for (const row of next) rows.push(row);
    }
    this.queuedRows -= rows.length;
    return rows;
  }

  private async writeQueued(): Promise<void> {
    for (let rows = this.takeQueued(); rows.length > 0; rows = this.takeQueued()) {
      for (let attempt = 1; ; attempt++) {
        const stop = this.metrics.writeSeconds.startTimer();
        try {
          await this.writer.writeEdgeRows(rows);
          stop();
          this.metrics.rowsWritten.inc(rows.length);
          for (const row of rows) this.newestWritten = Math.max(this.newestWritten, row.ts);
          break;
        } catch {
          this.metrics.writeErrors.inc();
          if (attempt >= this.options.writeAttempts) {
            this.metrics.rowsDropped.inc(rows.length);
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs * attempt));
        }
      }
    }
  }
}
