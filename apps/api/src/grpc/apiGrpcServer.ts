/**
 * The gRPC API (weft.api.v1): the REST API's operations, served by @grpc/grpc-js over the same
 * services, with the same keys (metadata `authorization: Bearer <key>`) and scopes, and server
 * reflection so that grpcurl needs no .proto files. It listens on its own port.
 */
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import type { Registry } from 'prom-client';
import type { ApiServices } from '../apiServices.js';
import { FailureLog } from '../errors/failureLog.js';
import { adminFeature } from './adminFeature.js';
import { createApiGrpcMetrics, type ApiGrpcMetrics } from './apiGrpcMetrics.js';
import { changesFeature } from './changesFeature.js';
import { edgesFeature } from './edgesFeature.js';
import { authorizeCall } from './grpcAuth.js';
import type { GrpcFeature } from './grpcFeature.js';
import { mapFeature } from './mapFeature.js';
import { servicesFeature } from './servicesFeature.js';
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
  /** Absent: plaintext, as the REST API is served (keys then travel in the clear: keep it on loopback or behind TLS). */
  tls?: ApiGrpcTls;
  /** Where a call that failed on the server's side is told, with its cause. Default: console.error. */
  log?: (line: string) => void;
  /** How long close() lets calls in flight finish before cutting them. */
  closeTimeoutMs?: number;
  /**
   * Where calls are counted: createApiGrpcMetrics(), whose registry can be one of startApiServer's
   * extraRegistries so /metrics serves them. Default: metrics of its own (ApiGrpcServer.metrics).
   */
  metrics?: ApiGrpcMetrics;
}

export interface ApiGrpcServer {
  /** host:port it listens on. */
  address: string;
  port: number;
  /** Where the weft_api_grpc_* metrics are (options.metrics' when given). */
  metrics: Registry;
  close(): Promise<void>;
}

export class ApiGrpcListenError extends Error {}

const NAME_OF_CODE = Object.fromEntries(Object.entries(grpc.status).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v, k])) as Record<number, string>;

/** Every weft.api.v1 service, each over the REST API's service of the same feature. */
export function apiGrpcFeatures(services: ApiServices): GrpcFeature[] {
  return [
    mapFeature(services.map),
    servicesFeature(services.services),
    edgesFeature(services.edges),
    changesFeature(services.changes),
    adminFeature(services.keys, services.tenants),
  ];
}

/**
 * Serves the API's services over gRPC. Refused keys are counted by `services.authorization`
 * (weft_api_auth_failures_total{transport="grpc"}); calls by method and code in `metrics`.
 */
export async function startApiGrpcServer(services: ApiServices, options: ApiGrpcServerOptions): Promise<ApiGrpcServer> {
  return serveGrpcFeatures(apiGrpcFeatures(services), services.authorization, options);
}

export async function serveGrpcFeatures(features: readonly GrpcFeature[], authorization: ApiServices['authorization'], options: ApiGrpcServerOptions): Promise<ApiGrpcServer> {
  const log = options.log ?? ((line: string) => console.error(line));
  const { registry: metrics, calls, latency } = options.metrics ?? createApiGrpcMetrics();

  const failureLog = new FailureLog(log);
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
          const caller = await authorizeCall(authorization, call.metadata, feature.scope);
          const answer = await handler(call.request as never, caller);
          return create(method.output, answer as never);
        })().then(
          (message) => {
            finish(grpc.status.OK);
            callback(null, message);
          },
          (error: unknown) => {
            const status = statusOf(error, feature.fieldNames);
            if (status.internal) failureLog.note(`gRPC ${name} ${NAME_OF_CODE[status.code] ?? status.code}`, error);
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
