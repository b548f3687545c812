export {
  assertIdentifier,
  insertSettings,
  type ClickHouseExecutor,
  type InsertOptions,
  type QueryParams,
  type QueryStats,
} from './clickhouseExecutor.js';
export { EmbeddedExecutor, type EmbeddedExecutorOptions } from './embeddedExecutor.js';
export { RemoteExecutor, parseClickHouseUrl, type RemoteExecutorOptions } from './remoteExecutor.js';
export {
  EdgeStore,
  resolutionForWindow,
  windowPieces,
  type WindowPiece,
  type Counter,
  type EdgeRow,
  type RouteSample,
  type EdgeStoreOptions,
  type EdgeTotals,
  type Resolution,
  type ServiceEdge,
  type ServiceEnd,
  type ServiceMap,
  type TimeWindow,
  type WriteOptions,
} from './edgeStore.js';
export {
  BUCKETS_PER_OCTAVE,
  NO_MINIMUM,
  bucketOf,
  denseHistogramSql,
  histogramOfSamplesSql,
  histogramQuantilesSql,
  LATENCIES,
  latencyColumnNames,
  latencyPieceSql,
  maximumOfSamplesSql,
  mergedLatencySql,
  minimumOfSamplesSql,
} from './latency/latencyHistogram.js';
export { PROTOCOL_BITS, REQUEST_PROTOCOLS, protocolsOfBits, type RequestProtocolName } from './requestProtocols.js';
export { alignedNow, relativeAlignment } from './window/relativeWindow.js';
export { MIGRATIONS, type Migration } from './migrations/migrations.js';
export {
  MIGRATIONS_TABLE,
  SchemaMismatchError,
  SchemaTooNewError,
  migrate,
  type MigrateOptions,
  type MigrateResult,
} from './migrations/migrator.js';
export { DEFAULT_RETENTION, parseInterval, type RetentionConfig } from './migrations/retention.js';
export { openEdgeStore, type StoreConfig } from './openEdgeStore.js';
export * from './queries/queryTypes.js';
export { StoreEdgeQueries } from './queries/storeEdgeQueries.js';
export {
  FAILURE_MIN_FAILED,
  FAILURE_RATE_RISE,
  RETRANSMIT_MIN_COUNT,
  RETRANSMIT_RATE_FACTOR,
  RETRANSMIT_RATE_FLOOR_PER_MB,
  RTT_P99_FACTOR,
  RTT_P99_MIN_RISE_US,
} from './queries/edgeChanges.js';
export { MAX_SERIES_POINTS } from './queries/edgeSeries.js';
export { MAX_DEPTH } from './queries/neighborhood.js';
export { MAX_SEARCH_LIMIT } from './queries/serviceSearch.js';
export { BREAKDOWN_DIMENSIONS } from './queries/edgeBreakdown.js';
export { DOMAIN_TIERS, SERVICE_TIERS, finestTier, type Tier, type WindowPiecesOptions } from './window/windowPieces.js';
