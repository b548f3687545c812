import type { ConnectionRow } from '../connections/connectionRow.js';
import type { IntervalSummary, RowSink } from '../sinks/rowSink.js';

/** Encodes one interval of one node into the bytes of a telemetry batch. */
export type BatchEncoder = (rows: readonly ConnectionRow[], summary: IntervalSummary, sequence: bigint) => Uint8Array;

/** Delivers one encoded batch; resolves once the far end has it, throws if it could not. */
export interface BatchSender {
  connect(): Promise<void>;
  send(value: Uint8Array, second: number): Promise<void>;
  close(): Promise<void>;
}

export interface QueuedBatchSinkOptions {
  /** Encoded batches held while the far end is unreachable; beyond this the oldest are dropped (counted). */
  maxQueuedBytes: number;
  retryDelayMs: number;
}

/**
 * Sends each interval as one encoded batch through a transport (Kafka,
 * gRPC). Sends are serialized in order (the ingest relies on each node's
 * batches arriving in order); while the far end is down batches wait in a
 * bounded queue and the agent goes on measuring. The rows of dropped batches
 * are counted in `dropped`.
 */
export class QueuedBatchSink implements RowSink {
  private readonly queue: Array<{ value: Uint8Array; rows: number; second: number }> = [];
  private queuedBytes = 0;
  private sequence = 0n;
  private sending: Promise<void> | null = null;
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
    this.queue.push({ value, rows: rows.length, second: Math.floor(summary.ts / 1000) });
    this.queuedBytes += value.length;
    // The batch being sent (the head, while a send is on) is never dropped:
    // it may already be delivered, and a drop must mean not delivered.
    const inFlight = this.sending ? 1 : 0;
    while (this.queuedBytes > this.options.maxQueuedBytes && this.queue.length > inFlight + 1) {
      const [oldest] = this.queue.splice(inFlight, 1);
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
    await this.sending;
    await this.sender.close().catch(() => undefined);
  }

  private pump(): void {
    if (this.sending) return;
    this.sending = this.sendQueued().finally(() => {
      this.sending = null;
    });
  }

  private async sendQueued(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      const next = this.queue[0];
      if (!next) break;
      try {
        await this.sender.send(next.value, next.second);
      } catch {
        this.sendFailures += 1;
        await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs));
        continue;
      }
      this.queue.shift();
      this.queuedBytes -= next.value.length;
      this.sentBatches += 1;
    }
  }
}
