/**
 * Every read endpoint of the API against a topology the test builds and the traffic it drives,
 * through the real pipeline: pods as network namespaces on two nodes
 * (test/fixtures/clusterTopology.ts), a fixture Kubernetes API that names them, `weft up` on
 * node a with the node b agent sending over gRPC with an ingest key.
 *
 *   node a: edge/gateway (a1), shop/frontend (a2, :8000), shop/auth (a3, :9000), jobs/batch (a4)
 *   node b: shop/api v1 (b1, :8080), shop/api v2 (b2, nothing listens: every connection refused),
 *           data/db (b3, :5432, StatefulSet), data/cache (b4, :6379), jobs/worker (b5)
 *
 *   both phases: gateway -> frontend, frontend -> auth, frontend -> api (v1 pod; and the v2 pod, refused),
 *                api -> db, api -> cache, worker -> api
 *   phase A only (the baseline): batch -> cache        phase B only: batch -> db
 *
 * Ground truth is the test's own: the calls it made (for neighborhoods, a breadth-first search
 * over them), what its clients measured on their sockets (series totals), which pod it left
 * without a listener (the breakdown), which edge it dropped and which it added between the
 * phases (changes). The whole suite runs twice: control data (tenants, keys) on SQLite, then on
 * PostgreSQL (Debian's, started and stopped by test/fixtures/postgresServer.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AgentProcess } from '../fixtures/agentProcess.js';
import { pollUntil } from '../fixtures/commandRunner.js';
import { ClusterTopology, clusterNodeIpv4 } from '../fixtures/clusterTopology.js';
import { KubeApiServer, deployment, deploymentWorkload, node, pod, replicaSet, statefulSetWorkload, type KubeObject } from '../fixtures/kubeApiServer.js';
import { freeLoopbackPort } from '../fixtures/loopbackPort.js';
import { PostgresServer } from '../fixtures/postgresServer.js';
import { TcpPeerProcess } from '../fixtures/tcpPeerProcess.js';
import { WeftUpProcess } from '../fixtures/weftUpProcess.js';

type NodeName = 'a' | 'b';

interface Workload {
  id: string;
  namespace: string;
  name: string;
  node: NodeName;
  pod: number;
  port?: number;
}

const workload = (namespace: string, name: string, kind: 'Deployment' | 'StatefulSet', nodeName: NodeName, podIndex: number, port?: number): Workload => ({
  id: `k8s:${namespace}/${kind}/${name}`,
  namespace,
  name,
  node: nodeName,
  pod: podIndex,
  ...(port !== undefined ? { port } : {}),
});

const W = {
  gateway: workload('edge', 'gateway', 'Deployment', 'a', 1),
  frontend: workload('shop', 'frontend', 'Deployment', 'a', 2, 8000),
  auth: workload('shop', 'auth', 'Deployment', 'a', 3, 9000),
  batch: workload('jobs', 'batch', 'Deployment', 'a', 4),
  api: workload('shop', 'api', 'Deployment', 'b', 1, 8080),
  db: workload('data', 'db', 'StatefulSet', 'b', 3, 5432),
  cache: workload('data', 'cache', 'Deployment', 'b', 4, 6379),
  worker: workload('jobs', 'worker', 'Deployment', 'b', 5),
};
type Name = keyof typeof W;

/** The api's second version: its pod (b2) has no listener, so every connection to it is refused. */
const API_V2_POD = 2;
const API_VERSIONS = { v1: 'v1.4.2', v2: 'v2.0.0-rc1' };
const REFUSED_PER_PHASE = 4;

interface Call {
  from: Name;
  to: Name;
  connections: number;
  exchanges: number;
  request: number;
  response: number;
  phases: ReadonlyArray<'A' | 'B'>;
}

// Distinct sizes per call, so an edge carrying another's bytes cannot add up by chance.
const CALLS: Call[] = [
  { from: 'gateway', to: 'frontend', connections: 3, exchanges: 2, request: 310, response: 4_100, phases: ['A', 'B'] },
  { from: 'frontend', to: 'auth', connections: 2, exchanges: 3, request: 120, response: 530, phases: ['A', 'B'] },
  { from: 'frontend', to: 'api', connections: 4, exchanges: 2, request: 650, response: 7_700, phases: ['A', 'B'] },
  { from: 'api', to: 'db', connections: 3, exchanges: 4, request: 90, response: 12_000, phases: ['A', 'B'] },
  { from: 'api', to: 'cache', connections: 2, exchanges: 5, request: 60, response: 900, phases: ['A', 'B'] },
  { from: 'worker', to: 'api', connections: 2, exchanges: 1, request: 1_500, response: 300, phases: ['A', 'B'] },
  { from: 'batch', to: 'cache', connections: 2, exchanges: 2, request: 75, response: 1_100, phases: ['A'] },
  { from: 'batch', to: 'db', connections: 3, exchanges: 1, request: 2_400, response: 60_000, phases: ['B'] },
];

const edgeKey = (source: string, target: string, port: number): string => `${source} -> ${target}:${port}`;
const callKey = (call: Call): string => edgeKey(W[call.from].id, W[call.to].id, W[call.to].port as number);

interface Truth {
  connections: number;
  sent: number;
  received: number;
}

let cluster: ClusterTopology;
let kube: KubeApiServer;

const podOf = (w: Workload, index = w.pod) => cluster.pod(w.node, index);

function kubeObjects(): KubeObject[] {
  const objects: KubeObject[] = [
    node({ name: 'node-a', ip: clusterNodeIpv4(1), zone: 'zone-1a' }),
    node({ name: 'node-b', ip: clusterNodeIpv4(2), zone: 'zone-1b' }),
  ];
  for (const [name, w] of Object.entries(W) as Array<[Name, Workload]>) {
    if (name === 'api') continue;
    const input = {
      namespace: w.namespace,
      name: w.name,
      image: `registry.example.com/${w.namespace}/${w.name}:1.0.${w.pod}`,
      containerPorts: w.port ? [w.port] : [],
      replicas: [{ ip: podOf(w).ipv4, node: `node-${w.node}` }],
    };
    objects.push(...(w.id.includes('/StatefulSet/') ? statefulSetWorkload(input) : deploymentWorkload(input)));
  }
  // The api mid-rollout: one Deployment, a ReplicaSet per version, one pod each.
  const api = W.api;
  objects.push(deployment({ namespace: api.namespace, name: api.name, replicas: 2, image: `registry.example.com/shop/api:${API_VERSIONS.v2}` }));
  for (const [version, podIndex] of [[API_VERSIONS.v1, api.pod], [API_VERSIONS.v2, API_V2_POD]] as const) {
    const hash = version.replace(/[^a-z0-9]/g, '').slice(0, 10);
    const rs = replicaSet({ namespace: api.namespace, deployment: api.name, podTemplateHash: hash, image: `registry.example.com/shop/api:${version}`, replicas: 1 });
    objects.push(
      rs,
      pod({
        namespace: api.namespace,
        name: `${rs.metadata.name}-${podIndex}x`,
        ip: podOf(api, podIndex).ipv4,
        node: 'node-b',
        ownerReplicaSet: rs.metadata.name,
        labels: { app: api.name, 'pod-template-hash': hash, 'app.kubernetes.io/version': version },
        image: `registry.example.com/shop/api:${version}`,
        containerPorts: [api.port as number],
      }),
    );
  }
  return objects;
}

before(async () => {
  cluster = await ClusterTopology.create({
    nodes: [
      { name: 'a', pods: 4 },
      { name: 'b', pods: 5 },
    ],
  });
  kube = await KubeApiServer.start();
  kube.addAll(kubeObjects());
  for (const w of Object.values(W)) {
    if (w.port) await TcpPeerProcess.start(cluster, podOf(w).netns, 'server', { listen: podOf(w).ipv4, port: w.port });
  }
});

after(async () => {
  await kube?.stop();
  await cluster?.teardown();
});

/** Runs one phase's calls at once, plus the refused connections to api v2; returns what the clients measured. */
async function drivePhase(phase: 'A' | 'B', truths: Map<string, Truth>): Promise<void> {
  const calls = CALLS.filter((c) => c.phases.includes(phase));
  const clients = await Promise.all(
    calls.map((call) =>
      TcpPeerProcess.start(cluster, podOf(W[call.from]).netns, 'client', {
        connect: podOf(W[call.to]).ipv4,
        port: W[call.to].port,
        connections: call.connections,
        concurrency: call.connections,
        exchanges: call.exchanges,
        'interval-ms': 100,
        request: call.request,
        response: call.response,
      }),
    ),
  );
  const refused = await Promise.all(
    Array.from({ length: REFUSED_PER_PHASE }, () => TcpPeerProcess.start(cluster, podOf(W.frontend).netns, 'refused', { connect: podOf(W.api, API_V2_POD).ipv4, port: W.api.port })),
  );
  for (const [i, client] of clients.entries()) {
    const call = calls[i] as Call;
    const done = await client.finished(60_000);
    assert.equal(done.errors, 0, `${callKey(call)}: the client saw errors`);
    const truth = truths.get(callKey(call)) ?? { connections: 0, sent: 0, received: 0 };
    for (const c of client.connections) {
      truth.connections += 1;
      truth.sent += c.bytesWritten;
      truth.received += c.bytesRead;
    }
    truths.set(callKey(call), truth);
  }
  for (const r of refused) await r.finished(30_000);
}

/** Expected neighborhood: breadth-first over the calls made in the window, as the issue defines hops. */
function expectedHops(calls: readonly Call[], center: Name, depth: number, direction: 'in' | 'out' | 'both'): Map<string, number> {
  const hops = new Map<string, number>([[W[center].id, 0]]);
  let frontier = [W[center].id];
  for (let hop = 1; hop <= depth; hop++) {
    const next: string[] = [];
    for (const call of calls) {
      const [from, to] = [W[call.from].id, W[call.to].id];
      const reached: string[] = [];
      if (direction !== 'in' && frontier.includes(from)) reached.push(to);
      if (direction !== 'out' && frontier.includes(to)) reached.push(from);
      for (const id of reached) {
        if (!hops.has(id)) {
          hops.set(id, hop);
          next.push(id);
        }
      }
    }
    frontier = next;
  }
  return hops;
}

/** A client of the API with one key. */
class Api {
  constructor(
    readonly url: string,
    readonly key: string,
  ) {}

  async get<T>(path: string, expectStatus = 200): Promise<T> {
    const response = await fetch(`${this.url}${path}`, { headers: { authorization: `Bearer ${this.key}` } });
    const text = await response.text();
    assert.equal(response.status, expectStatus, `GET ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }

  async post<T>(path: string, body: unknown, expectStatus = 201): Promise<T> {
    const response = await fetch(`${this.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${this.key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await response.text();
    assert.equal(response.status, expectStatus, `POST ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }
}

interface EdgeJson {
  source: string;
  target: string;
  port: number;
  connections_opened: number;
  connections_failed: number;
  bytes_sent: number;
  bytes_received: number;
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();
const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const ADMIN_KEY = /\b(weft_[a-z2-7]+_[A-Za-z0-9_-]+)\b/;

function suite(label: string, controlDb: () => Promise<string[]>): void {
  describe(`API endpoints on a known topology, control data on ${label}`, { timeout: 420_000 }, () => {
    let up: WeftUpProcess;
    let agentB: AgentProcess | undefined;
    let api: Api;
    const truths = new Map<string, Truth>();
    let phaseA = { from: 0, to: 0 };
    let phaseB = { from: 0, to: 0 };

    before(async () => {
      const grpcPort = await freeLoopbackPort();
      up = await WeftUpProcess.start(
        [
          '--node-id', 'node-a',
          ...cluster.nodeNetnsNames('a').flatMap((ns) => ['--netns', ns]),
          '--conntrack-netns', cluster.node('a').netns,
          '--kube-api', kube.url,
          '--grpc-listen', `127.0.0.1:${grpcPort}`,
          ...(await controlDb()),
        ],
        { timeoutMs: 90_000 },
      );
      const adminKey = ADMIN_KEY.exec(up.stderr)?.[1];
      assert.ok(adminKey, `weft up printed no admin key on its first start:\n${up.stderr}`);
      api = new Api(up.apiUrl, adminKey);
      const ingestKey = await api.post<{ plaintext: string }>('/api/v1/keys', { name: 'node b agent', scopes: ['ingest'] });
      agentB = await AgentProcess.start({
        netns: cluster.nodeNetnsNames('b'),
        extraArgs: ['--grpc', `127.0.0.1:${grpcPort}`, '--node-id', 'node-b', '--conntrack-netns', cluster.node('b').netns, '--key', ingestKey.plaintext],
      });
      // Phases on 10-second boundaries, with a quiet gap between them, so every second of
      // traffic lands in its own phase's window and series steps of 10 s line up.
      const boundary = async (): Promise<number> => {
        const next = Math.ceil((nowSeconds() + 1) / 10) * 10;
        await sleep(next * 1000 - Date.now() + 50);
        return next;
      };
      phaseA.from = await boundary();
      await drivePhase('A', truths);
      await sleep(3_000);
      phaseA.to = await boundary();
      phaseB = { from: phaseA.to, to: 0 };
      await drivePhase('B', truths);
      await sleep(3_000);
      phaseB.to = await boundary();
      // Everything of both phases stored: the map of the whole run holds every call's bytes.
      const whole = `from=${iso(phaseA.from)}&to=${iso(phaseB.to)}`;
      await pollUntil(
        async () => {
          const map = await api.get<{ edges: EdgeJson[] }>(`/api/v1/map?${whole}`);
          return CALLS.every((call) => {
            const e = map.edges.find((x) => edgeKey(x.source, x.target, x.port) === callKey(call));
            const t = truths.get(callKey(call)) as Truth;
            return e !== undefined && e.bytes_received >= t.received && e.connections_opened >= t.connections;
          })
            ? true
            : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 1_000 },
      );
    });

    after(async () => {
      await agentB?.kill();
      await up?.dispose();
    });

    const wholeWindow = (): string => `from=${iso(phaseA.from)}&to=${iso(phaseB.to)}`;

    test('the map of the whole run holds every call, exact, and nothing else', async () => {
      const map = await api.get<{ edges: EdgeJson[] }>(`/api/v1/map?${wholeWindow()}`);
      for (const call of CALLS) {
        const e = map.edges.find((x) => edgeKey(x.source, x.target, x.port) === callKey(call));
        const t = truths.get(callKey(call)) as Truth;
        assert.ok(e, `no edge ${callKey(call)}`);
        assert.equal(e.connections_opened, t.connections, `${callKey(call)} connections`);
        assert.equal(e.bytes_sent, t.sent, `${callKey(call)} bytes sent`);
        assert.equal(e.bytes_received, t.received, `${callKey(call)} bytes received`);
      }
      const expected = new Set(CALLS.map(callKey));
      assert.deepEqual(map.edges.map((e) => edgeKey(e.source, e.target, e.port)).filter((k) => !expected.has(k)), [], 'edges nobody made');
    });

    for (const [center, direction, depth] of [
      ['frontend', 'out', 1], ['frontend', 'out', 2], ['frontend', 'out', 3],
      ['db', 'in', 1], ['db', 'in', 2], ['db', 'in', 3],
      ['api', 'both', 1], ['gateway', 'both', 2], ['gateway', 'both', 3],
    ] as const) {
      test(`neighborhood of ${center}, ${direction}, depth ${depth}: the services within that many hops, each with its distance`, async () => {
        const answer = await api.get<{ nodes: Array<{ id: string; hops: number }>; edges: EdgeJson[] }>(
          `/api/v1/services/${encodeURIComponent(W[center].id)}/neighborhood?depth=${depth}&direction=${direction}&${wholeWindow()}`,
        );
        const expected = expectedHops(CALLS, center, depth, direction);
        assert.deepEqual(
          Object.fromEntries(answer.nodes.map((n) => [n.id, n.hops]).sort()),
          Object.fromEntries([...expected].sort()),
        );
        for (const e of answer.edges) {
          assert.ok(expected.has(e.source) && expected.has(e.target), `edge ${edgeKey(e.source, e.target, e.port)} leaves the neighborhood`);
        }
      });
    }

    test('series: the steps of each edge add up to the traffic the test drove, phase by phase', async () => {
      for (const call of CALLS) {
        const w = W[call.to];
        const series = await api.get<{ points: Array<{ ts: number | string; connections_opened: number; bytes_sent: number; bytes_received: number }> }>(
          `/api/v1/edges/series?source=${encodeURIComponent(W[call.from].id)}&target=${encodeURIComponent(w.id)}&port=${w.port}&step=10&${wholeWindow()}`,
        );
        assert.equal(series.points.length, (phaseB.to - phaseA.from) / 10, 'one point per step');
        const sum = (k: 'connections_opened' | 'bytes_sent' | 'bytes_received'): number => series.points.reduce((s, p) => s + p[k], 0);
        const t = truths.get(callKey(call)) as Truth;
        assert.equal(sum('connections_opened'), t.connections, `${callKey(call)} connections`);
        assert.equal(sum('bytes_sent'), t.sent, `${callKey(call)} bytes sent`);
        assert.equal(sum('bytes_received'), t.received, `${callKey(call)} bytes received`);
        // Nothing outside the phases the call ran in.
        for (const p of series.points) {
          const ts = typeof p.ts === 'number' ? p.ts : Date.parse(p.ts) / 1000;
          const inPhase = (call.phases.includes('A') && ts >= phaseA.from && ts < phaseA.to) || (call.phases.includes('B') && ts >= phaseB.from && ts < phaseB.to);
          if (!inPhase) assert.equal(p.bytes_sent + p.bytes_received, 0, `${callKey(call)}: traffic at ${ts}, outside its phases`);
        }
      }
    });

    test('breakdown by server version ranks first the version whose pod refused every connection', async () => {
      const answer = await api.get<{ groups: Array<{ value: string; connections_failed: number; connections_opened: number; error_share: number }> }>(
        `/api/v1/edges/breakdown?source=${encodeURIComponent(W.frontend.id)}&target=${encodeURIComponent(W.api.id)}&port=${W.api.port}&by=server_version&${wholeWindow()}`,
      );
      const [first, second] = answer.groups;
      assert.ok(first && second, `two versions expected: ${JSON.stringify(answer.groups)}`);
      assert.equal(first.value, API_VERSIONS.v2);
      assert.equal(first.connections_failed, 2 * REFUSED_PER_PHASE);
      assert.equal(first.error_share, 1);
      assert.equal(second.value, API_VERSIONS.v1);
      assert.equal(second.connections_failed, 0);
      assert.equal(second.connections_opened, (truths.get(callKey(CALLS[2] as Call)) as Truth).connections);
    });

    test('changes between phase A (baseline) and phase B: exactly the edge added and the edge removed', async (t) => {
      const answer = await api.get<{ changes: Array<{ kind: string; source: string; target: string; port: number; reasons: string[] }> }>(
        `/api/v1/changes?from=${iso(phaseB.from)}&to=${iso(phaseB.to)}&baseline_from=${iso(phaseA.from)}&baseline_to=${iso(phaseA.to)}`,
      );
      const key = (c: { kind: string; source: string; target: string; port: number }): string => `${c.kind} ${edgeKey(c.source, c.target, c.port)}`;
      assert.deepEqual(
        answer.changes.filter((c) => c.kind !== 'worse').map(key).sort(),
        [`appeared ${edgeKey(W.batch.id, W.db.id, 5432)}`, `vanished ${edgeKey(W.batch.id, W.cache.id, 6379)}`],
      );
      // The test changes no edge's failures or retransmits between the phases; the RTT is the
      // machine's own (a loaded CI host can double an edge's p99 srtt), so an edge worse by its
      // RTT alone is said, not failed on.
      const worse = answer.changes.filter((c) => c.kind === 'worse');
      if (worse.length > 0) t.diagnostic(`worse by the machine's RTT: ${JSON.stringify(worse.map((c) => [key(c), c.reasons]))}`);
      assert.deepEqual(worse.filter((c) => c.reasons.some((r) => r !== 'rtt_p99')).map(key), [], 'no edge worse by failures or retransmits');
    });

    test('services: search by name and namespace, and one service with its edges both ways', async () => {
      const page = await api.get<{ services: Array<{ id: string }> }>(`/api/v1/services?q=data&limit=10`);
      assert.deepEqual(page.services.map((s) => s.id).sort(), [W.cache.id, W.db.id].sort());
      const view = await api.get<{ inbound: EdgeJson[]; outbound: EdgeJson[] }>(`/api/v1/services/${encodeURIComponent(W.api.id)}?${wholeWindow()}`);
      assert.deepEqual(view.inbound.map((e) => e.source).sort(), [W.frontend.id, W.worker.id].sort());
      assert.deepEqual(view.outbound.map((e) => e.target).sort(), [W.cache.id, W.db.id].sort());
    });

    test('a key of another tenant sees none of this one', async () => {
      const other = await api.post<{ admin_key: { plaintext: string } }>('/api/v1/tenants', { name: `other-${label}` });
      const stranger = new Api(up.apiUrl, other.admin_key.plaintext);
      const map = await stranger.get<{ nodes: unknown[]; edges: unknown[] }>(`/api/v1/map?${wholeWindow()}`);
      assert.deepEqual([map.nodes, map.edges], [[], []]);
      await stranger.get(`/api/v1/services/${encodeURIComponent(W.api.id)}?${wholeWindow()}`, 404);
      await stranger.get(`/api/v1/services/${encodeURIComponent(W.api.id)}/neighborhood?depth=2&direction=both&${wholeWindow()}`, 404);
      const found = await stranger.get<{ services: unknown[] }>(`/api/v1/services?q=api&limit=10`);
      assert.deepEqual(found.services, []);
    });
  });
}

suite('SQLite', async () => []);

let postgres: PostgresServer | undefined;
after(async () => {
  await postgres?.stop();
});
suite('PostgreSQL', async () => {
  postgres = await PostgresServer.start();
  return ['--control-db', await postgres.createDatabase('weft_api_topology')];
});
