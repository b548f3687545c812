/**
 * A new user on a plain host (no Kubernetes): `weft up` with nothing to
 * configure names each end by the program its process runs (curl by its
 * comm; the test server, `node tcpPeer.js http-server`, by its script), the
 * listening port on the edge, with bytes and connections exact against
 * curl's own counters; an inventory file renames both. One `weft up` per case, each
 * watching a client pod and a server pod (`--netns`) so nothing else on the
 * machine shows up. The first start on a data directory prints an admin key
 * once (the map is read with it); a second start on the same directory prints
 * none, and the key still works.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { curlExchange, type CurlExchange } from '../fixtures/curlClient.js';
import { NodeTopology } from '../fixtures/netnsTopology.js';
import { TCP_PEER_SCRIPT, TcpPeerProcess } from '../fixtures/tcpPeerProcess.js';
import { FIRST_START_KEY_LINE, WeftUpProcess, type MapEdge, type ServiceMapResponse } from '../fixtures/weftUpProcess.js';

/** The server runs `node <TCP_PEER_SCRIPT> http-server`: a script run by node is named by its file name without extension (README, "Naming, in order"). */
const SERVER_NAME = basename(TCP_PEER_SCRIPT, '.js');

let topology: NodeTopology;
let http: TcpPeerProcess;
const scratch = mkdtempSync(join(tmpdir(), 'weft-up-test-'));

before(async () => {
  topology = await NodeTopology.create({ pods: 2 });
  http = await TcpPeerProcess.start(topology, topology.pod(2).netns, 'http-server', { listen: topology.pod(2).ipv4, port: 8080 });
});

after(async () => {
  await topology?.teardown();
  rmSync(scratch, { recursive: true, force: true });
});

async function exchanges(sizes: number[]): Promise<CurlExchange[]> {
  const done: CurlExchange[] = [];
  for (const bytes of sizes) {
    const exchange = await curlExchange(topology, topology.pod(1).netns, `http://${topology.pod(2).ipv4}:8080/payload?bytes=${bytes}`);
    assert.equal(exchange.httpCode, 200);
    done.push(exchange);
  }
  return done;
}

function edgeBetween(map: ServiceMapResponse, source: string, target: string): MapEdge | undefined {
  return map.edges.find((e) => e.source === source && e.target === target);
}

/** A map node's identity (the map may carry more about it: workload, members). */
function nodeOf(map: ServiceMapResponse, id: string): Pick<ServiceMapResponse['nodes'][number], 'id' | 'name' | 'namespace' | 'kind'> | undefined {
  const node = map.nodes.find((n) => n.id === id);
  return node && { id: node.id, name: node.name, namespace: node.namespace, kind: node.kind };
}

function describeMap(map: ServiceMapResponse): string {
  return JSON.stringify({ nodes: map.nodes.map((n) => n.id), edges: map.edges.map((e) => [e.source, e.target, e.port, e.connections_opened, e.bytes_sent, e.bytes_received]) }, null, 1);
}

async function expectEdge(up: WeftUpProcess, source: string, target: string, done: CurlExchange[]): Promise<ServiceMapResponse> {
  const sent = done.reduce((sum, e) => sum + e.bytesSent, 0);
  const received = done.reduce((sum, e) => sum + e.bytesReceived, 0);
  const map = await up.waitForMap('from=now-10m', (m) => (edgeBetween(m, source, target)?.connections_opened ?? 0) >= done.length, 30_000);
  const edge = edgeBetween(map, source, target);
  assert.ok(edge, `no edge ${source} -> ${target} in\n${describeMap(map)}`);
  assert.equal(edge.port, 8080);
  assert.equal(edge.connections_opened, done.length, 'connections: one per curl run');
  assert.equal(edge.connections_failed, 0);
  assert.equal(edge.bytes_sent, sent, `bytes client -> server (truth: curl wrote ${sent})`);
  assert.equal(edge.bytes_received, received, `bytes server -> client (truth: curl read ${received})`);
  assert.ok(edge.rtt_p50_us !== null && edge.rtt_p50_us > 0);
  // No phantom edges: the two pods hold only this conversation.
  assert.equal(map.edges.length, 1, describeMap(map));
  return map;
}

test('weft up on a plain host: each end named by its program, the port on the edge, bytes exact', { timeout: 120_000 }, async (t) => {
  const up = await WeftUpProcess.start(['--netns', topology.pod(1).netns, '--netns', topology.pod(2).netns]);
  try {
    t.diagnostic(up.stderr.trim());
    const done = await exchanges([0, 1_000, 123_457, 2_000_000]);
    const map = await expectEdge(up, 'host:curl', `host:${SERVER_NAME}`, done);
    assert.deepEqual(nodeOf(map, `host:${SERVER_NAME}`), { id: `host:${SERVER_NAME}`, name: SERVER_NAME, namespace: '', kind: 'process' });
    assert.deepEqual(nodeOf(map, 'host:curl'), { id: 'host:curl', name: 'curl', namespace: '', kind: 'process' });
  } finally {
    assert.equal(await up.stop(), 0, up.stderr);
    await up.dispose();
  }
});

test('weft up prints an admin key on its first start only; the key authenticates, before and after a restart', { timeout: 180_000 }, async (t) => {
  const dataDir = mkdtempSync(join(scratch, 'data-'));
  const args = ['--netns', topology.pod(1).netns, '--netns', topology.pod(2).netns];
  const first = await WeftUpProcess.start(args, { dataDir });
  let key: string;
  try {
    const printed = first.stderr.split('\n').filter((line) => FIRST_START_KEY_LINE.test(line));
    assert.equal(printed.length, 1, `one key line:\n${first.stderr}`);
    assert.match(printed[0] as string, /for tenant "default"/);
    key = first.firstStartKey() as string;
    assert.match(key, /^weft_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
    assert.equal(first.stderr.split(key).length - 1, 1, 'the key is printed once, nowhere else');
    assert.equal((await first.get('/api/v1/map?from=now-5m', '')).status, 401, 'no key: 401');
    assert.equal((await first.get('/api/v1/map?from=now-5m', `weft_aaaaaaaaaaaa_${'A'.repeat(43)}`)).status, 401, 'a wrong key: 401');
    assert.equal((await first.get('/api/v1/map?from=now-5m', key)).status, 200, 'the admin key: 200');
    // The in-process agent reports as the first tenant: its traffic is in that tenant's map.
    await expectEdge(first, 'host:curl', `host:${SERVER_NAME}`, await exchanges([3_333]));
  } finally {
    assert.equal(await first.stop(), 0, first.stderr);
  }
  const second = await WeftUpProcess.start(args, { dataDir, apiKey: key });
  try {
    t.diagnostic(second.stderr.trim());
    assert.equal(second.firstStartKey(), undefined, `no key on the second start:\n${second.stderr}`);
    assert.ok(!second.stderr.includes('admin key'), second.stderr);
    assert.equal((await second.get('/api/v1/map?from=now-5m', key)).status, 200, 'the first start\'s key still authenticates');
    const map = await second.map('from=now-10m');
    assert.equal(edgeBetween(map, 'host:curl', `host:${SERVER_NAME}`)?.bytes_sent !== undefined, true, 'the first run\'s rows are still there');
  } finally {
    await second.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('an inventory file renames both ends', { timeout: 120_000 }, async () => {
  const inventory = join(scratch, 'inventory.json');
  writeFileSync(
    inventory,
    JSON.stringify({
      services: [
        { name: 'storefront', process: 'node', port: 8080, namespace: 'shop' },
        { name: 'shopper', process: 'curl' },
      ],
    }),
  );
  const up = await WeftUpProcess.start(['--netns', topology.pod(1).netns, '--netns', topology.pod(2).netns, '--inventory', inventory]);
  try {
    const done = await exchanges([10, 20_000, 300_003]);
    const map = await expectEdge(up, 'svc:shopper', 'svc:storefront', done);
    assert.deepEqual(nodeOf(map, 'svc:storefront'), { id: 'svc:storefront', name: 'storefront', namespace: 'shop', kind: 'inventory' });
  } finally {
    await up.dispose();
  }
});

test('a bad inventory file stops weft up with one line naming the problem', { timeout: 60_000 }, async () => {
  const inventory = join(scratch, 'bad.json');
  writeFileSync(inventory, JSON.stringify({ services: [{ name: 'x', port: 70000 }] }));
  await assert.rejects(WeftUpProcess.start(['--inventory', inventory], { timeoutMs: 20_000 }), /inventory rule 1 .*"port" must be an integer/);
});

test('a bad retention stops weft up with one line naming the flag', { timeout: 60_000 }, async () => {
  await assert.rejects(WeftUpProcess.start(['--retention-1m', 'forever'], { timeoutMs: 20_000 }), /invalid retention --retention-1m="forever"/);
});
