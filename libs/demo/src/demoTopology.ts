/**
 * What the demo builds, as data: its nodes and zones, its services with
 * their pods (name, node, zone, version, address), and the service edges
 * its load makes. Tests and the web app compare the map against it; the
 * demo builds the network, the Kubernetes objects and the pods from it.
 */

/** A simulated node: a network namespace routing for its pods, in one zone. */
export interface DemoNode {
  /** Its name in Kubernetes (pods' spec.nodeName). */
  name: string;
  zone: string;
  /** Its address on the fabric between nodes. */
  ip: string;
}

export type DemoServiceKind = 'Deployment' | 'StatefulSet' | 'External';

/** What a service speaks on its port: HTTP/1.1, the Redis protocol, PostgreSQL-style messages. */
export type DemoProtocol = 'http' | 'resp' | 'pg-like' | 'none';

export interface DemoPod {
  /** The pod's name in Kubernetes (or the external host's label). */
  name: string;
  /** The node's Kubernetes name ('' for the external host). */
  node: string;
  zone: string;
  version: string;
  ip: string;
  /** Part of the pod's network namespace name (after the run's prefix). */
  netnsLabel: string;
  canary: boolean;
}

export interface DemoService {
  /** Short name used in the edges (`frontend`, `payment-provider`). */
  key: string;
  /** The workload's name in Kubernetes; for the external service, a label (the map names it by address). */
  name: string;
  /** '' for the external service. */
  namespace: string;
  kind: DemoServiceKind;
  protocol: DemoProtocol;
  /** The port its pods listen on (the port of its edges in the map); null for a pure client. */
  port: number | null;
  /** The Service VIP and port clients dial (kube-proxy DNATs it to a pod); null without a Service, or a headless one. */
  serviceIp: string | null;
  servicePort: number | null;
  /**
   * A headless Service (clusterIP None): clients dial its pods themselves,
   * balancing over them as gRPC clients do (payment, so that the connections
   * its canary refuses are dialled at the canary's own address; see demo.ts).
   */
  headless: boolean;
  pods: DemoPod[];
}

/** One service edge of the map: `client` calls `server` on `port` (the server pods' port, after DNAT). */
export interface DemoEdge {
  client: string;
  server: string;
  port: number;
}

/** The service whose second version fails part of its calls. */
export interface DemoCanary {
  service: string;
  stableVersion: string;
  canaryVersion: string;
  /** Share of new connections to the canary pod refused (RST to the SYN, by an iptables rule in its namespace). */
  refusedShare: number;
  /** Share of the canary's requests answered by resetting the connection. */
  resetShare: number;
  /** Latency the canary adds to every request it answers, milliseconds [min, max]. */
  addedLatencyMs: readonly [number, number];
}

/** The load's daily-like rhythm: requests per second at the frontend follow a sine. */
export interface LoadRhythm {
  /** Mean requests per second the load generator sends to the frontend. */
  meanRps: number;
  /** How far the rate swings around the mean, as a share of it (0.5: from 50% to 150%). */
  swing: number;
  /** One simulated day, in seconds. */
  periodSeconds: number;
}

export interface DemoTopology {
  nodes: DemoNode[];
  services: DemoService[];
  edges: DemoEdge[];
  canary: DemoCanary;
  rhythm: LoadRhythm;
}

/** How the map shows a service: Kubernetes workloads by namespace and name, the external service by its address. */
export function mapIdentityOf(service: DemoService): { namespace: string; name: string } {
  if (service.kind === 'External') return { namespace: '', name: service.pods[0]?.ip ?? '' };
  return { namespace: service.namespace, name: service.name };
}

export function serviceOf(topology: DemoTopology, key: string): DemoService {
  const found = topology.services.find((s) => s.key === key);
  if (!found) throw new Error(`the demo has no service ${key} (it has ${topology.services.map((s) => s.key).join(', ')})`);
  return found;
}
