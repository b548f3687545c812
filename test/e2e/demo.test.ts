/**
 * `weft demo` as a user runs it (a child process, as root): it builds the web
 * shop (libs/demo: pods as network namespaces on two simulated nodes, Service
 * VIPs, a fixture Kubernetes API), runs Weft over it as `weft up` does, and
 * keeps load on it.
 *
 * Ground truth is the demo's own description of what it builds
 * (shopTopology() from @weft/demo: the same function the demo builds from):
 * GET /api/v1/map shows exactly its services (by namespace and name; the
 * external payment provider by its address) and exactly its edges (client,
 * server, the server pods' port), the canary's version leads the breakdown
 * of its edge by server_version with the only failures of the map, and the
 * frontend's two pods are seen in their two zones. Ctrl-C (SIGINT) leaves no
 * network namespace, link, iptables rule or process of the demo; after a
 * kill -9, the next demo removes the namespaces the killed one left, then
 * works.
 *
 *   bash scripts/test.sh test/e2e/demo.test.ts
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { POD_MAIN, mapIdentityOf, serviceOf, shopTopology, type DemoService, type DemoTopology } from '@weft/demo';
import { AGENT_MAIN, assertAgentBuilt } from '../fixtures/agentProcess.js';
import { pollUntil, runCommand } from '../fixtures/commandRunner.js';
import { freeLoopbackPort } from '../fixtures/loopbackPort.js';
import { FIRST_START_KEY_LINE, type ServiceMapResponse } from '../fixtures/weftUpProcess.js';

const topology: DemoTopology = shopTopology();

/** How long the map may take to show the whole shop once the load started (the brief: within a minute). */
const MAP_TIMEOUT_MS = 90_000;

const identity = (service: DemoService): string => {
  const { namespace, name } = mapIdentityOf(service);
  return `${namespace}/${name}`;
};
const expectedNodes = topology.services.map(identity).sort();
const expectedEdges = topology.edges.map((e) => `${identity(serviceOf(topology, e.client))} -> ${identity(serviceOf(topology, e.server))}:${e.port}`).sort();

/** The map's services and edges in the same terms: namespace/name, and client -> server:port. */
function shapeOf(map: ServiceMapResponse): { nodes: string[]; edges: string[] } {
  const byId = new Map(map.nodes.map((n) => [n.id, `${n.namespace}/${n.name}`]));
  return {
    nodes: map.nodes.map((n) => `${n.namespace}/${n.name}`).sort(),
    edges: map.edges.map((e) => `${byId.get(e.source) ?? e.source} -> ${byId.get(e.target) ?? e.target}:${e.port}`).sort(),
  };
}

/** `weft demo` as a child process: its stderr, its admin key, the API it serves. */
class DemoProcess {
  stderr = '';
  readonly apiUrl: string;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    private readonly child: ChildProcess,
    apiPort: number,
  ) {
    this.apiUrl = `http://127.0.0.1:${apiPort}`;
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      }),
    );
  }

  static async start(dataDir: string): Promise<DemoProcess> {
    assertAgentBuilt();
    const [apiPort, grpcPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WEFT_') && !k.startsWith('NODE_TEST')));
    const child = spawn(process.execPath, [AGENT_MAIN, 'demo', '--data-dir', dataDir, '--api-addr', `127.0.0.1:${apiPort}`, '--api-grpc-addr', `127.0.0.1:${grpcPort}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env,
    });
    const demo = new DemoProcess(child, apiPort);
    await demo.waitFor(/weft demo: load started/, 90_000, 'the load to start');
    return demo;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('weft demo has no pid');
    return this.child.pid;
  }

  get firstStartKey(): string | undefined {
    return FIRST_START_KEY_LINE.exec(this.stderr)?.[2];
  }

  /** This demo's network namespaces that exist now. */
  async namespaces(): Promise<string[]> {
    return (await netnsList()).filter((name) => name.startsWith(`weftdemo${this.pid}-`));
  }

  async waitFor(pattern: RegExp, timeoutMs: number, what: string): Promise<void> {
    const seen = await pollUntil(() => (pattern.test(this.stderr) ? true : this.exit ? 'exited' : undefined), { timeoutMs, intervalMs: 100 });
    if (seen !== true) {
      this.child.kill('SIGKILL');
      throw new Error(`weft demo: ${seen === 'exited' ? `exited (${this.exit?.code ?? this.exit?.signal})` : 'timed out'} waiting for ${what}; stderr:\n${this.stderr}`);
    }
  }

  async get<T>(path: string, key: string): Promise<T> {
    const response = await fetch(`${this.apiUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
    const text = await response.text();
    assert.equal(response.status, 200, `GET ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }

  /** Polls the map until it has exactly the demo's services and edges; returns the last map either way. */
  async waitForShop(query: string, key: string): Promise<ServiceMapResponse> {
    let last: ServiceMapResponse | undefined;
    await pollUntil(
      async () => {
        if (this.exit) throw new Error(`weft demo exited (${this.exit.code ?? this.exit.signal}); stderr:\n${this.stderr}`);
        last = await this.get<ServiceMapResponse>(`/api/v1/map?${query}`, key);
        const shape = shapeOf(last);
        return JSON.stringify(shape) === JSON.stringify({ nodes: expectedNodes, edges: expectedEdges }) ? true : undefined;
      },
      { timeoutMs: MAP_TIMEOUT_MS, intervalMs: 1_000 },
    );
    return last ?? this.get<ServiceMapResponse>(`/api/v1/map?${query}`, key);
  }

  /** SIGINT, as Ctrl-C; resolves with the exit once it exited (SIGKILL after 60 s). */
  async interrupt(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.exit) this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 60_000);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  kill9(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill('SIGKILL');
    return this.exited;
  }
}

async function netnsList(): Promise<string[]> {
  const { stdout } = await runCommand('ip', ['netns', 'list']);
  return stdout.split('\n').map((line) => line.trim().split(/\s+/)[0] ?? '').filter(Boolean);
}

async function hostLinks(): Promise<string[]> {
  const { stdout } = await runCommand('ip', ['-o', 'link', 'show']);
  return stdout.split('\n').map((line) => /^\d+:\s+([^:@]+)/.exec(line)?.[1] ?? '').filter(Boolean).sort();
}

async function hostNatRules(): Promise<string> {
  return (await runCommand('iptables', ['-w', '-t', 'nat', '-S'])).stdout;
}

/** Pids of the demo's pod programs still running (found by their program's path in /proc). */
function podProgramPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(POD_MAIN)) pids.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

interface Breakdown {
  groups: Array<{ value: string; error_share: number; connections_opened: number; connections_failed: number; resets: number }>;
}

const workloadId = (key: string): string => {
  const service = serviceOf(topology, key);
  return `k8s:${service.namespace}/${service.kind}/${service.name}`;
};

async function assertNothingLeft(demo: DemoProcess, before: { links: string[]; nat: string }): Promise<void> {
  assert.deepEqual(await demo.namespaces(), [], 'network namespaces of the demo remain');
  assert.deepEqual((await netnsList()).filter((name) => /^weftdemo\d+-/.test(name)), [], 'network namespaces of a demo remain');
  const links = await hostLinks();
  assert.deepEqual(links.filter((name) => !before.links.includes(name)), [], 'links the demo made remain in this namespace');
  assert.equal(await hostNatRules(), before.nat, "this namespace's nat rules changed");
  // A pod killed with its namespace is reaped a moment later.
  const left = await pollUntil(() => (podProgramPids().length === 0 ? true : undefined), { timeoutMs: 5_000 });
  assert.ok(left, `pod programs still running: ${podProgramPids().join(', ')}`);
  assert.throws(() => process.kill(demo.pid, 0), 'the demo process is still there');
}

test('weft demo: the map shows exactly the shop, the canary leads its breakdown, and Ctrl-C leaves nothing', { timeout: 240_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'weft-demo-'));
  const before = { links: await hostLinks(), nat: await hostNatRules() };
  const demo = await DemoProcess.start(dataDir);
  try {
    const key = demo.firstStartKey;
    assert.ok(key, `no admin key printed on the first start:\n${demo.stderr}`);
    assert.match(demo.stderr, /weft demo: built 2 nodes/);
    assert.equal((await demo.namespaces()).length, 1 + 2 + 14 + 1, 'fabric, 2 nodes, 14 pods, the external host');

    const started = Date.now();
    const map = await demo.waitForShop('from=now-2m', key);
    t.diagnostic(`the whole shop was on the map ${Date.now() - started} ms after the load started`);
    for (const edge of map.edges) t.diagnostic(`edge ${edge.source} -> ${edge.target}:${edge.port} opened ${edge.connections_opened} failed ${edge.connections_failed} resets ${edge.resets}`);
    const shape = shapeOf(map);
    assert.deepEqual(shape.nodes, expectedNodes, 'the map\'s services');
    assert.deepEqual(shape.edges, expectedEdges, 'the map\'s edges');

    // The canary: its version first, with failures; the stable one after, without.
    const { canary } = topology;
    const payment = serviceOf(topology, canary.service);
    const canaryEdge = topology.edges.find((e) => e.server === canary.service);
    assert.ok(canaryEdge);
    const path = `/api/v1/edges/breakdown?source=${encodeURIComponent(workloadId(canaryEdge.client))}&target=${encodeURIComponent(workloadId(payment.key))}&port=${canaryEdge.port}&by=server_version&from=now-5m`;
    let breakdown: Breakdown | undefined;
    await pollUntil(
      async () => {
        breakdown = await demo.get<Breakdown>(path, key);
        return (breakdown.groups[0]?.connections_failed ?? 0) > 0 && breakdown.groups.length === 2 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 2_000 },
    );
    t.diagnostic(`breakdown by server_version: ${JSON.stringify(breakdown?.groups.map((g) => ({ value: g.value, error_share: g.error_share, failed: g.connections_failed, opened: g.connections_opened, resets: g.resets })))}`);
    const [first, second] = breakdown?.groups ?? [];
    assert.ok(first && second, `two versions expected: ${JSON.stringify(breakdown)}`);
    assert.equal(first.value, canary.canaryVersion);
    assert.ok(first.error_share > 0 && first.connections_failed > 0, `the canary failed nothing: ${JSON.stringify(first)}`);
    assert.equal(second.value, canary.stableVersion);
    assert.equal(second.connections_failed, 0);

    // The canary's edge is the only one with failed connections.
    const latest = await demo.get<ServiceMapResponse>('/api/v1/map?from=now-5m', key);
    const failing = latest.edges.filter((e) => e.connections_failed > 0).map((e) => `${e.source} -> ${e.target}`);
    assert.deepEqual(failing, [`${workloadId(canaryEdge.client)} -> ${workloadId(payment.key)}`]);

    // Zones come from the nodes: the frontend's pods are in both.
    const frontendZones = await demo.get<Breakdown>(
      `/api/v1/edges/breakdown?source=${encodeURIComponent(workloadId('loadgenerator'))}&target=${encodeURIComponent(workloadId('frontend'))}&port=${serviceOf(topology, 'frontend').port}&by=server_zone&from=now-5m`,
      key,
    );
    assert.deepEqual(frontendZones.groups.map((g) => g.value).sort(), [...new Set(serviceOf(topology, 'frontend').pods.map((p) => p.zone))].sort());
  } finally {
    const exit = await demo.interrupt();
    t.diagnostic(`weft demo exited ${exit.code ?? exit.signal} after SIGINT`);
    try {
      assert.equal(exit.code, 0, `weft demo did not exit cleanly on SIGINT:\n${demo.stderr}`);
      await assertNothingLeft(demo, before);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
});

test('weft demo after a kill -9: the next one removes what the killed one left, then works', { timeout: 240_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'weft-demo-'));
  const before = { links: await hostLinks(), nat: await hostNatRules() };
  let first: DemoProcess | undefined;
  let second: DemoProcess | undefined;
  try {
    first = await DemoProcess.start(dataDir);
    const key = first.firstStartKey;
    assert.ok(key, `no admin key printed on the first start:\n${first.stderr}`);
    const left = await first.namespaces();
    assert.equal(left.length, 18);
    await first.kill9();
    assert.deepEqual((await first.namespaces()).sort(), left.sort(), 'a kill -9 leaves the namespaces (nothing ran to remove them)');
    // Its pods exit on their own: their stdin, a pipe from the demo, closed.
    assert.ok(await pollUntil(() => (podProgramPids().length === 0 ? true : undefined), { timeoutMs: 10_000 }), `pods of the killed demo still run: ${podProgramPids().join(', ')}`);

    const restartedAt = new Date().toISOString();
    second = await DemoProcess.start(dataDir);
    assert.match(second.stderr, new RegExp(`removed 18 network namespaces left by a demo that did not stop \\(pid ${first.pid}\\)`));
    assert.deepEqual(await first.namespaces(), [], 'the killed demo\'s namespaces remain');
    assert.equal(second.firstStartKey, undefined, 'the same data directory: no new admin key');
    const map = await second.waitForShop(`from=${encodeURIComponent(restartedAt)}`, key);
    const shape = shapeOf(map);
    t.diagnostic(`after the restart: ${shape.nodes.length} services, ${shape.edges.length} edges`);
    assert.deepEqual(shape.nodes, expectedNodes);
    assert.deepEqual(shape.edges, expectedEdges);
  } finally {
    try {
      // A failure before the kill -9 leaves the first running: the next demo sweeps what it leaves.
      await first?.kill9();
      if (second) {
        const exit = await second.interrupt();
        assert.equal(exit.code, 0, `weft demo did not exit cleanly on SIGINT:\n${second.stderr}`);
        await assertNothingLeft(second, before);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
});
