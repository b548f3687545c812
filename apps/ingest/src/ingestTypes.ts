/**
 * The data types that cross the ingest's stages (transport -> decode ->
 * halves -> matching -> naming -> aggregation -> store). They live here, in
 * no stage's implementation, so that a stage imports the types of its input
 * and output without importing the stage that produces or consumes them.
 */
import type { ConnectionSample, ListenerSample, RequestSample } from '@weft/telemetry';

/**
 * One end's report of one connection for one interval, as the ingest works
 * with it: exactly what the telemetry decoder yields (addresses normalized,
 * counters as deltas for the interval).
 */
export type ConnectionHalf = ConnectionSample;

/**
 * The L7 requests of one (protocol, method, route) on one connection end in one interval, as its
 * agent parsed them (a half's `requests`). Both ends of a connection parse the same requests.
 */
export type RequestReport = RequestSample;

/** A process listening on a port, as an agent reported it: names the server end of a plain host. */
export type ListenerReport = ListenerSample;

/** One agent's interval, decoded. */
export interface NodeInterval {
  /**
   * The tenant of the key that sent it (the in-process agent of `weft up`: the first tenant).
   * Halves are matched within their tenant only: two tenants may use the same addresses.
   */
  tenant: string;
  nodeId: string;
  second: number;
  halves: ConnectionHalf[];
  listeners: ListenerReport[];
}

/** Which agent batch an interval came in: a repeated (node, run, sequence) is the same batch sent again. */
export interface BatchOrigin {
  agentRun: string;
  sequence: bigint;
}

/** One node's halves of one interval that belong to one partition (plus the node's listeners). */
export interface HalvesMessage extends BatchOrigin {
  /** The tenant of the key that sent the batch (never what the batch itself says). */
  tenant: string;
  nodeId: string;
  second: number;
  halves: ConnectionHalf[];
  listeners: ListenerReport[];
}

/** Bytes on the halves topic; decode throws on anything malformed. */
export interface HalvesCodec {
  encode(message: HalvesMessage): Uint8Array;
  decode(value: Uint8Array): HalvesMessage;
}

/**
 * An agent batch refused as malformed or oversized, with the reason it is
 * counted under. Not worth retrying: the same bytes are refused again.
 */
export class BatchRejected extends Error {
  constructor(
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BatchRejected';
  }
}

/**
 * What the ingest knows about one end of a connection, after naming.
 * `service` is the node of the map: a stable id, the same for every instance
 * of a workload. The other fields are failure domains (where errors may
 * concentrate) and display details.
 */
export interface EndpointIdentity {
  /**
   * Stable service id, the map's node id:
   *   k8s:<namespace>/<Kind>/<name>   a Kubernetes workload (Deployment, StatefulSet, DaemonSet, Pod, Node ...)
   *   k8s-svc:<namespace>/<name>      a Kubernetes Service whose backend is unknown (VIP, no peer half)
   *   host:<program>                  a process on a host without Kubernetes, the same whichever
   *                                   end it is on (naming/programName.ts; the port is the edge's)
   *   svc:<name>                      a name from the inventory file
   *   dns:<name>                      an external end known by a DNS name
   *   external:<ip>                   anything else
   */
  service: string;
  /** Display name (the workload's or the process's name). */
  name: string;
  namespace: string;
  /** Deployment | StatefulSet | DaemonSet | ReplicaSet | Job | CronJob | Pod | Node | Service | process | inventory | external */
  kind: string;
  /** Pod name, or process instance (`<host>/<pid>`), or the address for external ends. */
  instance: string;
  node: string;
  zone: string;
  version: string;
  process: string;
}

/**
 * Traffic between two service instances in one second: the unit the store
 * keeps. Keyed by both ends' service and failure domains and the server port;
 * `bytes_sent` flows client to server, `bytes_received` server to client.
 */
export interface EdgeRow {
  /** The tenant whose agents reported the traffic. */
  tenant: string;
  ts: number;
  client: EndpointIdentity;
  server: EndpointIdentity;
  server_port: number;
  connections_opened: number;
  connections_closed: number;
  connections_failed: number;
  /** Connections active in that second (summed over seconds: connection-seconds). */
  connection_seconds: number;
  bytes_sent: number;
  bytes_received: number;
  retransmits: number;
  resets: number;
  /** Smoothed RTT of each connection active that second, in microseconds (0s left out). */
  rtt_us: number[];
  /**
   * L7 requests completed that second, one entry per (protocol, method, route), counted from one
   * end of each connection (see EdgeAggregator). The store sums the edge's request totals from
   * them.
   */
  routes: EdgeRouteRow[];
}

/** The requests of one (protocol, method, route template) on an edge in one second. */
export interface EdgeRouteRow {
  protocol: RequestReport['protocol'];
  method: string;
  route: string;
  requests: number;
  /** Server errors (5xx, gRPC non-OK, reset streams, requests left unanswered). */
  errors: number;
  /** Client errors (4xx). */
  client_errors: number;
  /**
   * Durations, microseconds: all of them up to MAX_REQUEST_DURATIONS_PER_ROUTE_SECOND, beyond
   * that a sample of that many (`requests` counts them all).
   */
  durations_us: number[];
}

export interface EdgeWriteOptions {
  /**
   * Idempotency token of the write: the store keeps the first write of a
   * token and drops the same token written again (a retry of an insert that
   * landed but whose answer was lost). The same token must carry the same rows.
   */
  dedupToken?: string;
}

/** Where edge rows go (the store). A write either lands whole or throws. */
export interface EdgeWriter {
  writeEdgeRows(rows: readonly EdgeRow[], options?: EdgeWriteOptions): Promise<void>;
}
