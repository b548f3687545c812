import { Command } from 'commander';
import type { IngestOptions } from './commandOptions.js';
import { withRetentionOptions } from './retentionOptions.js';


export function ingestCommand(): Command {
  return withRetentionOptions(new Command('ingest')
    .description('the ingest tier on Kafka: match both ends of each connection, name them, write ClickHouse (run several: they share the partitions)')
    .option('--kafka <brokers>', 'Kafka brokers, HOST:PORT[,HOST:PORT...]', process.env.WEFT_KAFKA)
    .option('--grpc-listen <host:port>', 'take agents\' batches over gRPC instead of Kafka (one ingest process); plaintext only on loopback', process.env.WEFT_GRPC_LISTEN)
    .option('--tls-cert <file>', 'with --grpc-listen: serve TLS with this certificate (PEM; with --tls-key)', process.env.WEFT_TLS_CERT)
    .option('--tls-key <file>', 'with --tls-cert: its private key (PEM)', process.env.WEFT_TLS_KEY)
    .option('--tls-client-ca <file>', 'with --tls-cert: require agents to present a certificate this CA (PEM) signed (mutual TLS)', process.env.WEFT_TLS_CLIENT_CA)
    .option('--grpc-plaintext', 'with --grpc-listen: accept plaintext on an address that is not loopback (without TLS, only loopback is allowed)', ['1', 'true'].includes(process.env.WEFT_GRPC_PLAINTEXT ?? ''))
    .option('--clickhouse <url>', 'ClickHouse server URL (http://user:pass@host:8123/db)', process.env.WEFT_CLICKHOUSE)
    .option('--data-dir <dir>', 'embedded ClickHouse data directory, when no --clickhouse; also where the default control.db is', process.env.WEFT_DATA_DIR ?? '.weft/data')
    .option('--control-db <url|file>', 'tenants and API keys: postgres://... or a SQLite file (default: control.db in --data-dir)', process.env.WEFT_CONTROL_DB)
    .option('--kubeconfig <file>', 'name services from this Kubernetes cluster', process.env.WEFT_KUBECONFIG)
    .option('--kube-api <url>', 'name services from a Kubernetes API at this URL (no credentials)', process.env.WEFT_KUBE_API)
    .option('--in-cluster', 'name services from the cluster this runs in (service account)')
    .option('--inventory <file>', 'JSON file naming services by address, port or process', process.env.WEFT_INVENTORY)
    .option('--metrics-addr <host:port>', '/metrics and /healthz', process.env.WEFT_INGEST_METRICS_ADDR ?? '127.0.0.1:9465')
    .action(async (options: IngestOptions) => {
      // Loaded only now: Kafka, the store and the Kubernetes client stay out of other commands and of --help.
      const { runIngest } = await import('./runIngest.js');
      await runIngest(options);
    }));
}
