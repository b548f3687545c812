import { hostname } from 'node:os';
import { Command } from 'commander';
import type { UpOptions } from './commandOptions.js';
import { withRetentionOptions } from './retentionOptions.js';


const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function upCommand(): Command {
  return withRetentionOptions(new Command('up')
    .description('run Weft on this machine: agent, ingest, store and API in one process (no configuration needed)')
    .option('--data-dir <dir>', 'where the embedded ClickHouse keeps its data', process.env.WEFT_DATA_DIR ?? '.weft/data')
    .option('--api-addr <host:port>', 'where the API listens', process.env.WEFT_API_ADDR ?? '127.0.0.1:8080')
    .option('--api-grpc-addr <host:port>', 'where the gRPC API (weft.api.v1, with server reflection) listens', process.env.WEFT_API_GRPC_ADDR ?? '127.0.0.1:7071')
    .option('--control-db <url|file>', 'tenants and API keys: postgres://... or a SQLite file (default: control.db in --data-dir)', process.env.WEFT_CONTROL_DB)
    .option('--kafka <brokers>', 'carry telemetry through Kafka (HOST:PORT[,...]) instead of in process: the scaled-out shape on one machine', process.env.WEFT_KAFKA)
    .option('--grpc-listen <host:port>', 'also take batches from agents on other nodes (`weft agent --grpc`) into this process; plaintext only on loopback', process.env.WEFT_GRPC_LISTEN)
    .option('--tls-cert <file>', 'with --grpc-listen: serve TLS with this certificate (PEM; with --tls-key)', process.env.WEFT_TLS_CERT)
    .option('--tls-key <file>', 'with --tls-cert: its private key (PEM)', process.env.WEFT_TLS_KEY)
    .option('--tls-client-ca <file>', 'with --tls-cert: require agents to present a certificate this CA (PEM) signed (mutual TLS)', process.env.WEFT_TLS_CLIENT_CA)
    .option('--grpc-plaintext', 'with --grpc-listen: accept plaintext on an address that is not loopback (without TLS, only loopback is allowed)', ['1', 'true'].includes(process.env.WEFT_GRPC_PLAINTEXT ?? ''))
    .option('--clickhouse <url>', 'a ClickHouse server instead of the embedded store (http://user:pass@host:8123/db)', process.env.WEFT_CLICKHOUSE)
    .option('--kubeconfig <file>', 'name services from this Kubernetes cluster', process.env.WEFT_KUBECONFIG)
    .option('--kube-api <url>', 'name services from a Kubernetes API at this URL (no credentials)', process.env.WEFT_KUBE_API)
    .option('--in-cluster', 'name services from the cluster this runs in (service account)')
    .option('--inventory <file>', 'JSON file naming services by address, port or process (see README)', process.env.WEFT_INVENTORY)
    .option('--node-id <id>', 'this node\'s name in the map', process.env.WEFT_NODE_ID ?? hostname())
    .option('--netns <name>', 'only sockets of this network namespace; repeatable', collect, [])
    .option('--conntrack-netns <name>', 'undo NAT from the conntrack table of this network namespace instead of this process\'s own; repeatable', collect, [])
    .option('--traffic-path <path>', 'how the agent counts bytes (auto, counters, tracepoint, fentry, kprobe)')
    .option('--duration <seconds>', 'stop after this long')
    .option('--web-dir <dir>', 'the web app to serve at / (a static export; default: this checkout\'s apps/web/out, built by scripts/setup.sh)', process.env.WEFT_WEB_DIR)
    .option('--demo', 'build the demo shop on this machine and map it, as `weft demo` does (its own data in .weft/demo unless --data-dir is given)')
    .action(async (options: UpOptions & { demo?: boolean }, command: Command) => {
      // Loaded only now: the store, ingest, API and agent stay out of other commands and of --help.
      if (options.demo) {
        const { runDemo } = await import('./runDemo.js');
        const explicitDataDir = command.getOptionValueSource('dataDir') === 'cli' || process.env.WEFT_DATA_DIR !== undefined;
        await runDemo({
          dataDir: explicitDataDir ? options.dataDir : '.weft/demo',
          apiAddr: options.apiAddr,
          apiGrpcAddr: options.apiGrpcAddr,
          rate: '8',
          day: '300',
          ...(options.controlDb !== undefined ? { controlDb: options.controlDb } : {}),
          ...(options.duration !== undefined ? { duration: options.duration } : {}),
          ...(options.trafficPath !== undefined ? { trafficPath: options.trafficPath } : {}),
          ...(options.webDir !== undefined ? { webDir: options.webDir } : {}),
        });
        return;
      }
      const { runUp } = await import('./runUp.js');
      await runUp(options);
    }));
}
