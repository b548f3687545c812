/**
 * The demo's web shop, shaped like the usual microservices demo shop: a load
 * generator browsing a frontend that calls catalog, currency, cart,
 * recommendation, shipping and checkout; checkout charging through payment,
 * which calls an external payment provider; a Redis-like cache and a
 * PostgreSQL-like database behind them. Three namespaces (shop, billing,
 * data), two nodes in two zones. payment runs two versions: the stable one
 * on node a, and a canary on node b that refuses part of its connections,
 * resets part of its requests and answers the rest 100-300 ms late. Every
 * served workload has a ClusterIP Service but payment, whose Service is
 * headless: checkout balances over its pods itself (see demo.ts for why).
 *
 * Everything here is fixed (addresses included), so the description is the
 * same in every process that asks for it: the demo builds from it, and a
 * test or the web app compares the map with it.
 */
import { EXTERNAL_IPV4, clusterNodeIpv4, clusterPodIpv4 } from '../clusterTopology.js';
import type { DemoCanary, DemoEdge, DemoNode, DemoPod, DemoProtocol, DemoService, DemoServiceKind, DemoTopology, LoadRhythm } from '../demoTopology.js';
import { templateHash } from '../kubeApiServer.js';

/** The services' keys, as the workload programs know them. */
export type ShopServiceKey =
  | 'loadgenerator'
  | 'frontend'
  | 'cart'
  | 'catalog'
  | 'currency'
  | 'recommendation'
  | 'shipping'
  | 'checkout'
  | 'payment'
  | 'email'
  | 'redis'
  | 'postgres'
  | 'payment-provider';

export const SHOP_NODES = [
  { key: 'a', name: 'node-a', zone: 'eu-west-1a' },
  { key: 'b', name: 'node-b', zone: 'eu-west-1b' },
] as const;
type NodeKey = (typeof SHOP_NODES)[number]['key'];

/** The external payment provider's port (it listens on the external host's public address). */
export const PAYMENT_PROVIDER_PORT = 443;

export const DEFAULT_RHYTHM: LoadRhythm = { meanRps: 8, swing: 0.5, periodSeconds: 300 };

const CANARY = {
  service: 'payment',
  stableVersion: '2.3.1',
  canaryVersion: '2.4.0-rc.1',
  refusedShare: 0.3,
  resetShare: 0.05,
  addedLatencyMs: [100, 300],
} as const satisfies DemoCanary;

interface ReplicaSpec {
  node: NodeKey;
  netnsLabel: string;
  version: string;
  canary?: boolean;
}

interface ServiceSpec {
  key: ShopServiceKey;
  namespace: string;
  kind: Exclude<DemoServiceKind, 'External'>;
  protocol: DemoProtocol;
  port: number | null;
  /** The last octet of its Service VIP (198.19.0.x) and the Service's port; `headless`: no VIP, clients dial the pods. */
  vip: { octet: number; port: number } | { headless: true; port: number } | null;
  replicas: ReplicaSpec[];
  calls: ShopServiceKey[];
}

const one = (node: NodeKey, netnsLabel: string, version: string): ReplicaSpec[] => [{ node, netnsLabel, version }];

/**
 * The services, in the order their pods are placed on each node (a pod's
 * address is 198.18.<node>.<position>). Every call listed is made by the
 * load at every rate (see shopHandlers.ts), so every edge is in every window.
 */
const SERVICES: ServiceSpec[] = [
  { key: 'loadgenerator', namespace: 'shop', kind: 'Deployment', protocol: 'none', port: null, vip: null, replicas: one('a', 'loadgenerator', '1.4.0'), calls: ['frontend'] },
  {
    key: 'frontend',
    namespace: 'shop',
    kind: 'Deployment',
    protocol: 'http',
    port: 8080,
    vip: { octet: 10, port: 80 },
    replicas: [
      { node: 'a', netnsLabel: 'frontend-a', version: '1.12.0' },
      { node: 'b', netnsLabel: 'frontend-b', version: '1.12.0' },
    ],
    calls: ['currency', 'catalog', 'cart', 'recommendation', 'shipping', 'checkout'],
  },
  { key: 'catalog', namespace: 'shop', kind: 'Deployment', protocol: 'http', port: 3550, vip: { octet: 12, port: 3550 }, replicas: one('a', 'catalog', '0.9.3'), calls: ['postgres'] },
  { key: 'currency', namespace: 'shop', kind: 'Deployment', protocol: 'http', port: 7000, vip: { octet: 13, port: 7000 }, replicas: one('a', 'currency', '1.1.0'), calls: ['redis'] },
  { key: 'recommendation', namespace: 'shop', kind: 'Deployment', protocol: 'http', port: 8080, vip: { octet: 14, port: 8080 }, replicas: one('a', 'recommendation', '0.6.2'), calls: ['catalog'] },
  {
    key: 'checkout',
    namespace: 'billing',
    kind: 'Deployment',
    protocol: 'http',
    port: 5050,
    vip: { octet: 16, port: 5050 },
    replicas: one('a', 'checkout', '3.0.4'),
    calls: ['cart', 'catalog', 'currency', 'shipping', 'payment', 'email'],
  },
  {
    key: 'payment',
    namespace: 'billing',
    kind: 'Deployment',
    protocol: 'http',
    port: 50051,
    vip: { headless: true, port: 50051 },
    replicas: [
      { node: 'a', netnsLabel: 'payment', version: CANARY.stableVersion },
      { node: 'b', netnsLabel: 'payment-canary', version: CANARY.canaryVersion, canary: true },
    ],
    calls: ['payment-provider'],
  },
  { key: 'cart', namespace: 'shop', kind: 'Deployment', protocol: 'http', port: 7070, vip: { octet: 11, port: 7070 }, replicas: one('b', 'cart', '2.2.0'), calls: ['redis'] },
  { key: 'shipping', namespace: 'shop', kind: 'Deployment', protocol: 'http', port: 50051, vip: { octet: 15, port: 50051 }, replicas: one('b', 'shipping', '1.0.8'), calls: ['postgres'] },
  { key: 'email', namespace: 'shop', kind: 'Deployment', protocol: 'http', port: 5000, vip: { octet: 18, port: 5000 }, replicas: one('b', 'email', '0.3.1'), calls: [] },
  { key: 'redis', namespace: 'data', kind: 'StatefulSet', protocol: 'resp', port: 6379, vip: { octet: 19, port: 6379 }, replicas: one('b', 'redis-0', '7.2.5'), calls: [] },
  { key: 'postgres', namespace: 'data', kind: 'StatefulSet', protocol: 'pg-like', port: 5432, vip: { octet: 20, port: 5432 }, replicas: one('b', 'postgres-0', '16.3'), calls: [] },
];

/** The image a service's pods run (its tag is the version). */
export function shopImage(service: DemoService, version: string): string {
  if (service.key === 'redis') return `docker.io/library/redis:${version}`;
  if (service.key === 'postgres') return `docker.io/library/postgres:${version}`;
  return `registry.example.com/${service.namespace}/${service.name}:${version}`;
}

/** The ReplicaSet of a Deployment's version, named as the controller names it (`<name>-<pod-template-hash>`). */
export function replicaSetNameOf(service: Pick<DemoService, 'namespace' | 'name'>, version: string): string {
  return `${service.name}-${templateHash(`${service.namespace}/${service.name}/${version}`)}`;
}

function podName(spec: ServiceSpec, replica: ReplicaSpec, index: number): string {
  if (spec.kind === 'StatefulSet') return `${spec.key}-${index}`;
  const rs = replicaSetNameOf({ namespace: spec.namespace, name: spec.key }, replica.version);
  return `${rs}-${templateHash(`${rs}/${replica.netnsLabel}`).slice(0, 5)}`;
}

/** The shop, with the load's rhythm. */
export function shopTopology(rhythm: LoadRhythm = DEFAULT_RHYTHM): DemoTopology {
  const nodes: DemoNode[] = SHOP_NODES.map((n, i) => ({ name: n.name, zone: n.zone, ip: clusterNodeIpv4(i + 1) }));
  const nodeOf = (key: NodeKey): { name: string; zone: string; index: number } => {
    const index = SHOP_NODES.findIndex((n) => n.key === key);
    const found = SHOP_NODES[index];
    if (!found) throw new Error(`no node ${key}`);
    return { name: found.name, zone: found.zone, index: index + 1 };
  };
  const placed = new Map<NodeKey, number>();
  const services: DemoService[] = SERVICES.map((spec) => ({
    key: spec.key,
    name: spec.key,
    namespace: spec.namespace,
    kind: spec.kind,
    protocol: spec.protocol,
    port: spec.port,
    serviceIp: spec.vip && 'octet' in spec.vip ? `198.19.0.${spec.vip.octet}` : null,
    servicePort: spec.vip ? spec.vip.port : null,
    headless: spec.vip !== null && 'headless' in spec.vip,
    pods: spec.replicas.map((replica, i): DemoPod => {
      const node = nodeOf(replica.node);
      const position = (placed.get(replica.node) ?? 0) + 1;
      placed.set(replica.node, position);
      return {
        name: podName(spec, replica, i),
        node: node.name,
        zone: node.zone,
        version: replica.version,
        ip: clusterPodIpv4(node.index, position),
        netnsLabel: replica.netnsLabel,
        canary: replica.canary ?? false,
      };
    }),
  }));
  services.push({
    key: 'payment-provider',
    name: 'payment-provider',
    namespace: '',
    kind: 'External',
    protocol: 'http',
    port: PAYMENT_PROVIDER_PORT,
    serviceIp: null,
    servicePort: null,
    headless: false,
    pods: [{ name: 'payment-provider', node: '', zone: '', version: '', ip: EXTERNAL_IPV4, netnsLabel: 'external', canary: false }],
  });
  const portOf = (key: ShopServiceKey): number => {
    const port = services.find((s) => s.key === key)?.port;
    if (port === undefined || port === null) throw new Error(`shop: ${key} is called but serves no port`);
    return port;
  };
  const edges: DemoEdge[] = SERVICES.flatMap((spec) => spec.calls.map((server) => ({ client: spec.key, server, port: portOf(server) })));
  return { nodes, services, edges, canary: { ...CANARY }, rhythm: { ...rhythm } };
}
