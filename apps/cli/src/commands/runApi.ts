import { ApiGrpcListenError, ApiListenError, createApiGrpcMetrics, startApiGrpcServer, startApiServer } from '@weft/api';
import { ConfigError, parseListenAddress, storeHealthCheck } from '@weft/runtime';
import { openEdgeStore } from '@weft/store';
import type { ApiOptions } from './commandOptions.js';
import { openCommandControlStore } from './controlStoreSetup.js';
import { storeConfigOf } from './storeConfig.js';

/** The REST API over the store. */
export async function runApi(options: ApiOptions): Promise<void> {
  const say = (message: string): void => void process.stderr.write(`weft api: ${message}\n`);
  try {
    const addr = parseListenAddress(options.apiAddr, '--api-addr');
    const grpcAddr = parseListenAddress(options.apiGrpcAddr, '--api-grpc-addr');
    // Tenants and keys: the API asks for a key on every request.
    const control = await openCommandControlStore(options.controlDb, options.dataDir);
    say(`API keys from ${control.location}`);
    const store = await openEdgeStore(storeConfigOf(options));
    let server;
    // Made before the REST server, whose /metrics copies the registries it is given.
    const grpcMetrics = createApiGrpcMetrics();
    try {
      server = await startApiServer(store.queries, control, { host: addr.host, port: addr.port, health: [storeHealthCheck(store)], extraRegistries: [grpcMetrics.registry] });
    } catch (err) {
      await store.close();
      await control.close();
      if (err instanceof ApiListenError) throw new ConfigError(`--api-addr: ${err.message}`, '--api-addr');
      throw err;
    }
    say(`API at ${server.url}`);
    // The same operations over gRPC, sharing the REST server's services (keys, cache, counters).
    let grpcApi;
    try {
      grpcApi = await startApiGrpcServer(server.services, { host: grpcAddr.host, port: grpcAddr.port, metrics: grpcMetrics });
    } catch (err) {
      await server.close();
      await store.close();
      await control.close();
      if (err instanceof ApiGrpcListenError) throw new ConfigError(`--api-grpc-addr: ${err.message}`, '--api-grpc-addr');
      throw err;
    }
    say(`gRPC API at ${grpcApi.address} (weft.api.v1, server reflection on)`);
    const stop = (): void => {
      grpcApi.close().then(() => server.close()).then(() => store.close()).then(() => control.close()).then(() => process.exit(0), () => process.exit(1));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (err) {
    if (err instanceof ConfigError) {
      say(err.message);
      process.exit(2);
    }
    throw err;
  }
}
