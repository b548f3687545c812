export {
  BatchRejected,
  type BatchOrigin,
  type ConnectionHalf,
  type EdgeRow,
  type EdgeWriteOptions,
  type EdgeWriter,
  type EndpointIdentity,
  type HalvesCodec,
  type HalvesMessage,
  type ListenerReport,
  type NodeInterval,
} from './ingestTypes.js';
export { canonicalConnection, type CanonicalConnection, type Endpoint } from './halves/canonicalConnection.js';
export { ConnectionMatcher, DEFAULT_MATCHER_OPTIONS, type ConnectionMatcherOptions, type MatchedSample } from './matching/connectionMatcher.js';
export { PipelineCore } from './core/pipelineCore.js';
export { PartitionProcessor, type PartitionMessage, type RowBlock } from './core/partitionProcessor.js';
export { EdgeAggregator } from './aggregation/edgeAggregator.js';
export { EndpointNamer, type ClusterNamer } from './naming/endpointNamer.js';
export { ListenerDirectory } from './naming/listenerDirectory.js';
export { ServiceInventory, InventoryError, type InventoryRule } from './naming/serviceInventory.js';
export { IngestPipeline, BatchNotStored, DEFAULT_PIPELINE_OPTIONS, type IngestPipelineOptions } from './pipeline/ingestPipeline.js';
export { pipelineBatchHandler, startPipelineGrpcServer, type PipelineGrpcServerOptions } from './pipeline/grpcIngest.js';
export {
  AuthUnavailable,
  CachedIngestAuthenticator,
  DEFAULT_INGEST_AUTH_CACHE,
  INGEST_SCOPE,
  KAFKA_KEY_HEADER,
  bearerKey,
  type IngestAuthCacheOptions,
  type IngestAuthenticator,
  type IngestAuthRefusal,
  type IngestAuthResult,
  type KeyLookup,
} from './auth/ingestAuth.js';
export { IngestMetrics } from './metrics/ingestMetrics.js';
export { StoreEdgeWriter, toStoreRow } from './store/storeEdgeWriter.js';
export { StoreWriteError, WriteErrorReporter, writeErrorReason } from './store/writeErrors.js';
export { WriteHealth } from './store/writeHealth.js';
export { intervalFromAgent, halfFromAgentRow, type AgentRowLike, type AgentListenerLike } from './transport/agentRowInterval.js';
export { startTelemetryGrpcServer, BatchRejection, type BatchHandler, type TelemetryGrpcServer, type TelemetryGrpcServerOptions } from './transport/telemetryGrpcServer.js';
export { DEFAULT_TOPICS, ensureTopics, partitionOfKey, type TopicLayout } from './kafka/topics.js';
export { DecodeStage, type BatchDecoder } from './kafka/decodeStage.js';
export { MatchStage, AssignmentFailed, type MatchStageOptions } from './kafka/matchStage.js';
export { decodeAgentBatch, halvesMessageOf, intervalOf, nodeBatchHalvesCodec } from './transport/telemetryCodecs.js';
export { kafkaStageCheck, writeHealthCheck, type KafkaStageState, type WriteHealthOptions } from './health/ingestHealth.js';
export * from './naming/kubernetes/index.js';
