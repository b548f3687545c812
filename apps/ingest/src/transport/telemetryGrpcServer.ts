import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../proto/weft/telemetry/v1/ingest_service.proto');

/** What the server does with one batch: its sequence number, or a thrown rejection with a reason. */
export type BatchHandler = (batch: Uint8Array) => { sequence: bigint };

export class BatchRejection extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface TelemetryGrpcServer {
  /** host:port it listens on. */
  address: string;
  close(): Promise<void>;
}

/**
 * The ingest end of the gRPC transport: agents keep a Push stream open and
 * send one encoded batch per interval; each is handed to `handle` and
 * acknowledged (or rejected with a reason) in order.
 */
export async function startTelemetryGrpcServer(host: string, port: number, handle: BatchHandler): Promise<TelemetryGrpcServer> {
  const definition = protoLoader.loadSync(PROTO, { longs: String, defaults: true });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    weft: { telemetry: { v1: { TelemetryIngestService: { service: grpc.ServiceDefinition } } } };
  };
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  server.addService(loaded.weft.telemetry.v1.TelemetryIngestService.service, {
    Push: (call: grpc.ServerDuplexStream<{ batch: Buffer }, { sequence: string; rejected_reason: string }>) => {
      call.on('data', (request: { batch: Buffer }) => {
        try {
          const { sequence } = handle(request.batch);
          call.write({ sequence: sequence.toString(), rejected_reason: '' });
        } catch (err) {
          call.write({ sequence: '0', rejected_reason: err instanceof BatchRejection ? err.reason : 'malformed' });
        }
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
  });
  const bound = await new Promise<number>((done, fail) =>
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, actual) =>
      err ? fail(err) : done(actual),
    ),
  );
  return {
    address: `${host}:${bound}`,
    close: () => new Promise<void>((done) => server.tryShutdown(() => done())),
  };
}
