import type { Kafka, Producer } from 'kafkajs';
import type { ConnectionRow } from '../connections/connectionRow.js';
import type { IntervalSummary, RowSink } from '../sinks/rowSink.js';

/** Encodes one interval of one node into the bytes of a telemetry batch. */
export type BatchEncoder = (rows: readonly ConnectionRow[], summary: IntervalSummary, sequence: bigint) => Uint8Array;

export interface KafkaSinkOptions {
  topic: string;
  nodeId: string;
  /** Encoded batches held while Kafka is unreachable; beyond this the oldest are dropped (counted). */
  maxQueuedBytes: number;
}

/**
 * Sends each interval as one batch to Kafka, keyed by node id. Sends are
 * serialized in order (ingest relies on each node's batches arriving in
 * order); while Kafka is down batches wait in a bounded queue and the agent
 * goes on measuring. Rows of dropped batches are counted in `dropped`.
 */
export class KafkaSink implements RowSink {
  private readonly producer: Producer;
  private readonly queue: Array<{ value: Uint8Array; rows: number; second: number }> = [];
  private queuedBytes = 0;
  private sequence = 0n;
  private sending: Promise<void> | null = null;
  private closed = false;
  dropped = 0;
  droppedBatches = 0;
  sentBatches = 0;

  constructor(
    kafka: Kafka,
    private readonly encode: BatchEncoder,
    private readonly options: KafkaSinkOptions,
  ) {
    // Idempotent: a retried send is not written twice.
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 3 } });
  }

  get queuedBatches(): number {
    return this.queue.length;
  }

  async start(): Promise<void> {
    await this.producer.connect().catch(() => undefined); // connects again on the first send
  }

  write(rows: readonly ConnectionRow[], summary: IntervalSummary): void {
    if (this.closed) return;
    this.sequence += 1n;
    const value = this.encode(rows, summary, this.sequence);
    this.queue.push({ value, rows: rows.length, second: Math.floor(summary.ts / 1000) });
    this.queuedBytes += value.length;
    // The batch being sent (the head, while a send is on) is never dropped:
    // it may already be in Kafka, and a drop must mean not delivered.
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
    await this.producer.disconnect().catch(() => undefined);
  }

  private pump(): void {
    if (this.sending) return;
    this.sending = this.sendQueued().finally(() => {
      this.sending = null;
    });
  }

  private async sendQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (!next) break;
      try {
        await this.producer.send({
          topic: this.options.topic,
          acks: -1,
          messages: [{ key: this.options.nodeId, value: Buffer.from(next.value), timestamp: String(next.second * 1000) }],
        });
      } catch {
        // Kafka unreachable: keep the batch, try again shortly (the next write also retries).
        await new Promise((resolve) => setTimeout(resolve, 1000));
        if (this.closed) return;
        continue;
      }
      this.queue.shift();
      this.queuedBytes -= next.value.length;
      this.sentBatches += 1;
    }
  }
}
