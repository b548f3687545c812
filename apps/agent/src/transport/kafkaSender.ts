import type { Kafka, Producer } from 'kafkajs';
import type { BatchSender } from './queuedBatchSink.js';

/** The message header that carries the agent's API key (the ingest's decode stage reads it). */
export const KAFKA_KEY_HEADER = 'weft-key';

/**
 * Agent batches to Kafka: topic per stream, key = node id, idempotent
 * producer, the agent's API key in each message's `weft-key` header. The
 * ingest drops (and counts) messages whose key it refuses; Kafka tells the
 * agent nothing of it.
 */
export class KafkaSender implements BatchSender {
  private readonly producer: Producer;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    private readonly nodeId: string,
    /** The API key (ingest scope); never logged. */
    private readonly apiKey: string,
  ) {
    // Idempotent: a retried send is not written twice.
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 3 } });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async send(value: Uint8Array, second: number): Promise<void> {
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: [{ key: this.nodeId, value: Buffer.from(value), timestamp: String(second * 1000), headers: { [KAFKA_KEY_HEADER]: this.apiKey } }],
    });
  }

  close(): Promise<void> {
    return this.producer.disconnect();
  }
}
