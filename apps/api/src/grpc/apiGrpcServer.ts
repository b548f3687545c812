/**
 * The gRPC API (weft.api.v1): the REST API's operations, served by @grpc/grpc-js over the same
 * services, with the same keys (metadata `authorization: Bearer <key>`) and scopes, and server
 * reflection so that grpcurl needs no .proto files. It listens on its own port.
 */
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { Counter, Histogram, Registry } from 'prom-client';
import { authorize, GrpcAuthError, type GrpcKeyAuthenticator } from './grpcAuth.js';
import type { GrpcFeature } from './grpcFeature.js';
import { addReflection } from './grpcReflection.js';
import { grpcServiceDefinition } from './grpcServiceDefinition.js';
import { statusOf } from './grpcStatusError.js';

export interface ApiGrpcTls {
  /** The server's certificate chain (PEM). */
  cert: Buffer;
  /** Its private key (PEM). */
  key: Buffer;
}

export interface ApiGrpcServerOptions {
  host: string;
  /** 0: any free port (see ApiGrpcServer.port). */
  port: number;
  /** Absent: plaintext (the CLI allows that on loopback, as for the ingest's listener). */
  tls?: ApiGrpcTls;
  /** Where a call that failed on the server's side is told, with its cause. Default: console.error. */
  log?: (line: string) => void;
  /** How long close() lets calls in flight finish before cutting them. */
  closeTimeoutMs?: number;
}

export interface ApiGrpcServer {
  /** host:port it listens on. */
  address: string;
  port: number;
  /** weft_api_grpc_* metrics, for the REST API's /metrics (startApiServer's extraRegistries). */
  metrics: Registry;
  close(): Promise<void>;
}

export class ApiGrpcListenError extends Error {}

const NAME_OF_CODE = Object.fromEntries(Object.entries(grpc.status).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v, k])) as Record<number, string>;

export async function startApiGrpcServer(features: readonly GrpcFeature[], authenticator: GrpcKeyAuthenticator, options: ApiGrpcServerOptions): Promise<ApiGrpcServer> {
  const log = options.log ?? ((line: string) => console.error(line));
  const metrics = new Registry();
  const calls = new Counter({ name: 'weft_api_grpc_requests_total', help: 'gRPC API calls by method and status code', labelNames: ['method', 'code'] as const, registers: [metrics] });
  const authFailures = new Counter({ name: 'weft_api_grpc_auth_failures_total', help: 'gRPC API calls refused by the key check, by reason', labelNames: ['reason'] as const, registers: [metrics] });
  const latency = new Histogram({ name: 'weft_api_grpc_request_seconds', help: 'gRPC API call latency by method', labelNames: ['method'] as const, registers: [metrics], buckets: [0.005, 0.01, 0.05, 0.1, 0.3, 1, 3] });

  const server = new grpc.Server();
  for (const feature of features) {
    const definition = grpcServiceDefinition(feature.service);
    const implementation: grpc.UntypedServiceImplementation = {};
    for (const method of feature.service.methods) {
      const handler = feature.handlers[method.localName];
      // A method without a handler would answer UNIMPLEMENTED forever: refuse to start instead.
      if (handler === undefined) throw new Error(`${feature.service.typeName}/${method.name} has no handler`);
      const name = `${feature.service.typeName}/${method.name}`;
      const serve: grpc.handleUnaryCall<unknown, unknown> = (call, callback) => {
        const stop = latency.startTimer({ method: name });
        const finish = (code: grpc.status): void => {
          stop();
          calls.inc({ method: name, code: NAME_OF_CODE[code] ?? String(code) });
        };
        void (async () => {
          const caller = await authorize(authenticator, call.metadata, feature.scope);
          const answer = await handler(call.request as never, caller);
          return create(method.output, answer as never);
        })().then(
          (message) => {
            finish(grpc.status.OK);
            callback(null, message);
          },
          (error: unknown) => {
            if (error instanceof GrpcAuthError) authFailures.inc({ reason: error.reason });
            const status = statusOf(error, feature.fieldNames);
            if (status.internal) log(`weft api: gRPC ${name} failed (${NAME_OF_CODE[status.code]}): ${describe(error)}`);
            finish(status.code);
            const trailers = new grpc.Metadata();
            for (const [key, value] of Object.entries(status.trailers)) trailers.set(key, value);
            callback({ code: status.code, details: status.details, metadata: trailers });
          },
        );
      };
      implementation[method.localName] = serve;
    }
    server.addService(definition, implementation);
  }
  addReflection(server, features.map((f) => f.service));

  const credentials = options.tls
    ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: options.tls.cert, private_key: options.tls.key }], false)
    : grpc.ServerCredentials.createInsecure();
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host;
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => server.bindAsync(`${hostPart}:${options.port}`, credentials, (err, bound) => (err ? reject(err) : resolve(bound))));
  } catch (err) {
    server.forceShutdown();
    throw new ApiGrpcListenError(`cannot listen on ${hostPart}:${options.port} (gRPC API): ${(err as Error).message}`, { cause: err });
  }
  return {
    address: `${hostPart}:${port}`,
    port,
    metrics,
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), options.closeTimeoutMs ?? 5_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/** An error with its chain of causes, for the log. */
function describe(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join('\n  caused by: ');
}
