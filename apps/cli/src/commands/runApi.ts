import { ConfigError, parseListenAddress, storeHealthCheck } from '@weft/runtime';
import { openEdgeStore } from '@weft/store';
import type { ApiOptions } from './commandOptions.js';
import { openCommandControlStore } from './controlStoreSetup.js';
import { startApiServers } from './startApiServers.js';
import { storeConfigOf } from './storeConfig.js';
import { webRootOf } from './webApp.js';

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
    // REST, then the same operations over gRPC (sharing the REST server's services).
    const webRoot = webRootOf(options.webDir);
    const api = await startApiServers(store, control, {
      rest: addr,
      grpc: grpcAddr,
      health: [storeHealthCheck(store)],
      ...(webRoot !== null ? { webRoot } : {}),
      onRestListening: (server) => say(`API at ${server.url}${webRoot !== null ? ` (and the web map at ${server.url}/)` : ''}`),
    });
    say(`gRPC API at ${api.grpc.address} (weft.api.v1, server reflection on)`);
    const stop = (): void => {
      api.close().then(() => store.close()).then(() => control.close()).then(() => process.exit(0), () => process.exit(1));
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
