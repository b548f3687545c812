import type { Kafka, Producer } from 'kafkajs';
import type { BatchSender } from './queuedBatchSink.js';

/** Agent batches to Kafka: topic per stream, key = node id, idempotent producer. */
export class KafkaSender implements BatchSender {
  private readonly producer: Producer;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    private readonly nodeId: string,
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
      messages: [{ key: this.nodeId, value: Buffer.from(value), timestamp: String(second * 1000) }],
    });
  }

  close(): Promise<void> {
    return this.producer.disconnect();
  }
}
