import { InventoryError, ServiceInventory } from '@weft/ingest';
import { ConfigError, parseListenAddress, startMetricsServer, storeHealthCheck } from '@weft/runtime';
import { openEdgeStore } from '@weft/store';
import { startClusterNaming } from './clusterNaming.js';
import { controlAuthenticator, openCommandControlStore } from './controlStoreSetup.js';
import type { IngestOptions } from './commandOptions.js';
import { listenerTlsOf } from './grpcTls.js';
import { kafkaClient } from './kafkaClient.js';
import { startGrpcIngest, startKafkaIngest } from './scaleOut.js';
import { storeConfigOf } from './storeConfig.js';

/** The ingest tier: agents' batches from Kafka or gRPC, matched, named and written to the store. */
export async function runIngest(options: IngestOptions): Promise<void> {
  const say = (message: string): void => void process.stderr.write(`weft ingest: ${message}\n`);
  try {
    if (!options.kafka === !options.grpcListen) {
      throw new ConfigError('give --kafka BROKERS or --grpc-listen HOST:PORT (the embedded, single-process shape is `weft up`)', '--kafka');
    }
    const grpcListen = options.grpcListen ? parseListenAddress(options.grpcListen, '--grpc-listen') : null;
    // Before anything is opened: a plaintext listener off loopback or a bad certificate file stops here.
    const tls = listenerTlsOf(grpcListen, options);
    const metricsAddr = parseListenAddress(options.metricsAddr, '--metrics-addr');
    const inventory = options.inventory ? ServiceInventory.fromFile(options.inventory) : null;
    // Agents' keys are checked against it: opened first, so a database that cannot be reached stops start-up.
    const control = await openCommandControlStore(options.controlDb, options.dataDir);
    say(`API keys from ${control.location}`);
    const authenticator = controlAuthenticator(control);
    const cluster = await startClusterNaming(options, say);
    const store = await openEdgeStore(storeConfigOf(options));
    const ingest = grpcListen
      ? await startGrpcIngest(grpcListen.host, grpcListen.port, store, inventory, cluster?.namer ?? null, authenticator, tls)
      : await startKafkaIngest(kafkaClient(options.kafka as string, 'ingest'), store, inventory, cluster?.namer ?? null, authenticator);
    const server = await startMetricsServer(ingest.metrics.registry, metricsAddr.host, metricsAddr.port, [storeHealthCheck(store), ...ingest.health]);
    const source = 'address' in ingest ? `gRPC at ${String(ingest.address)} (${tls ? (tls.clientCa ? 'mutual TLS' : 'TLS') : 'plaintext'})` : `consuming ${options.kafka}`;
    say(`ready: ${source}, writing ${options.clickhouse ?? options.dataDir}; metrics at http://${options.metricsAddr}/metrics`);
    const stop = (): void => {
      say('stopping');
      ingest
        .stop()
        .then(() => store.close())
        .then(() => control.close())
        .then(() => cluster?.stop())
        .then(() => server.close())
        .then(() => process.exit(0), () => process.exit(1));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof InventoryError) {
      say(err.message);
      process.exit(2);
    }
    throw err;
  }
}
