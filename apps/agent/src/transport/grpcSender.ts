import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { BatchSender } from './queuedBatchSink.js';

const PROTO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../proto/weft/telemetry/v1/ingest_service.proto');

interface PushAck {
  sequence: string;
  rejected_reason: string;
}

type PushStream = grpc.ClientDuplexStream<{ batch: Buffer }, PushAck>;

/** The TelemetryIngest service client, loaded from proto/ at run time. */
export function telemetryIngestClient(address: string): grpc.Client & { Push(): PushStream } {
  const definition = protoLoader.loadSync(PROTO, { longs: String, defaults: true });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    weft: { telemetry: { v1: { TelemetryIngestService: new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client & { Push(): PushStream } } } };
  };
  return new loaded.weft.telemetry.v1.TelemetryIngestService(address, grpc.credentials.createInsecure());
}

/**
 * Agent batches over gRPC straight to an ingest (no Kafka): one long-lived
 * Push stream, each batch acknowledged in order. A broken stream fails the
 * batches in flight (the queue sends them again) and is opened anew.
 */
export class GrpcSender implements BatchSender {
  private readonly client: ReturnType<typeof telemetryIngestClient>;
  private stream: PushStream | null = null;
  private readonly waiting: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  rejected = 0;

  constructor(address: string) {
    this.client = telemetryIngestClient(address);
  }

  async connect(): Promise<void> {
    await new Promise<void>((done, fail) =>
      this.client.waitForReady(Date.now() + 5_000, (err) => (err ? fail(err) : done())),
    );
  }

  send(value: Uint8Array): Promise<void> {
    const stream = this.open();
    return new Promise<void>((resolvePush, reject) => {
      this.waiting.push({ resolve: resolvePush, reject });
      stream.write({ batch: Buffer.from(value) });
    });
  }

  async close(): Promise<void> {
    this.stream?.end();
    this.stream = null;
    this.client.close();
  }

  private open(): PushStream {
    if (this.stream) return this.stream;
    const stream = this.client.Push();
    stream.on('data', (ack: PushAck) => {
      // A rejected batch is not retried: it would be rejected again.
      if (ack.rejected_reason) this.rejected += 1;
      this.waiting.shift()?.resolve();
    });
    const fail = (err: Error): void => {
      if (this.stream === stream) this.stream = null;
      for (const waiter of this.waiting.splice(0)) waiter.reject(err);
    };
    stream.on('error', fail);
    stream.on('end', () => fail(new Error('the ingest closed the stream')));
    this.stream = stream;
    return stream;
  }
}
