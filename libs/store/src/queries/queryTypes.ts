/**
 * What the store answers, per tenant: the contract between libs/store (which implements
 * EdgeQueries over ClickHouse) and its readers (the API's REST and gRPC services). Types only;
 * no implementation imports this module's consumers.
 *
 * Conventions: times are unix seconds (UTC), windows [from, to); a service id is the ingest's
 * stable, opaque id (`k8s:ns/Deployment/name`, `host:curl`, `external:10.0.0.1` ...); every query
 * is for exactly one tenant and never returns another tenant's rows.
 */
import type { RequestProtocolName } from '../requestProtocols.js';

/** A tenant's id (libs/control's tenants.id). */
export type TenantId = string;

export interface QueryWindow {
  /** Unix seconds, inclusive. */
  from: number;
  /** Unix seconds, exclusive. */
  to: number;
}

/** Seconds per row of the finest table that answered (1, 10, 60, 600, 3600 or 21600). */
export type QueryResolution = 1 | 10 | 60 | 600 | 3600 | 21600;

/** The counters of an edge, summed over a window (or one step of a series). */
export interface EdgeStats {
  connections_opened: number;
  connections_closed: number;
  /** Connection attempts that never established (refused, timed out, reset in the handshake). */
  connections_failed: number;
  /** Sum over seconds of the connections open in that second. */
  connection_seconds: number;
  /** Mean open connections over the window (or step): connection_seconds / its length. */
  connections_active: number;
  /** Client to server. */
  bytes_sent: number;
  /** Server to client. */
  bytes_received: number;
  retransmits: number;
  resets: number;
  /** Connection srtt quantiles in microseconds; null when no sample fell in the window. */
  rtt_p50_us: number | null;
  rtt_p95_us: number | null;
  rtt_p99_us: number | null;
  /** Requests (L7), 0 until the agent sends them. */
  requests: number;
  /** Server errors among them: HTTP 5xx, gRPC non-OK, DNS failures, requests left unanswered. */
  request_errors: number;
  /** Client errors (HTTP 4xx), counted apart from request_errors. */
  request_client_errors: number;
  /** The protocols the requests were seen in (empty without requests). */
  request_protocols: RequestProtocolName[];
  /** Request duration quantiles in microseconds; null without requests. */
  request_p50_us: number | null;
  request_p95_us: number | null;
  request_p99_us: number | null;
}

/** One directed edge of the map: client service -> server service on one server port. */
export interface EdgeRecord extends EdgeStats {
  source: string;
  target: string;
  port: number;
}

export interface ServiceInfo {
  id: string;
  /** Display name (the workload's or program's name; the id when nothing better is known). */
  name: string;
  namespace: string;
  /** Deployment, StatefulSet, Pod, Node, host, external ... ('' when unknown). */
  kind: string;
  workload: string;
}

/** A service with the failure domains it was seen in during a window. */
export interface ServiceDetail extends ServiceInfo {
  zones: string[];
  nodes: string[];
  versions: string[];
  /** Distinct instances (pods or process instances). */
  instances: number;
  /** Unix seconds of its first and last row in the window. */
  first_seen: number;
  last_seen: number;
}

export type MapGrouping = 'service' | 'namespace' | 'zone';

export interface MapQuery {
  window: QueryWindow;
  /** Only edges with at least one end in this namespace. */
  namespace?: string;
  /**
   * Only edges with at least one end whose id or name matches: `*` matches any run of
   * characters, anything else literally, case-insensitive; without `*` it is a substring match.
   */
  service?: string;
  /** Only edges opening at least this many connections per second over the window. */
  minRate?: number;
  /** Nodes are services (default), namespaces (`namespace:<ns>`) or zones (`zone:<zone>`). */
  groupBy?: MapGrouping;
}

export interface MapNode extends ServiceInfo {
  /** For grouped maps, how many services the node stands for (1 for a service). */
  members: number;
}

export interface MapResult {
  window: QueryWindow;
  resolution: QueryResolution;
  nodes: MapNode[];
  edges: EdgeRecord[];
}

export interface ServiceSearch {
  /** Matches id, name, namespace or kind (case-insensitive substring); empty: every service. */
  q?: string;
  /** 1..1000. */
  limit: number;
  /** The `next_cursor` of the previous page. */
  cursor?: string;
}

export interface ServicePage {
  services: ServiceInfo[];
  /** null on the last page. */
  next_cursor: string | null;
}

export interface ServiceView {
  service: ServiceDetail;
  /** Edges whose target is the service, and whose source is. */
  inbound: EdgeRecord[];
  outbound: EdgeRecord[];
}

export type Direction = 'in' | 'out' | 'both';

export interface NeighborhoodQuery {
  window: QueryWindow;
  service: string;
  /** 1..5 */
  depth: number;
  /** out: follow edges from client to server; in: from server to client; both: either way. */
  direction: Direction;
}

export interface NeighborhoodNode extends ServiceInfo {
  /** 0 for the service asked about, else the fewest hops to reach it. */
  hops: number;
}

export interface NeighborhoodResult {
  window: QueryWindow;
  resolution: QueryResolution;
  center: string;
  nodes: NeighborhoodNode[];
  /** The window's edges between two nodes of the result that the traversal follows. */
  edges: EdgeRecord[];
}

export interface EdgeSelector {
  source: string;
  target: string;
  /** Absent: every port between the two. */
  port?: number;
}

export interface SeriesQuery extends EdgeSelector {
  window: QueryWindow;
  /** Seconds per point; a multiple of 1, 10, 60 or 3600 that the window's bounds are whole steps of. */
  step: number;
}

export interface SeriesPoint extends EdgeStats {
  /** Start of the step, unix seconds. */
  ts: number;
}

export interface SeriesResult {
  window: QueryWindow;
  step: number;
  /** One point per step of the window, zeros where nothing was seen. */
  points: SeriesPoint[];
}

/** A failure domain of one end of an edge. */
export type BreakdownDimension =
  | 'client_version' | 'server_version'
  | 'client_instance' | 'server_instance'
  | 'client_zone' | 'server_zone'
  | 'client_node' | 'server_node'
  | 'client_process' | 'server_process'
  | 'server_port';

export interface BreakdownQuery extends EdgeSelector {
  window: QueryWindow;
  by: BreakdownDimension;
}

export interface BreakdownGroup extends EdgeStats {
  /** The domain's value ('' when the ingest did not know it). */
  value: string;
  /** connections_failed / (connections_opened + connections_failed); 0 without attempts. */
  error_share: number;
}

export interface BreakdownResult {
  window: QueryWindow;
  by: BreakdownDimension;
  /** Highest error_share first; ties by more connections_failed, then value. */
  groups: BreakdownGroup[];
}

export interface RoutesQuery extends EdgeSelector {
  window: QueryWindow;
  /** The most routes answered (the busiest first); the rest are summed into `others`. */
  limit: number;
}

/** The requests of one (protocol, method, route template) on an edge. */
export interface RouteStats {
  protocol: RequestProtocolName;
  method: string;
  route: string;
  requests: number;
  request_errors: number;
  request_client_errors: number;
  /** Request duration quantiles in microseconds; null when no duration was measured. */
  request_p50_us: number | null;
  request_p95_us: number | null;
  request_p99_us: number | null;
}

export interface RoutesResult {
  window: QueryWindow;
  /** Most requests first; ties by more errors, then by route. */
  routes: RouteStats[];
  /** The routes beyond `limit`: how many, and their requests and errors summed. */
  others: { routes: number; requests: number; request_errors: number; request_client_errors: number };
}

export interface ChangesQuery {
  window: QueryWindow;
  baseline: QueryWindow;
}

export type ChangeKind = 'appeared' | 'vanished' | 'worse';

/** Why an edge counts as worse (any one is enough). */
export type WorseReason = 'failure_rate' | 'retransmit_rate' | 'rtt_p99';

export interface EdgeChange {
  kind: ChangeKind;
  source: string;
  target: string;
  port: number;
  /** null for an edge that appeared. */
  baseline: EdgeStats | null;
  /** null for an edge that vanished. */
  current: EdgeStats | null;
  /** For `worse`: every reason that held. Empty otherwise. */
  reasons: WorseReason[];
}

export interface ChangesResult {
  window: QueryWindow;
  baseline: QueryWindow;
  changes: EdgeChange[];
  /** Every service named in `changes`. */
  services: ServiceInfo[];
}

/** The store's reads, for one tenant each. */
export interface EdgeQueries {
  readMap(tenant: TenantId, query: MapQuery): Promise<MapResult>;
  searchServices(tenant: TenantId, search: ServiceSearch): Promise<ServicePage>;
  /** null when the tenant has no such service (in the window or ever). */
  readService(tenant: TenantId, service: string, window: QueryWindow): Promise<ServiceView | null>;
  /** null when the tenant has no such service. */
  readNeighborhood(tenant: TenantId, query: NeighborhoodQuery): Promise<NeighborhoodResult | null>;
  readEdgeSeries(tenant: TenantId, query: SeriesQuery): Promise<SeriesResult>;
  readEdgeBreakdown(tenant: TenantId, query: BreakdownQuery): Promise<BreakdownResult>;
  /** One edge's requests by protocol, method and route template. */
  readEdgeRoutes(tenant: TenantId, query: RoutesQuery): Promise<RoutesResult>;
  readChanges(tenant: TenantId, query: ChangesQuery): Promise<ChangesResult>;
}

/** A query the store refuses before running it (bad step, window too long ...): the API answers 400 naming `parameter`. */
export class QueryInputError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
    this.name = 'QueryInputError';
  }
}
