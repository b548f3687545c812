/**
 * The known topology the query scenarios write and check against: tenant `acme` with
 * a -> b -> c -> d and e -> b, and tenant `globex` with the same service ids (other names, other
 * edges, far larger counters) whose rows must never show up in an `acme` answer.
 *
 * Time line, from H (on the hour, a few hours ago):
 * - baseline [H, H+3400): a -> b, b -> c, c -> d, and d -> e (which then vanishes);
 * - window   [H+3517, H+7283): a -> b, b -> c, c -> d, e -> b (which appeared at H+3500);
 *   in it b -> c fails on server version v2 (failure rate), c -> d's srtt is 6x (rtt p99).
 * The window's pieces mix every tier on both sides: 1 s [3517, 3520), 10 s [3520, 3540),
 * 1 m [3540, 3600), 1 h [3600, 7200), 1 m [7200, 7260), 10 s [7260, 7280), 1 s [7280, 7283).
 */
import type { EdgeRow } from '../edgeStore.js';
import { seededRandom } from './seededRandom.js';

export const TENANT = 'acme';
export const OTHER_TENANT = 'globex';

export interface TopologyService {
  id: string;
  display: string;
  namespace: string;
  kind: string;
}

export const SERVICES: Record<'a' | 'b' | 'c' | 'd' | 'e', TopologyService> = {
  a: { id: 'svc-a', display: 'alpha', namespace: 'shop', kind: 'Deployment' },
  b: { id: 'svc-b', display: 'beta', namespace: 'shop', kind: 'Deployment' },
  c: { id: 'svc-c', display: 'gamma', namespace: 'data', kind: 'StatefulSet' },
  d: { id: 'svc-d', display: 'delta', namespace: 'data', kind: 'StatefulSet' },
  e: { id: 'svc-e', display: 'epsilon', namespace: 'edge', kind: 'Deployment' },
};

/** globex's own service, which acme must not find. */
export const OTHER_ONLY_SERVICE = 'svc-x';

export interface TopologyEdge {
  client: TopologyService;
  server: TopologyService;
  port: number;
  /** Seconds (offsets from H) at which the edge has rows: [from, to). */
  during: readonly [number, number];
}

export const EDGES: readonly TopologyEdge[] = [
  { client: SERVICES.a, server: SERVICES.b, port: 8080, during: [0, 7400] },
  { client: SERVICES.b, server: SERVICES.c, port: 5432, during: [0, 7400] },
  { client: SERVICES.c, server: SERVICES.d, port: 9000, during: [0, 7400] },
  { client: SERVICES.e, server: SERVICES.b, port: 8080, during: [3500, 7400] },
  { client: SERVICES.d, server: SERVICES.e, port: 7000, during: [0, 3400] },
];

export const WINDOW_OFFSETS = { from: 3517, to: 7283 } as const;
export const BASELINE_OFFSETS = { from: 0, to: 3400 } as const;
/** After this offset b -> c fails on server version v2 and c -> d is slow. */
export const DEGRADED_FROM = 3500;

/** Two instance combinations per edge: instance i of each end runs in zone-(i+1), version v(i+1), node-(i+1). */
export const COMBINATIONS = [0, 1] as const;

/** The seconds (offsets from H) that have rows: every 7th second and each boundary's neighbours. */
export function topologySeconds(): number[] {
  const seconds = new Set<number>();
  for (let s = 0; s < 7400; s += 7) seconds.add(s);
  for (const b of [3516, 3517, 3519, 3520, 3539, 3540, 3599, 3600, 7199, 7200, 7259, 7260, 7279, 7280, 7282, 7283]) seconds.add(b);
  return [...seconds].sort((x, y) => x - y);
}

/** acme's rows and globex's rows over the time line. */
export function topologyRows(H: number): { rows: EdgeRow[]; otherRows: EdgeRow[] } {
  const random = seededRandom(1010);
  const int = (max: number): number => Math.floor(random() * max);
  const rows: EdgeRow[] = [];
  for (const offset of topologySeconds()) {
    for (const edge of EDGES) {
      if (offset < edge.during[0] || offset >= edge.during[1]) continue;
      for (const i of COMBINATIONS) {
        const degraded = offset >= DEGRADED_FROM;
        const failing = degraded && edge.server === SERVICES.c && i === 1;
        const slow = degraded && edge.server === SERVICES.d;
        const rtt = slow ? 6000 : 500 + 300 * EDGES.indexOf(edge);
        rows.push({
          tenant: TENANT,
          ts: H + offset,
          ...end('client', edge.client, i),
          ...end('server', edge.server, i),
          server_port: edge.port,
          connections_opened: 5 + int(10),
          connections_closed: 5 + int(10),
          connections_failed: failing ? 4 + int(4) : 0,
          connection_seconds: 20 + int(50),
          bytes_sent: 10_000 + int(100_000),
          bytes_received: 50_000 + int(500_000),
          retransmits: int(2),
          resets: int(2),
          // Constant srtt per edge and period: every quantile of the window is that value.
          rtt_samples_us: [rtt, rtt],
        });
      }
    }
  }
  const otherRows: EdgeRow[] = [];
  const other = (s: TopologyService): TopologyService => ({ ...s, display: `other-${s.display}`, namespace: 'globex-ns' });
  const x: TopologyService = { id: OTHER_ONLY_SERVICE, display: 'xray', namespace: 'shop', kind: 'Deployment' };
  for (const offset of topologySeconds()) {
    for (const [client, server, port] of [
      [other(SERVICES.d), other(SERVICES.a), 7000],
      [other(SERVICES.a), other(SERVICES.b), 8080],
      [x, other(SERVICES.b), 8080],
    ] as const) {
      otherRows.push({
        tenant: OTHER_TENANT,
        ts: H + offset,
        ...end('client', client, 0),
        ...end('server', server, 0),
        server_port: port,
        connections_opened: 1_000_000,
        connections_closed: 1_000_000,
        connections_failed: 1_000_000,
        connection_seconds: 1_000_000,
        bytes_sent: 1e12,
        bytes_received: 1e12,
        retransmits: 1_000_000,
        resets: 1_000_000,
        rtt_samples_us: [9_999_999],
      });
    }
  }
  return { rows, otherRows };
}

type EndField = 'service' | 'display' | 'namespace' | 'workload' | 'kind' | 'instance' | 'node' | 'zone' | 'version' | 'process';

function end<P extends 'client' | 'server'>(prefix: P, s: TopologyService, i: number): Record<`${P}_${EndField}`, string> {
  return <Record<`${P}_${EndField}`, string>>{
    [`${prefix}_service`]: s.id,
    [`${prefix}_display`]: s.display,
    [`${prefix}_namespace`]: s.namespace,
    [`${prefix}_workload`]: s.display,
    [`${prefix}_kind`]: s.kind,
    [`${prefix}_instance`]: `${s.display}-${i}`,
    [`${prefix}_node`]: `node-${i + 1}`,
    [`${prefix}_zone`]: `zone-${i + 1}`,
    [`${prefix}_version`]: `v${i + 1}`,
    [`${prefix}_process`]: s.kind === 'StatefulSet' ? 'postgres' : 'node',
  };
}

/**
 * A tree of calls in one second at H + 10: tree-0 calls `fanOut` services (hop 1), each of which
 * calls `fanOut` more (hop 2); the first two hop-2 services also call each other (an edge inside
 * the neighbourhood) and the last one calls `outside` (hop 3). For neighbourhoods larger than an
 * id list the store binds.
 */
export function treeRows(H: number, fanOut: number): EdgeRow[] {
  const random = seededRandom(7);
  const int = (max: number): number => Math.floor(random() * max);
  const service = (id: string): TopologyService => ({ id, display: id, namespace: 'tree', kind: 'Deployment' });
  const call = (client: string, server: string): EdgeRow => ({
    tenant: TENANT,
    ts: H + 10,
    ...end('client', service(client), 0),
    ...end('server', service(server), 0),
    server_port: 8080,
    connections_opened: 1 + int(5),
    connections_closed: 1,
    connections_failed: int(2),
    connection_seconds: 1,
    bytes_sent: 100 + int(1000),
    bytes_received: 100 + int(1000),
    retransmits: 0,
    resets: 0,
    rtt_samples_us: [700],
  });
  const rows: EdgeRow[] = [];
  for (let i = 0; i < fanOut; i++) {
    rows.push(call('tree-0', `tree-1-${i}`));
    for (let j = 0; j < fanOut; j++) rows.push(call(`tree-1-${i}`, `tree-2-${i}-${j}`));
  }
  rows.push(call('tree-2-0-0', 'tree-2-0-1'), call(`tree-2-${fanOut - 1}-${fanOut - 1}`, 'outside'));
  return rows;
}
