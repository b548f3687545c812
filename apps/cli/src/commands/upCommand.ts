import { hostname } from 'node:os';
import { Command } from 'commander';
import { ConfigError, KafkaSender, NodeAgent, QueuedBatchSink, buildAgentConfig, parseListenAddress, type ConnectionRow, type IntervalSummary, type RowSink } from '@weft/agent';
import { ApiListenError, StoreServiceMapReader, startApiServer } from '@weft/api';
import {
  ConnectionMatcher,
  EndpointNamer,
  IngestMetrics,
  IngestPipeline,
  InventoryError,
  ListenerDirectory,
  ServiceInventory,
  StoreEdgeWriter,
  intervalFromAgent,
} from '@weft/ingest';
import { DEFAULT_TOPICS } from '@weft/ingest';
import { openEdgeStore } from '@weft/store';
import { storeConfigOf, withRetentionOptions, type StoreOptions } from './storeOptions.js';
import { startClusterNaming, type ClusterOptions } from './clusterNaming.js';
import { agentBatchEncoder, kafkaClient, startKafkaIngest, startPipelineGrpcServer } from './scaleOut.js';

interface UpOptions extends ClusterOptions, StoreOptions {
  kafka?: string;
  grpcListen?: string;
  dataDir: string;
  apiAddr: string;
  clickhouse?: string;
  inventory?: string;
  nodeId: string;
  netns: string[];
  conntrackNetns: string[];
  trafficPath?: string;
  duration?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function upCommand(): Command {
  return withRetentionOptions(new Command('up')
    .description('run Weft on this machine: agent, ingest, store and API in one process (no configuration needed)')
    .option('--data-dir <dir>', 'where the embedded ClickHouse keeps its data', process.env.WEFT_DATA_DIR ?? '.weft/data')
    .option('--api-addr <host:port>', 'where the API listens', process.env.WEFT_API_ADDR ?? '127.0.0.1:8080')
    .option('--kafka <brokers>', 'carry telemetry through Kafka (HOST:PORT[,...]) instead of in process: the scaled-out shape on one machine', process.env.WEFT_KAFKA)
    .option('--grpc-listen <host:port>', 'also take batches from agents on other nodes (`weft agent --grpc`) into this process', process.env.WEFT_GRPC_LISTEN)
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
    .action(async (options: UpOptions) => {
      await runUp(options);
    }));
}

async function runUp(options: UpOptions): Promise<void> {
  const say = (message: string): void => {
    process.stderr.write(`weft up: ${message}\n`);
  };
  const log = { info: say, warn: (message: string) => say(`warning: ${message}`) };
  try {
    const agentConfig = buildAgentConfig({
      quiet: true,
      netns: options.netns,
      conntrackNetns: options.conntrackNetns,
      ...(options.trafficPath !== undefined ? { trafficPath: options.trafficPath } : {}),
      ...(options.duration !== undefined ? { duration: options.duration } : {}),
    });
    const api = parseListenAddress(options.apiAddr, '--api-addr');
    if (options.grpcListen && options.kafka) throw new ConfigError('--grpc-listen is for the in-process shape; with --kafka, agents send to Kafka', '--grpc-listen');
    const grpcListen = options.grpcListen ? parseListenAddress(options.grpcListen, '--grpc-listen') : null;
    const inventory = options.inventory ? ServiceInventory.fromFile(options.inventory) : null;
    const storeConfig = storeConfigOf(options);

    say(options.clickhouse ? `store: ClickHouse at ${options.clickhouse}` : `store: embedded ClickHouse in ${storeConfig.mode === 'embedded' ? storeConfig.dataDir : ''}`);
    const cluster = await startClusterNaming(options, say);
    const store = await openEdgeStore(storeConfig);
    // Ingest: in process (default), or both Kafka stages in this process.
    const nodeId = options.nodeId;
    let sink: RowSink;
    let metrics: IngestMetrics;
    let pipeline: IngestPipeline | null = null;
    let stopIngest = async (): Promise<void> => {};
    let grpcServer: Awaited<ReturnType<typeof startPipelineGrpcServer>> | null = null;
    if (options.kafka) {
      const kafka = kafkaClient(options.kafka, 'up');
      const ingest = await startKafkaIngest(kafka, store, inventory, cluster?.namer ?? null);
      metrics = ingest.metrics;
      stopIngest = () => ingest.stop();
      const transport = new QueuedBatchSink(new KafkaSender(kafka, DEFAULT_TOPICS.telemetry, nodeId), agentBatchEncoder(nodeId, agentConfig.intervalMs), {
        maxQueuedBytes: 64 * 1024 * 1024,
        retryDelayMs: 1000,
      });
      await transport.start();
      sink = transport;
      say(`telemetry through Kafka at ${options.kafka}`);
    } else {
      metrics = new IngestMetrics();
      const listeners = new ListenerDirectory();
      const namer = new EndpointNamer(cluster?.namer ?? null, inventory, listeners);
      const inProcess = new IngestPipeline(new ConnectionMatcher(), namer, listeners, new StoreEdgeWriter(store), metrics);
      pipeline = inProcess;
      // The in-process transport: each interval goes straight to the ingest.
      sink = {
        dropped: 0,
        write(rows: readonly ConnectionRow[], summary: IntervalSummary): void {
          inProcess.accept(intervalFromAgent(nodeId, summary.ts, rows, summary.listeners));
        },
        async close(): Promise<void> {},
      };
      if (grpcListen) {
        try {
          grpcServer = await startPipelineGrpcServer(grpcListen.host, grpcListen.port, inProcess, metrics);
        } catch (err) {
          await store.close();
          throw new ConfigError(`--grpc-listen: ${(err as Error).message}`, '--grpc-listen');
        }
        say(`taking other agents' batches over gRPC at ${grpcServer.address}`);
      }
    }

    // The API first: a taken port fails before the agent loads anything.
    let server;
    try {
      server = await startApiServer(new StoreServiceMapReader(store), { host: api.host, port: api.port, extraRegistries: [metrics.registry] });
    } catch (err) {
      await store.close();
      if (err instanceof ApiListenError) throw new ConfigError(`--api-addr: ${err.message}`, '--api-addr');
      throw err;
    }
    const agent = await NodeAgent.start(agentConfig, sink, log);
    const ticker = setInterval(() => pipeline?.tick(), 1000);
    say(`agent ready (traffic path: ${agent.path.path} — ${agent.path.reason})${inventory ? `; inventory: ${inventory.size} rules` : ''}`);
    say(`API at ${server.url}  (GET ${server.url}/api/v1/map?from=now-15m)`);

    let stopping = false;
    const stop = async (): Promise<void> => {
      if (stopping) return;
      stopping = true;
      say('stopping');
      await agent.stop();
      await grpcServer?.close();
      clearInterval(ticker);
      if (pipeline) {
        pipeline.tick(Date.now(), true);
        await pipeline.drain();
      }
      await stopIngest();
      await cluster?.stop();
      await server.close();
      await store.close();
      process.exit(0);
    };
    const stopOrFail = (): void => {
      stop().catch((err: unknown) => {
        say(`stopping failed: ${(err as Error).message}`);
        process.exit(1);
      });
    };
    process.once('SIGINT', stopOrFail);
    process.once('SIGTERM', stopOrFail);
    if (agentConfig.durationMs !== null) setTimeout(stopOrFail, agentConfig.durationMs + 500);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof InventoryError) {
      say(err.message);
      process.exit(2);
    }
    throw err;
  }
}
