export {
  assertIdentifier,
  insertSettings,
  type ClickHouseExecutor,
  type InsertOptions,
  type QueryParams,
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
  type EdgeStoreOptions,
  type EdgeTotals,
  type Resolution,
  type ServiceEdge,
  type ServiceEnd,
  type ServiceMap,
  type TimeWindow,
  type WriteOptions,
} from './edgeStore.js';
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
