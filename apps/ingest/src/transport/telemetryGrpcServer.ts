import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { AuthUnavailable, bearerKey, type IngestAuthenticator, type IngestAuthRefusal } from '../auth/ingestAuth.js';
import { BatchRejected } from '../ingestTypes.js';

const PROTO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../proto/weft/telemetry/v1/ingest_service.proto');

/**
 * What the server does with one batch of `tenant` (the tenant of the key the
 * stream carries): its sequence number once it is taken (and, for a handler
 * that waits for the store, stored). A BatchRejected means the batch is
 * malformed (not retried); any other error is a fault of this side, which
 * the agent answers by sending the batch again.
 */
export type BatchHandler = (batch: Uint8Array, tenant: string) => { sequence: bigint } | Promise<{ sequence: bigint }>;

/** A stream whose key was refused: ends it with UNAUTHENTICATED or PERMISSION_DENIED. */
class AccessRefused extends Error {
  constructor(readonly reason: IngestAuthRefusal) {
    super(
      reason === 'no_ingest_scope'
        ? 'the API key has no ingest scope (an agent needs a key with the ingest scope)'
        : reason === 'missing_key'
          ? 'no API key (send metadata authorization: Bearer <key>; weft agent --key)'
          : 'the API key is unknown, revoked or wrong',
    );
    this.name = 'AccessRefused';
  }

  get code(): grpc.status {
    return this.reason === 'no_ingest_scope' ? grpc.status.PERMISSION_DENIED : grpc.status.UNAUTHENTICATED;
  }
}

/** The name the gRPC server exported first; the same class as the decoder's rejection. */
export { BatchRejected as BatchRejection } from '../ingestTypes.js';

export interface TelemetryGrpcServer {
  /** host:port it listens on. */
  address: string;
  close(): Promise<void>;
}

/** TLS for the listener: the PEM bytes, read by the caller (the CLI reads and checks them at start-up). */
export interface GrpcServerTls {
  /** The server's certificate chain (PEM). */
  cert: Buffer;
  /** Its private key (PEM). */
  key: Buffer;
  /** When given, every agent must present a certificate this CA (PEM) signed (mutual TLS). */
  clientCa?: Buffer;
}

export interface TelemetryGrpcServerOptions {
  /**
   * Who may send: the key in each stream's `authorization: Bearer <key>` metadata, asked for
   * every batch (the authenticator caches). A missing or unknown key ends the stream with
   * UNAUTHENTICATED, a key without the ingest scope with PERMISSION_DENIED, and no batch of it
   * is handled; an authenticator that cannot answer ends it with UNAVAILABLE (the agent retries).
   */
  authenticator: IngestAuthenticator;
  /** Told of every refused stream, by reason (the caller counts them). */
  onAuthRefused?: (reason: IngestAuthRefusal) => void;
  /** TLS; absent: plaintext (the CLI allows that only on loopback or with --grpc-plaintext). */
  tls?: GrpcServerTls;
  /** Told of every server fault that ended a stream (the handler counts them; this is for a log line). */
  onFault?: (err: Error) => void;
  /** How long close() waits for streams to finish before cutting them. */
  closeTimeoutMs?: number;
}

/**
 * The ingest end of the gRPC transport: agents keep a Push stream open and
 * send one encoded batch per interval; each is handed to `handle` at once (a
 * later batch may be what lets an earlier one be released) and acknowledged
 * in the order received, once its handler has settled:
 * - taken: an ack with its sequence;
 * - malformed (BatchRejected): an ack with the reason, the stream goes on;
 *   this is INVALID_ARGUMENT for one message of the stream, told in-band
 *   because a status would end the stream for every batch behind it;
 * - a server fault (the store failed, the pipeline is full, a bug): the
 *   stream ends with UNAVAILABLE; the agent keeps every batch not yet
 *   acknowledged and sends them again on a new stream.
 */
export async function startTelemetryGrpcServer(
  host: string,
  port: number,
  handle: BatchHandler,
  options: TelemetryGrpcServerOptions,
): Promise<TelemetryGrpcServer> {
  const { authenticator } = options;
  // keepCase: the fields are written and read by their proto names (rejected_reason); without it
  // the loader expects camelCase and a snake_case field is silently left out of the message.
  const definition = protoLoader.loadSync(PROTO, { keepCase: true, longs: String, defaults: true });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    weft: { telemetry: { v1: { TelemetryIngestService: { service: grpc.ServiceDefinition } } } };
  };
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  server.addService(loaded.weft.telemetry.v1.TelemetryIngestService.service, {
    Push: (call: grpc.ServerDuplexStream<{ batch: Buffer }, { sequence: string; rejected_reason: string }>) => {
      let acks: Promise<void> = Promise.resolve();
      let ended = false;
      const key = bearerKey(call.metadata.get('authorization')[0]);
      // Batches are handed over in the order received, each once its key is known good: the
      // handler is called from this chain (wrapped, so that its result is not awaited here).
      let intake: Promise<unknown> = Promise.resolve();
      call.on('data', (request: { batch: Buffer }) => {
        const taken = intake.then(async () => {
          const auth = await authenticator.authenticate(key).catch((err: unknown) => {
            throw new AuthUnavailable(err);
          });
          if ('refused' in auth) throw new AccessRefused(auth.refused);
          let handled: Promise<{ sequence: bigint }>;
          try {
            handled = Promise.resolve(handle(request.batch, auth.tenant));
          } catch (err) {
            handled = Promise.reject(err);
          }
          handled.catch(() => undefined);
          return { handled };
        });
        intake = taken.catch(() => undefined);
        const result = taken.then(({ handled }) => handled);
        // Observed below, in order; marked handled now so that a batch failing
        // while an earlier one is still waiting is not an unhandled rejection.
        result.catch(() => undefined);
        acks = acks.then(() =>
          result.then(
            ({ sequence }) => {
              if (!ended) call.write({ sequence: sequence.toString(), rejected_reason: '' });
            },
            (err: unknown) => {
              if (ended) return;
              if (err instanceof BatchRejected) {
                call.write({ sequence: '0', rejected_reason: err.reason });
                return;
              }
              ended = true;
              if (err instanceof AccessRefused) {
                options.onAuthRefused?.(err.reason);
                call.emit('error', { code: err.code, details: err.message });
                return;
              }
              const fault = err instanceof Error ? err : new Error(String(err));
              options.onFault?.(fault);
              call.emit('error', { code: grpc.status.UNAVAILABLE, details: `ingest could not take the batch: ${fault.message}` });
            },
          ),
        );
      });
      call.on('end', () => {
        void acks.then(() => {
          if (ended) return;
          ended = true;
          call.end();
        });
      });
      call.on('cancelled', () => (ended = true));
      // A broken stream is the agent's to reopen; its batches are still queued there.
      call.on('error', () => (ended = true));
    },
  });
  const tls = options.tls;
  const credentials = tls
    ? grpc.ServerCredentials.createSsl(tls.clientCa ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.clientCa !== undefined)
    : grpc.ServerCredentials.createInsecure();
  const bound = await new Promise<number>((done, fail) =>
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, credentials, (err, actual) =>
      err ? fail(err) : done(actual),
    ),
  );
  return {
    address: `${host}:${bound}`,
    close: () =>
      new Promise<void>((done) => {
        // Streams waiting for acks that will never come (their agent is gone) must not hold the shutdown.
        const timer = setTimeout(() => server.forceShutdown(), options.closeTimeoutMs ?? 5_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          done();
        });
      }),
  };
}
