import { ApiGrpcListenError, ApiListenError, createApiGrpcMetrics, startApiGrpcServer, startApiServer, type ApiGrpcServer, type ApiServer, type ApiServerOptions } from '@weft/api';
import type { ControlStore } from '@weft/control';
import { ConfigError, type HealthCheck, type ListenAddress } from '@weft/runtime';
import type { EdgeStore } from '@weft/store';

export interface ApiServersOptions {
  /** --api-addr: the REST API. */
  rest: ListenAddress;
  /** --api-grpc-addr: the same operations over gRPC. */
  grpc: ListenAddress;
  /** What /healthz checks. */
  health: HealthCheck[];
  /** Registries /metrics serves besides the API's own (the gRPC API's is added after them). */
  extraRegistries?: NonNullable<ApiServerOptions['extraRegistries']>;
  /** The web app's static export to serve at / (none: the API only). */
  webRoot?: string;
  /** Called once the REST API listens, before the gRPC API starts. */
  onRestListening?: (server: ApiServer) => void;
}

export interface ApiServers {
  rest: ApiServer;
  grpc: ApiGrpcServer;
  /** Closes the gRPC API, then the REST API. */
  close(): Promise<void>;
}

/**
 * The REST API over the store's queries and the control store's keys, then the gRPC API sharing
 * its services (keys, cache, counters), as `weft api` and `weft up` start them. A port that cannot
 * be taken is a ConfigError naming --api-addr or --api-grpc-addr; on any failure what was opened
 * (the REST server, the store, the control store) is closed first.
 */
export async function startApiServers(store: EdgeStore, control: ControlStore, options: ApiServersOptions): Promise<ApiServers> {
  // Made before the REST server, whose /metrics copies the registries it is given.
  const grpcMetrics = createApiGrpcMetrics();
  let rest: ApiServer;
  try {
    rest = await startApiServer(store.queries, control, {
      host: options.rest.host,
      port: options.rest.port,
      extraRegistries: [...(options.extraRegistries ?? []), grpcMetrics.registry],
      health: options.health,
      ...(options.webRoot !== undefined ? { webRoot: options.webRoot } : {}),
    });
  } catch (err) {
    await store.close();
    await control.close();
    if (err instanceof ApiListenError) throw new ConfigError(`--api-addr: ${err.message}`, '--api-addr');
    throw err;
  }
  options.onRestListening?.(rest);
  let grpc: ApiGrpcServer;
  try {
    grpc = await startApiGrpcServer(rest.services, { host: options.grpc.host, port: options.grpc.port, metrics: grpcMetrics });
  } catch (err) {
    await rest.close();
    await store.close();
    await control.close();
    if (err instanceof ApiGrpcListenError) throw new ConfigError(`--api-grpc-addr: ${err.message}`, '--api-grpc-addr');
    throw err;
  }
  return {
    rest,
    grpc,
    close: async () => {
      await grpc.close();
      await rest.close();
    },
  };
}
