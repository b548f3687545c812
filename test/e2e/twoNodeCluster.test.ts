/**
 * The whole product on a simulated two-node Kubernetes cluster
 * (test/fixtures/clusterTopology.ts): pods as network namespaces on two
 * nodes, kube-proxy-style DNAT for a Service VIP in every node, an external
 * host, and a fixture Kubernetes API server (real-shaped list/watch JSON)
 * that knows the workloads. One Weft agent per node, each with `--netns`
 * over its own node's namespaces. Six workloads in three namespaces:
 *
 *   node a: shop/frontend (a1), shop/catalog (a2), billing/payments (a3)
 *   node b: shop/cart (b1), data/redis (b2, a StatefulSet), billing/ledger (b3)
 *
 *   frontend -> cart      through the Service VIP 198.19.0.10:80 (-> b1:8080), cross-node
 *   frontend -> catalog   same node
 *   cart     -> redis     same node (b)
 *   payments -> ledger    cross-node, pod to pod
 *   catalog  -> external  203.0.113.10:443, no agent there
 *
 * Ground truth: what the test's own clients measured on their sockets
 * (connections, bytes each way). Through GET /api/v1/map: every expected
 * edge, nothing else, bytes and connections per edge exact, both ends named
 * by workload and namespace, the VIP edge on the backend workload, the
 * external end named. Twice: on the embedded path (`weft up` on node a, the
 * node b agent sending to it over gRPC with an ingest key made through the
 * API with the admin key `weft up` printed, chdb) and on the Kafka path (a
 * real broker, two `weft ingest` in one group, the remote ClickHouse client,
 * `weft api`, the agents' and the API's keys from one control database).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AgentProcess } from '../fixtures/agentProcess.js';
import { ClickHouseHttpServer } from '../fixtures/clickhouseHttpServer.js';
import { pollUntil } from '../fixtures/commandRunner.js';
import { ClusterTopology, EXTERNAL_IPV4, clusterNodeIpv4 } from '../fixtures/clusterTopology.js';
import { TestControlDb, bearer } from '../fixtures/controlKeys.js';
import { KafkaBroker } from '../fixtures/kafkaBroker.js';
import { KubeApiServer, deploymentWorkload, node, serviceFor, statefulSetWorkload, type KubeObject } from '../fixtures/kubeApiServer.js';
import { freeLoopbackPort } from '../fixtures/loopbackPort.js';
import { TcpPeerProcess } from '../fixtures/tcpPeerProcess.js';
import { WeftProcess } from '../fixtures/weftProcess.js';
import { WeftUpProcess, type MapEdge, type ServiceMapResponse } from '../fixtures/weftUpProcess.js';

const CART_VIP = '198.19.0.10';

interface Workload {
  namespace: string;
  name: string;
  kind: 'Deployment' | 'StatefulSet';
  node: 'a' | 'b';
  pod: number;
  /** The port it serves on, if it is a server. */
  port?: number;
}

const WORKLOADS: Record<'frontend' | 'catalog' | 'payments' | 'cart' | 'redis' | 'ledger', Workload> = {
  frontend: { namespace: 'shop', name: 'frontend', kind: 'Deployment', node: 'a', pod: 1 },
  catalog: { namespace: 'shop', name: 'catalog', kind: 'Deployment', node: 'a', pod: 2, port: 9000 },
  payments: { namespace: 'billing', name: 'payments', kind: 'Deployment', node: 'a', pod: 3 },
  cart: { namespace: 'shop', name: 'cart', kind: 'Deployment', node: 'b', pod: 1, port: 8080 },
  redis: { namespace: 'data', name: 'redis', kind: 'StatefulSet', node: 'b', pod: 2, port: 6379 },
  ledger: { namespace: 'billing', name: 'ledger', kind: 'Deployment', node: 'b', pod: 3, port: 7000 },
};

type WorkloadName = keyof typeof WORKLOADS;

const EXTERNAL_PORT = 443;

interface Call {
  label: string;
  from: WorkloadName;
  /** A workload dialled at its pod address, the cart VIP, or the external host. */
  to: WorkloadName | 'cart-vip' | 'external';
  connections: number;
  exchanges: number;
  request: number;
  response: number;
}

// Distinct sizes per call, so that an edge carrying another's bytes cannot add up by chance.
const CALLS: Call[] = [
  { label: 'frontend -> cart (VIP)', from: 'frontend', to: 'cart-vip', connections: 4, exchanges: 3, request: 700, response: 5_300 },
  { label: 'frontend -> catalog', from: 'frontend', to: 'catalog', connections: 3, exchanges: 2, request: 410, response: 9_100 },
  { label: 'cart -> redis', from: 'cart', to: 'redis', connections: 5, exchanges: 4, request: 130, response: 1_900 },
  { label: 'payments -> ledger', from: 'payments', to: 'ledger', connections: 2, exchanges: 5, request: 2_200, response: 640 },
  { label: 'catalog -> external', from: 'catalog', to: 'external', connections: 3, exchanges: 1, request: 350, response: 24_000 },
];

const workloadId = (w: Workload): string => `k8s:${w.namespace}/${w.kind}/${w.name}`;
const EXTERNAL_ID = `external:${EXTERNAL_IPV4}`;

function targetOf(call: Call): { id: string; port: number } {
  if (call.to === 'external') return { id: EXTERNAL_ID, port: EXTERNAL_PORT };
  // The VIP is undone: the edge is the backend workload's, on the backend's port.
  const server = WORKLOADS[call.to === 'cart-vip' ? 'cart' : call.to];
  return { id: workloadId(server), port: server.port as number };
}

interface Truth {
  connections: number;
  sent: number;
  received: number;
}

let cluster: ClusterTopology;
let kube: KubeApiServer;

function podOf(w: Workload) {
  return cluster.pod(w.node, w.pod);
}

/** The cluster as the API server describes it: nodes, workloads and pods, and the cart Service. */
function kubeObjects(): KubeObject[] {
  const objects: KubeObject[] = [
    node({ name: 'node-a', ip: clusterNodeIpv4(1), zone: 'zone-1a' }),
    node({ name: 'node-b', ip: clusterNodeIpv4(2), zone: 'zone-1b' }),
  ];
  for (const w of Object.values(WORKLOADS) as Workload[]) {
    const input = {
      namespace: w.namespace,
      name: w.name,
      image: `registry.example.com/${w.namespace}/${w.name}:1.${w.pod}.0`,
      containerPorts: w.port ? [w.port] : [],
      replicas: [{ ip: podOf(w).ipv4, node: `node-${w.node}` }],
    };
    const workload = w.kind === 'StatefulSet' ? statefulSetWorkload(input) : deploymentWorkload(input);
    objects.push(...workload);
    if (w.name === 'cart') {
      objects.push(...serviceFor({ namespace: w.namespace, name: 'cart', clusterIP: CART_VIP, ports: [{ port: 80, targetPort: 8080, name: 'http' }], pods: workload }));
    }
  }
  return objects;
}

before(async () => {
  cluster = await ClusterTopology.create({
    nodes: [
      { name: 'a', pods: 3 },
      { name: 'b', pods: 3 },
    ],
    external: true,
  });
  await cluster.addServiceVip({ vip: CART_VIP, port: 80, backends: [{ ip: cluster.pod('b', 1).ipv4, port: 8080 }] });
  kube = await KubeApiServer.start();
  kube.addAll(kubeObjects());
  // The servers run for the whole file; each test starts its own Weft and clients.
  for (const w of Object.values(WORKLOADS) as Workload[]) {
    if (w.port) await TcpPeerProcess.start(cluster, podOf(w).netns, 'server', { listen: podOf(w).ipv4, port: w.port });
  }
  await TcpPeerProcess.start(cluster, cluster.external().netns, 'server', { listen: EXTERNAL_IPV4, port: EXTERNAL_PORT });
});

after(async () => {
  await kube?.stop();
  await cluster?.teardown();
});

/** Runs every call at once and returns what the clients measured, per call. */
async function driveTraffic(): Promise<Map<Call, Truth>> {
  const clients = await Promise.all(
    CALLS.map((call) => {
      const address = call.to === 'external' ? EXTERNAL_IPV4 : call.to === 'cart-vip' ? CART_VIP : podOf(WORKLOADS[call.to]).ipv4;
      const port = call.to === 'external' ? EXTERNAL_PORT : call.to === 'cart-vip' ? 80 : (WORKLOADS[call.to].port as number);
      return TcpPeerProcess.start(cluster, podOf(WORKLOADS[call.from]).netns, 'client', {
        connect: address,
        port,
        connections: call.connections,
        concurrency: call.connections,
        exchanges: call.exchanges,
        'interval-ms': 200,
        request: call.request,
        response: call.response,
      });
    }),
  );
  const truths = new Map<Call, Truth>();
  for (const [i, client] of clients.entries()) {
    const call = CALLS[i] as Call;
    const done = await client.finished(60_000);
    assert.equal(done.errors, 0, `${call.label}: the client saw errors`);
    const truth: Truth = { connections: 0, sent: 0, received: 0 };
    for (const c of client.connections) {
      truth.connections += 1;
      truth.sent += c.bytesWritten;
      truth.received += c.bytesRead;
    }
    assert.equal(truth.connections, call.connections);
    truths.set(call, truth);
  }
  return truths;
}

function edgeOf(map: ServiceMapResponse, call: Call): MapEdge | undefined {
  const source = workloadId(WORKLOADS[call.from]);
  const target = targetOf(call);
  return map.edges.find((e) => e.source === source && e.target === target.id && e.port === target.port);
}

/** Waits until every expected edge has at least its truth (then asserts exactly). */
async function waitForTotals(read: () => Promise<ServiceMapResponse>, truths: Map<Call, Truth>): Promise<ServiceMapResponse> {
  let last: ServiceMapResponse | undefined;
  await pollUntil(
    async () => {
      last = await read();
      const map = last;
      const complete = CALLS.every((call) => {
        const edge = edgeOf(map, call);
        const truth = truths.get(call) as Truth;
        return edge !== undefined && edge.connections_opened >= truth.connections && edge.bytes_sent >= truth.sent && edge.bytes_received >= truth.received;
      });
      return complete ? true : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 1_000 },
  ).catch(() => undefined);
  return last ?? read();
}

function assertMap(t: { diagnostic(message: string): void }, map: ServiceMapResponse, truths: Map<Call, Truth>): void {
  for (const edge of map.edges) t.diagnostic(`edge ${edge.source} -> ${edge.target}:${edge.port} connections ${edge.connections_opened} bytes ${edge.bytes_sent}/${edge.bytes_received}`);
  for (const call of CALLS) {
    const truth = truths.get(call) as Truth;
    const edge = edgeOf(map, call);
    assert.ok(edge, `${call.label}: no edge ${workloadId(WORKLOADS[call.from])} -> ${JSON.stringify(targetOf(call))}`);
    assert.equal(edge.connections_opened, truth.connections, `${call.label}: connections`);
    assert.equal(edge.bytes_sent, truth.sent, `${call.label}: bytes client -> server`);
    assert.equal(edge.bytes_received, truth.received, `${call.label}: bytes server -> client`);
    assert.equal(edge.connections_failed, 0, `${call.label}: failed connections`);
  }
  const expected = new Set(CALLS.map((call) => `${workloadId(WORKLOADS[call.from])} -> ${targetOf(call).id}:${targetOf(call).port}`));
  const phantoms = map.edges.map((e) => `${e.source} -> ${e.target}:${e.port}`).filter((key) => !expected.has(key));
  assert.deepEqual(phantoms, [], 'edges nobody made');

  // Both ends named by workload and namespace; the external end by its address.
  for (const w of Object.values(WORKLOADS) as Workload[]) {
    const mapNode = map.nodes.find((n) => n.id === workloadId(w));
    assert.ok(mapNode, `no map node for ${workloadId(w)}: ${JSON.stringify(map.nodes.map((n) => n.id))}`);
    assert.equal(mapNode.name, w.name);
    assert.equal(mapNode.namespace, w.namespace);
    assert.equal(mapNode.kind, w.kind);
  }
  const external = map.nodes.find((n) => n.id === EXTERNAL_ID);
  assert.ok(external, `no map node for the external host: ${JSON.stringify(map.nodes.map((n) => n.id))}`);
  assert.equal(external.name, EXTERNAL_IPV4);
}

test('embedded: weft up on node a, node b agent over gRPC, chdb; every edge exact and named from Kubernetes', { timeout: 240_000 }, async (t) => {
  const grpcPort = await freeLoopbackPort();
  const up = await WeftUpProcess.start([
    '--node-id', 'node-a',
    ...cluster.nodeNetnsNames('a').flatMap((ns) => ['--netns', ns]),
    // The node's host namespace holds the kube-proxy rules (a real agent runs there).
    '--conntrack-netns', cluster.node('a').netns,
    '--kube-api', kube.url,
    '--grpc-listen', `127.0.0.1:${grpcPort}`,
  ], { timeoutMs: 90_000 });
  let agentB: AgentProcess | undefined;
  try {
    const ingestKey = await up.createKey(['ingest'], 'node b agent');
    agentB = await AgentProcess.start({
      netns: cluster.nodeNetnsNames('b'),
      extraArgs: ['--grpc', `127.0.0.1:${grpcPort}`, '--node-id', 'node-b', '--conntrack-netns', cluster.node('b').netns, '--key', ingestKey],
    });
    const truths = await driveTraffic();
    const map = await waitForTotals(() => up.map('from=now-15m'), truths);
    assertMap(t, map, truths);
  } finally {
    await agentB?.kill();
    await up.dispose();
  }
});

test('Kafka: two agents, a real broker, two ingests in one group, remote ClickHouse; every edge exact and named from Kubernetes', { timeout: 300_000 }, async (t) => {
  const [broker, clickhouse] = await Promise.all([KafkaBroker.start(), ClickHouseHttpServer.start()]);
  const control = await TestControlDb.create(['shop-corp']);
  const tenant = control.tenant('shop-corp');
  const processes: WeftProcess[] = [];
  const agents: AgentProcess[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      processes.push(
        await WeftProcess.start(
          ['ingest', '--kafka', broker.brokers.join(','), '--clickhouse', clickhouse.url(), '--kube-api', kube.url, '--metrics-addr', `127.0.0.1:${await freeLoopbackPort()}`, ...control.args()],
          /weft ingest: ready/,
        ),
      );
    }
    const api = await WeftProcess.start(['api', '--clickhouse', clickhouse.url(), '--api-addr', `127.0.0.1:${await freeLoopbackPort()}`, ...control.args()], /API at http/);
    processes.push(api);
    for (const name of ['a', 'b']) {
      agents.push(
        await AgentProcess.start({
          netns: cluster.nodeNetnsNames(name),
          extraArgs: ['--kafka', broker.brokers.join(','), '--node-id', `node-${name}`, '--conntrack-netns', cluster.node(name).netns, '--key', tenant.ingestKey],
        }),
      );
    }
    const truths = await driveTraffic();
    const url = api.printed(/API at (http:\/\/\S+)/) as string;
    const map = await waitForTotals(async () => {
      const response = await fetch(`${url}/api/v1/map?from=now-15m`, { headers: bearer(tenant.readKey) });
      assert.equal(response.status, 200);
      return (await response.json()) as ServiceMapResponse;
    }, truths);
    assertMap(t, map, truths);
  } finally {
    for (const agent of agents) await agent.kill();
    for (const process of processes) await process.kill();
    await broker.dispose();
    await clickhouse.close();
    control.remove();
  }
});
