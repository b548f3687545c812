// The options each command's action receives, as commander parses them. Their
// own module: the command definitions (cheap, loaded for --help) and the run
// modules (loaded when the command runs) both need them.
import type { AgentConfigInput } from '@weft/agent';
import type { ClusterOptions } from './clusterNaming.js';
import type { AgentTlsOptions, ListenerTlsOptions } from './grpcTls.js';
import type { StoreOptions } from './retentionOptions.js';

export interface AgentCommandOptions extends AgentConfigInput, AgentTlsOptions {
  kafka?: string;
  grpc?: string;
  /** The API key (ingest scope) for --grpc / --kafka; else WEFT_AGENT_KEY. */
  key?: string;
  nodeId: string;
  maxQueuedBytes: string;
}

export interface ApiOptions {
  /** postgres://... or a SQLite file; default <data dir>/control.db. */
  controlDb?: string;
  clickhouse?: string;
  dataDir: string;
  apiAddr: string;
  /** Where the gRPC API (weft.api.v1) listens. */
  apiGrpcAddr: string;
  /** The web app's static export to serve at / (default: this checkout's apps/web/out). */
  webDir?: string;
}

export interface IngestOptions extends ClusterOptions, StoreOptions, ListenerTlsOptions {
  kafka?: string;
  grpcListen?: string;
  controlDb?: string;
  clickhouse?: string;
  dataDir: string;
  inventory?: string;
  metricsAddr: string;
}

export interface UpOptions extends ClusterOptions, StoreOptions, ListenerTlsOptions {
  kafka?: string;
  grpcListen?: string;
  controlDb?: string;
  dataDir: string;
  apiAddr: string;
  /** Where the gRPC API (weft.api.v1) listens. */
  apiGrpcAddr: string;
  clickhouse?: string;
  inventory?: string;
  nodeId: string;
  netns: string[];
  conntrackNetns: string[];
  trafficPath?: string;
  duration?: string;
  /** The web app's static export to serve at / (default: this checkout's apps/web/out). */
  webDir?: string;
}

export interface DemoCommandOptions {
  dataDir: string;
  apiAddr: string;
  apiGrpcAddr: string;
  controlDb?: string;
  duration?: string;
  rate: string;
  day: string;
  trafficPath?: string;
  /** The web app to serve at / (default: this checkout's). */
  webDir?: string;
}

export interface WebOptions {
  api: string;
  webAddr: string;
  webDir?: string;
}
