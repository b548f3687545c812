import { KafkaSender, NodeAgent, QueuedBatchSink, buildAgentConfig, type ConnectionRow, type IntervalSummary, type RowSink } from '@weft/agent';
import {
  ConnectionMatcher,
  DEFAULT_TOPICS,
  EndpointNamer,
  IngestMetrics,
  IngestPipeline,
  InventoryError,
  ListenerDirectory,
  ServiceInventory,
  StoreEdgeWriter,
  intervalFromAgent,
  startPipelineGrpcServer,
  writeHealthCheck,
} from '@weft/ingest';
import { ConfigError, parseListenAddress, storeHealthCheck, type HealthCheck } from '@weft/runtime';
import { openEdgeStore } from '@weft/store';
import { agentBatchEncoder } from './agentBatchEncoder.js';
import { startClusterNaming } from './clusterNaming.js';
import { controlAuthenticator, openCommandControlStore } from './controlStoreSetup.js';
import { localAgentKey, withLocalAgent } from './localAgentKey.js';
import { listenerTlsOf } from './grpcTls.js';
import { kafkaClient } from './kafkaClient.js';
import { startKafkaIngest } from './scaleOut.js';
import { startApiServers } from './startApiServers.js';
import { loginLink, webRootOf } from './webApp.js';
import { storeConfigOf } from './storeConfig.js';
import type { UpOptions } from './commandOptions.js';

/** Agent, ingest, store and API in this process. */
export async function runUp(options: UpOptions): Promise<void> {
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
    const apiGrpc = parseListenAddress(options.apiGrpcAddr, '--api-grpc-addr');
    if (options.grpcListen && options.kafka) throw new ConfigError('--grpc-listen is for the in-process shape; with --kafka, agents send to Kafka', '--grpc-listen');
    const grpcListen = options.grpcListen ? parseListenAddress(options.grpcListen, '--grpc-listen') : null;
    // Before the store opens: a plaintext listener off loopback or a bad certificate file stops here.
    const grpcTls = listenerTlsOf(grpcListen, options);
    const inventory = options.inventory ? ServiceInventory.fromFile(options.inventory) : null;
    const storeConfig = storeConfigOf(options);

    // Tenants and keys. The very first start makes the first tenant and its admin key, shown
    // this once; this process's own agent reports as that (the oldest) tenant.
    const control = await openCommandControlStore(options.controlDb, options.dataDir);
    const adminKey = await control.ensureFirstTenant();
    const tenant = await control.firstTenant();
    if (!tenant) throw new ConfigError(`--control-db: ${control.location} has no tenant, and none could be made`, '--control-db');
    if (adminKey) say(`first start: admin key for tenant "${tenant.name}" (shown once, store it): ${adminKey}`);
    const authenticator = controlAuthenticator(control);

    say(options.clickhouse ? `store: ClickHouse at ${options.clickhouse}` : `store: embedded ClickHouse in ${storeConfig.mode === 'embedded' ? storeConfig.dataDir : ''}`);
    const cluster = await startClusterNaming(options, say);
    const store = await openEdgeStore(storeConfig);
    // Ingest: in process (default), or both Kafka stages in this process.
    const nodeId = options.nodeId;
    let sink: RowSink;
    let metrics: IngestMetrics;
    let pipeline: IngestPipeline | null = null;
    let stopIngest = async (): Promise<void> => {};
    const health: HealthCheck[] = [storeHealthCheck(store)];
    let grpcServer: Awaited<ReturnType<typeof startPipelineGrpcServer>> | null = null;
    if (options.kafka) {
      const kafka = kafkaClient(options.kafka, 'up');
      const ownKey = localAgentKey();
      const ingest = await startKafkaIngest(kafka, store, inventory, cluster?.namer ?? null, withLocalAgent(authenticator, ownKey, tenant.id));
      metrics = ingest.metrics;
      health.push(...ingest.health);
      stopIngest = () => ingest.stop();
      const transport = new QueuedBatchSink(new KafkaSender(kafka, DEFAULT_TOPICS.telemetry, nodeId, ownKey), agentBatchEncoder(nodeId, agentConfig.intervalMs), {
        maxQueuedBytes: 64 * 1024 * 1024,
        retryDelayMs: 1000,
        log: log.warn,
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
      health.push(writeHealthCheck('store_writes', inProcess.writeHealth));
      // The in-process transport: each interval goes straight to the ingest.
      sink = {
        dropped: 0,
        write(rows: readonly ConnectionRow[], summary: IntervalSummary): void {
          inProcess.accept(intervalFromAgent(tenant.id, nodeId, summary.ts, rows, summary.listeners));
        },
        async close(): Promise<void> {},
      };
      if (grpcListen) {
        try {
          grpcServer = await startPipelineGrpcServer(grpcListen.host, grpcListen.port, inProcess, metrics, { authenticator, ...(grpcTls ? { tls: grpcTls } : {}) });
        } catch (err) {
          await store.close();
          await control.close();
          throw new ConfigError(`--grpc-listen: ${(err as Error).message}`, '--grpc-listen');
        }
        say(`taking other agents' batches over gRPC at ${grpcServer.address} (${grpcTls ? (grpcTls.clientCa ? 'mutual TLS' : 'TLS') : 'plaintext'}; each needs a key with the ingest scope)`);
      }
    }

    // The API first: a taken port fails before the agent loads anything.
    // REST, then the same operations over gRPC (sharing the REST server's services).
    const webRoot = webRootOf(options.webDir);
    const apiServers = await startApiServers(store, control, { rest: api, grpc: apiGrpc, health, extraRegistries: [metrics.registry], ...(webRoot !== null ? { webRoot } : {}) });
    const agent = await NodeAgent.start(agentConfig, sink, log);
    const ticker = setInterval(() => pipeline?.tick(), 1000);
    say(`agent ready (traffic path: ${agent.path.path} — ${agent.path.reason})${inventory ? `; inventory: ${inventory.size} rules` : ''}`);
    say(`API at ${apiServers.rest.url}  (GET ${apiServers.rest.url}/api/v1/map?from=now-15m)`);
    say(`gRPC API at ${apiServers.grpc.address} (weft.api.v1, server reflection on)`);
    if (webRoot !== null) say(`web map at ${apiServers.rest.url}/  (this link signs you in once, for 24 h: ${await loginLink(control, tenant, apiServers.rest.url)})`);
    else say(`web map: not built (${options.webDir ?? 'apps/web/out'} has no index.html; scripts/setup.sh builds it)`);

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
      await apiServers.close();
      await store.close();
      await control.close();
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
