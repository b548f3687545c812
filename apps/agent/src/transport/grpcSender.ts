import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { BatchSender } from './queuedBatchSink.js';
import { SendRefused } from './sendRefused.js';

const PROTO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../proto/weft/telemetry/v1/ingest_service.proto');

interface PushAck {
  sequence: string;
  rejected_reason: string;
}

type PushStream = grpc.ClientDuplexStream<{ batch: Buffer }, PushAck>;

/** TLS to the ingest: the PEM bytes, read by the caller (the CLI reads them at start-up). */
export interface GrpcClientTls {
  /** The CA (PEM, one or more certificates) that signed the ingest's certificate; the only CA trusted. */
  ca: Buffer;
  /** The name the ingest's certificate must carry, instead of the host of the address. */
  serverName?: string;
  /** A client certificate and its key (PEM), for an ingest that requires them (mutual TLS). */
  cert?: Buffer;
  key?: Buffer;
}

export interface GrpcSenderOptions {
  /** TLS to the ingest; null or absent: plaintext (the CLI allows that only to loopback or with --grpc-plaintext). */
  tls?: GrpcClientTls | null;
  /**
   * The API key (ingest scope) sent as `authorization: Bearer <key>` on every stream. Without
   * one the ingest refuses the stream. Never logged.
   */
  key?: string;
}

function channelOf(tls: GrpcClientTls | null | undefined): { credentials: grpc.ChannelCredentials; options: grpc.ChannelOptions } {
  if (!tls) return { credentials: grpc.credentials.createInsecure(), options: {} };
  return {
    credentials: grpc.credentials.createSsl(tls.ca, tls.key ?? null, tls.cert ?? null),
    // The name checked against the certificate, and the :authority sent.
    options: tls.serverName ? { 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName } : {},
  };
}

/** The TelemetryIngest service client, loaded from proto/ at run time. */
export function telemetryIngestClient(address: string, tls?: GrpcClientTls | null): grpc.Client & { Push(metadata?: grpc.Metadata): PushStream } {
  // keepCase: the fields are written and read by their proto names (rejected_reason); without it
  // the loader expects camelCase and a snake_case field is silently left out of the message.
  const definition = protoLoader.loadSync(PROTO, { keepCase: true, longs: String, defaults: true });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    weft: { telemetry: { v1: { TelemetryIngestService: new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => grpc.Client & { Push(metadata?: grpc.Metadata): PushStream } } } };
  };
  const channel = channelOf(tls);
  return new loaded.weft.telemetry.v1.TelemetryIngestService(address, channel.credentials, channel.options);
}

/**
 * Agent batches over gRPC straight to an ingest (no Kafka): one long-lived
 * Push stream, each batch acknowledged in order once the ingest has stored
 * its rows. A batch the ingest refuses as malformed (an ack with a reason,
 * or the stream ended with INVALID_ARGUMENT at it) is counted in `rejected`
 * and not sent again: it would be refused again. Any other failure (the
 * stream ended with UNAVAILABLE or any other status, or broke) fails the
 * batches in flight; the queue keeps them and sends them again, and the
 * stream is opened anew. With TLS (options.tls) an ingest whose certificate
 * the CA did not sign, or that does not carry the expected name, is never
 * sent a batch: every send fails like an unreachable ingest, and the queue
 * keeps the batches.
 */
export class GrpcSender implements BatchSender {
  /**
   * The ingest acknowledges a batch only once the rows it contributed are
   * stored, which takes the matching window and, while a node is silent, up
   * to the ingest's node silence (60 s of event time, which only this and the
   * other agents' later batches move on): the agent must run that far ahead
   * of its acknowledgements, with room to spare.
   */
  readonly maxInFlight = 300;
  private readonly client: ReturnType<typeof telemetryIngestClient>;
  private stream: PushStream | null = null;
  private readonly waiting: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  rejected = 0;
  /** Why the last refused batch was refused. */
  lastRejectedReason = '';

  private readonly metadata = new grpc.Metadata();

  constructor(address: string, options: GrpcSenderOptions = {}) {
    this.client = telemetryIngestClient(address, options.tls);
    if (options.key) this.metadata.set('authorization', `Bearer ${options.key}`);
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
    const stream = this.stream;
    this.stream = null;
    stream?.end();
    // Batches still waiting for their acknowledgement stay unconfirmed: cut the call, do not wait for it.
    stream?.cancel();
    for (const waiter of this.waiting.splice(0)) waiter.reject(new Error('closed before the ingest acknowledged the batch'));
    this.client.close();
  }

  private refused(reason: string): void {
    this.rejected += 1;
    this.lastRejectedReason = reason;
  }

  private open(): PushStream {
    if (this.stream) return this.stream;
    const stream = this.client.Push(this.metadata);
    stream.on('data', (ack: PushAck) => {
      // A rejected batch is not retried: it would be rejected again.
      if (ack.rejected_reason) this.refused(ack.rejected_reason);
      this.waiting.shift()?.resolve();
    });
    const fail = (err: Error): void => {
      if (this.stream !== stream) return;
      this.stream = null;
      // Refused by status: the ingest stops at the batch it refuses, so that
      // is the oldest one not acknowledged.
      if ((err as Partial<grpc.ServiceError>).code === grpc.status.INVALID_ARGUMENT) {
        this.refused((err as grpc.ServiceError).details || 'invalid_argument');
        this.waiting.shift()?.resolve();
      }
      const refusal = refusalOf(err);
      for (const waiter of this.waiting.splice(0)) waiter.reject(refusal ?? err);
    };
    stream.on('error', fail);
    stream.on('end', () => fail(new Error('the ingest closed the stream')));
    this.stream = stream;
    return stream;
  }
}

/** The ingest's refusal of the key, as a SendRefused the queue backs off from; null for any other failure. */
function refusalOf(err: Error): SendRefused | null {
  const { code, details } = err as Partial<grpc.ServiceError>;
  if (code === grpc.status.UNAUTHENTICATED) {
    return new SendRefused('unauthenticated', `the ingest refused this agent's API key (UNAUTHENTICATED: ${details ?? err.message}); give a key with the ingest scope (--key or WEFT_AGENT_KEY)`, { cause: err });
  }
  if (code === grpc.status.PERMISSION_DENIED) {
    return new SendRefused('permission_denied', `the ingest refused this agent's API key (PERMISSION_DENIED: ${details ?? err.message}); the key needs the ingest scope`, { cause: err });
  }
  return null;
}
