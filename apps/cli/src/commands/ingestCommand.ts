import { Command } from 'commander';
import { ConfigError, parseListenAddress, startMetricsServer } from '@weft/agent';
import { InventoryError, ServiceInventory } from '@weft/ingest';
import { openEdgeStore } from '@weft/store';
import { startClusterNaming, type ClusterOptions } from './clusterNaming.js';
import { kafkaClient, startGrpcIngest, startKafkaIngest } from './scaleOut.js';
import { storeConfigOf, withRetentionOptions, type StoreOptions } from './storeOptions.js';

interface IngestOptions extends ClusterOptions, StoreOptions {
  kafka?: string;
  grpcListen?: string;
  clickhouse?: string;
  dataDir: string;
  inventory?: string;
  metricsAddr: string;
}

export function ingestCommand(): Command {
  return withRetentionOptions(new Command('ingest')
    .description('the ingest tier on Kafka: match both ends of each connection, name them, write ClickHouse (run several: they share the partitions)')
    .option('--kafka <brokers>', 'Kafka brokers, HOST:PORT[,HOST:PORT...]', process.env.WEFT_KAFKA)
    .option('--grpc-listen <host:port>', 'take agents\' batches over gRPC instead of Kafka (one ingest process)', process.env.WEFT_GRPC_LISTEN)
    .option('--clickhouse <url>', 'ClickHouse server URL (http://user:pass@host:8123/db)', process.env.WEFT_CLICKHOUSE)
    .option('--data-dir <dir>', 'embedded ClickHouse data directory, when no --clickhouse', process.env.WEFT_DATA_DIR ?? '.weft/data')
    .option('--kubeconfig <file>', 'name services from this Kubernetes cluster', process.env.WEFT_KUBECONFIG)
    .option('--kube-api <url>', 'name services from a Kubernetes API at this URL (no credentials)', process.env.WEFT_KUBE_API)
    .option('--in-cluster', 'name services from the cluster this runs in (service account)')
    .option('--inventory <file>', 'JSON file naming services by address, port or process', process.env.WEFT_INVENTORY)
    .option('--metrics-addr <host:port>', '/metrics and /healthz', process.env.WEFT_INGEST_METRICS_ADDR ?? '127.0.0.1:9465')
    .action(async (options: IngestOptions) => {
      const say = (message: string): void => void process.stderr.write(`weft ingest: ${message}\n`);
      try {
        if (!options.kafka === !options.grpcListen) {
          throw new ConfigError('give --kafka BROKERS or --grpc-listen HOST:PORT (the embedded, single-process shape is `weft up`)', '--kafka');
        }
        const grpcListen = options.grpcListen ? parseListenAddress(options.grpcListen, '--grpc-listen') : null;
        const metricsAddr = parseListenAddress(options.metricsAddr, '--metrics-addr');
        const inventory = options.inventory ? ServiceInventory.fromFile(options.inventory) : null;
        const cluster = await startClusterNaming(options, say);
        const store = await openEdgeStore(storeConfigOf(options));
        const ingest = grpcListen
          ? await startGrpcIngest(grpcListen.host, grpcListen.port, store, inventory, cluster?.namer ?? null)
          : await startKafkaIngest(kafkaClient(options.kafka as string, 'ingest'), store, inventory, cluster?.namer ?? null);
        const server = await startMetricsServer(ingest.metrics.registry, metricsAddr.host, metricsAddr.port);
        const source = 'address' in ingest ? `gRPC at ${String(ingest.address)}` : `consuming ${options.kafka}`;
        say(`ready: ${source}, writing ${options.clickhouse ?? options.dataDir}; metrics at http://${options.metricsAddr}/metrics`);
        const stop = (): void => {
          say('stopping');
          ingest
            .stop()
            .then(() => store.close())
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
    }));
}
