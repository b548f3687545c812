import type { Kafka } from 'kafkajs';
import {
  DEFAULT_MATCHER_OPTIONS,
  DEFAULT_TOPICS,
  ConnectionMatcher,
  DecodeStage,
  EndpointNamer,
  IngestPipeline,
  IngestMetrics,
  ListenerDirectory,
  MatchStage,
  StoreEdgeWriter,
  decodeAgentBatch,
  ensureTopics,
  kafkaStageCheck,
  startPipelineGrpcServer,
  writeHealthCheck,
  nodeBatchHalvesCodec,
  type ClusterNamer,
  type IngestAuthenticator,
  type ServiceInventory,
  type TopicLayout,
} from '@weft/ingest';
import type { HealthCheck } from '@weft/runtime';
import type { EdgeStore } from '@weft/store';
import type { ListenerTls } from './grpcTls.js';

export interface KafkaIngest {
  metrics: IngestMetrics;
  /** What /healthz asks of this ingest (consumers joined, store writes landing). */
  health: HealthCheck[];
  stop(): Promise<void>;
}

/**
 * Both ingest stages on Kafka in this process, sharing partitions with any other ingest in the
 * group; agents' messages are taken only with a key `authenticator` accepts.
 */
export async function startKafkaIngest(
  kafka: Kafka,
  store: EdgeStore,
  inventory: ServiceInventory | null,
  cluster: ClusterNamer | null,
  authenticator: IngestAuthenticator,
  topics: TopicLayout = DEFAULT_TOPICS,
): Promise<KafkaIngest> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, topics);
  } finally {
    await admin.disconnect();
  }
  const metrics = new IngestMetrics();
  const listeners = new ListenerDirectory();
  const namer = new EndpointNamer(cluster, inventory, listeners);
  const decode = new DecodeStage(kafka, (bytes, tenant) => decodeAgentBatch(bytes, tenant), nodeBatchHalvesCodec, metrics, { groupId: 'weft-ingest-decode', topics, authenticator });
  const match = new MatchStage(kafka, nodeBatchHalvesCodec, namer, listeners, new StoreEdgeWriter(store), metrics, {
    groupId: 'weft-ingest-match',
    topic: topics.halves,
    matcher: DEFAULT_MATCHER_OPTIONS,
    warmUpMessages: 3000,
  });
  await decode.start();
  await match.start();
  return {
    metrics,
    health: [kafkaStageCheck('kafka_decode', decode), kafkaStageCheck('kafka_match', match), writeHealthCheck('store_writes', match.writeHealth)],
    async stop() {
      await decode.stop();
      await match.stop();
    },
  };
}

/**
 * The ingest fed directly by agents over gRPC (no Kafka): one process, the
 * embedded pipeline, batches decoded and checked exactly as on Kafka, taken
 * only with a key `authenticator` accepts; over TLS when `tls` is given.
 */
export async function startGrpcIngest(
  host: string,
  port: number,
  store: EdgeStore,
  inventory: ServiceInventory | null,
  cluster: ClusterNamer | null,
  authenticator: IngestAuthenticator,
  tls: ListenerTls | null = null,
): Promise<KafkaIngest & { address: string }> {
  const metrics = new IngestMetrics();
  const listeners = new ListenerDirectory();
  const pipeline = new IngestPipeline(new ConnectionMatcher(), new EndpointNamer(cluster, inventory, listeners), listeners, new StoreEdgeWriter(store), metrics);
  const server = await startPipelineGrpcServer(host, port, pipeline, metrics, { authenticator, ...(tls ? { tls } : {}) });
  const ticker = setInterval(() => pipeline.tick(), 1000);
  return {
    metrics,
    health: [writeHealthCheck('store_writes', pipeline.writeHealth)],
    address: server.address,
    async stop() {
      clearInterval(ticker);
      await server.close();
      pipeline.tick(Date.now(), true);
      await pipeline.drain();
    },
  };
}
