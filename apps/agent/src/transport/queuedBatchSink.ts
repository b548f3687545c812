import type { ConnectionRow } from '../connections/connectionRow.js';
import type { IntervalSummary, RowSink } from '../sinks/rowSink.js';
import { SendRefused } from './sendRefused.js';

/** Encodes one interval of one node into the bytes of a telemetry batch. */
export type BatchEncoder = (rows: readonly ConnectionRow[], summary: IntervalSummary, sequence: bigint) => Uint8Array;

/** Delivers one encoded batch; resolves once the far end has it, throws if it could not. */
export interface BatchSender {
  connect(): Promise<void>;
  send(value: Uint8Array, second: number): Promise<void>;
  close(): Promise<void>;
  /**
   * Batches that may be sent before the oldest of them is acknowledged
   * (default 1). More than one only for a sender whose acknowledgements come
   * in the order sent and whose far end drops a batch it already has.
   */
  readonly maxInFlight?: number;
}

export interface QueuedBatchSinkOptions {
  /** Encoded batches held while the far end is unreachable; beyond this the oldest are dropped (counted). */
  maxQueuedBytes: number;
  retryDelayMs: number;
  /**
   * Told when sending starts failing (with why), at most once a minute
   * while it goes on failing, and when batches go through again: not at
   * every retry, which for a CA that does not match or an ingest that is
   * down would fill the log (and the reasons vary from retry to retry).
   */
  log?: (message: string) => void;
}

const FAILURE_LOG_INTERVAL_MS = 60_000;

/** The longest wait between attempts while the far end refuses the key (doubling from retryDelayMs). */
const MAX_REFUSED_DELAY_MS = 60_000;

interface QueuedBatch {
  value: Uint8Array;
  rows: number;
  second: number;
  acknowledged: boolean;
}

/**
 * Sends each interval as one encoded batch through a transport (Kafka,
 * gRPC). Sends go out in order (the ingest relies on each node's batches
 * arriving in order), up to the sender's maxInFlight before the oldest is
 * acknowledged; a batch stays queued until acknowledged. When a send fails,
 * every unacknowledged batch is sent again, in order, after a delay. While
 * the far end is down batches wait in a bounded queue and the agent goes on
 * measuring. The rows of dropped batches are counted in `dropped`.
 */
export class QueuedBatchSink implements RowSink {
  private readonly queue: QueuedBatch[] = [];
  private queuedBytes = 0;
  private sequence = 0n;
  /** The first `inFlight` batches of the queue are sent and not yet acknowledged. */
  private inFlight = 0;
  /** Bumped on each failure: outcomes of sends from before it are stale. */
  private generation = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Since when sends are failing (ms), while they are, and when that was last logged. */
  private failingSince: number | null = null;
  private failureLoggedAt = 0;
  /** Refusals of the key in a row: the wait before the next attempt doubles with each. */
  private refusals = 0;
  private closed = false;
  dropped = 0;
  droppedBatches = 0;
  sentBatches = 0;
  sendFailures = 0;

  constructor(
    private readonly sender: BatchSender,
    private readonly encode: BatchEncoder,
    private readonly options: QueuedBatchSinkOptions,
  ) {}

  get queuedBatches(): number {
    return this.queue.length;
  }

  async start(): Promise<void> {
    // Not fatal: the first send connects again.
    await this.sender.connect().catch(() => undefined);
  }

  write(rows: readonly ConnectionRow[], summary: IntervalSummary): void {
    if (this.closed) return;
    this.sequence += 1n;
    const value = this.encode(rows, summary, this.sequence);
    this.queue.push({ value, rows: rows.length, second: Math.floor(summary.ts / 1000), acknowledged: false });
    this.queuedBytes += value.length;
    // Batches sent and not acknowledged are never dropped: they may already
    // be delivered, and a drop must mean not delivered. The newest is kept.
    while (this.queuedBytes > this.options.maxQueuedBytes && this.queue.length > this.inFlight + 1) {
      const [oldest] = this.queue.splice(this.inFlight, 1);
      if (!oldest) break;
      this.queuedBytes -= oldest.value.length;
      this.dropped += oldest.rows;
      this.droppedBatches += 1;
    }
    this.pump();
  }

  async close(): Promise<void> {
    // Give queued batches a last chance, then stop.
    const deadline = Date.now() + 5_000;
    while (this.queue.length > 0 && Date.now() < deadline) {
      this.pump();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.sender.close().catch(() => undefined);
  }

  private pump(): void {
    if (this.closed || this.retryTimer) return;
    const window = Math.max(1, this.sender.maxInFlight ?? 1);
    while (this.inFlight < window && this.inFlight < this.queue.length) {
      const batch = this.queue[this.inFlight] as QueuedBatch;
      this.inFlight += 1;
      const generation = this.generation;
      this.sender.send(batch.value, batch.second).then(
        () => this.acknowledged(batch),
        (err: unknown) => this.failed(generation, err),
      );
    }
  }

  private acknowledged(batch: QueuedBatch): void {
    if (!this.queue.includes(batch) || batch.acknowledged) return;
    batch.acknowledged = true;
    this.refusals = 0;
    if (this.failingSince !== null) {
      this.options.log?.(`sending telemetry works again after ${Math.round((Date.now() - this.failingSince) / 1000)} s (${this.queue.length} batches queued)`);
      this.failingSince = null;
    }
    // Acknowledgements come in order; should one overtake another, the head waits for its own.
    while (this.queue[0]?.acknowledged) {
      const head = this.queue.shift() as QueuedBatch;
      this.queuedBytes -= head.value.length;
      this.sentBatches += 1;
      if (this.inFlight > 0) this.inFlight -= 1;
    }
    this.pump();
  }

  private failed(generation: number, err: unknown): void {
    // One failure stands for every send of its generation (a broken stream fails them all).
    if (generation !== this.generation || this.closed) return;
    this.generation += 1;
    this.sendFailures += 1;
    const why = err instanceof Error ? err.message : String(err);
    const now = Date.now();
    // A refused key is refused again: back off instead of asking every second.
    const refused = err instanceof SendRefused;
    this.refusals = refused ? this.refusals + 1 : 0;
    const delayMs = refused ? Math.min(MAX_REFUSED_DELAY_MS, this.options.retryDelayMs * 2 ** (this.refusals - 1)) : this.options.retryDelayMs;
    if (this.failingSince === null) {
      const again = refused ? `sent again after ${delayMs} ms, waiting twice as long each time it is refused (up to ${MAX_REFUSED_DELAY_MS} ms)` : `sent again every ${this.options.retryDelayMs} ms`;
      this.options.log?.(`sending telemetry failed: ${why}; batches are kept (up to ${this.options.maxQueuedBytes} bytes) and ${again}`);
      this.failingSince = now;
      this.failureLoggedAt = now;
    } else if (now - this.failureLoggedAt >= FAILURE_LOG_INTERVAL_MS) {
      this.options.log?.(`sending telemetry still failing after ${Math.round((now - this.failingSince) / 1000)} s (${this.queue.length} batches queued): ${why}`);
      this.failureLoggedAt = now;
    }
    this.inFlight = 0;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.pump();
    }, delayMs);
  }
}
