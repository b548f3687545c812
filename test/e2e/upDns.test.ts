/**
 * DNS end to end: `weft up` watching one client pod; the test's DNS server
 * (test/fixtures/dnsPeer, in a pod the agent does not watch) answers
 * `api.stripe.test` with an address of the test's own (routed to that pod,
 * where an HTTP server listens on it). The client looks the name up over UDP
 * and curl connects to the address it got. On the map the HTTP edge's server
 * must be `external:api.stripe.test`, not the bare address (the node's DNS
 * answers named it), and the DNS exchange itself an edge to the DNS server
 * (port 53, protocol dns) with exactly the queries sent, NXDOMAIN counted as
 * a client error.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { NodeTopology } from '../fixtures/netnsTopology.js';
import { TcpPeerProcess } from '../fixtures/tcpPeerProcess.js';
import { WeftUpProcess, type MapEdge } from '../fixtures/weftUpProcess.js';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures');
const DNS_PEER = resolve(FIXTURES, 'dnsPeer.js');
const HTTP_PEER = resolve(FIXTURES, 'httpPeer.js');
const NAME = 'api.stripe.test';
/** The address the DNS server answers with: the test's own, on the server pod. */
const EXTERNAL_IP = '198.18.7.7';
const HTTP_PORT = 8080;
const run = promisify(execFile);

let topology: NodeTopology;
let dns: TcpPeerProcess;
let http: TcpPeerProcess;

before(async () => {
  topology = await NodeTopology.create({ pods: 2 });
  const pod2 = topology.pod(2);
  await run('ip', ['-n', pod2.netns, 'addr', 'add', `${EXTERNAL_IP}/32`, 'dev', 'eth0']);
  await run('ip', ['-n', topology.node.netns, 'route', 'add', `${EXTERNAL_IP}/32`, 'dev', pod2.nodeInterface]);
  dns = await TcpPeerProcess.startScript(DNS_PEER, topology, pod2.netns, 'server', { listen: pod2.ipv4, port: 53, 'delay-ms': 5, answer: EXTERNAL_IP, ttl: 300 });
  http = await TcpPeerProcess.startScript(HTTP_PEER, topology, pod2.netns, 'server', { listen: EXTERNAL_IP, port: HTTP_PORT });
});

after(async () => {
  await http?.stop();
  await dns?.stop();
  await topology?.teardown();
});

test('weft up: a connection to an address the DNS answered is named external:<name>; the DNS queries are an edge of their own', { timeout: 120_000 }, async (t) => {
  const up = await WeftUpProcess.start(['--netns', topology.pod(1).netns]);
  try {
    const pod1 = topology.pod(1).netns;
    const client = await TcpPeerProcess.startScript(DNS_PEER, topology, pod1, 'client', {
      server: topology.pod(2).ipv4, port: 53, transport: 'udp', queries: `${NAME}:A,${NAME}:AAAA,nxdomain.stripe.test:A`,
    });
    const done = (await client.finished(10_000)) as unknown as { answered: number };
    assert.equal(done.answered, 3);
    const { stdout } = await run('ip', ['netns', 'exec', pod1, 'curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', `http://${EXTERNAL_IP}:${HTTP_PORT}/charges/123?delay_ms=5`]);
    assert.equal(stdout, '200');

    const httpEdge = (edges: readonly MapEdge[]): MapEdge | undefined => edges.find((e) => e.source === 'host:curl' && e.port === HTTP_PORT);
    const dnsEdge = (edges: readonly MapEdge[]): MapEdge | undefined => edges.find((e) => e.port === 53);
    const map = await up.waitForMap('from=now-10m', (m) => (httpEdge(m.edges)?.requests ?? 0) >= 1 && (dnsEdge(m.edges)?.requests ?? 0) >= 3, 30_000);
    t.diagnostic(JSON.stringify(map.edges.map((e) => ({ source: e.source, target: e.target, port: e.port, requests: e.requests, protocol: e.protocol }))));
    const edge = httpEdge(map.edges);
    assert.ok(edge, JSON.stringify(map.edges));
    assert.equal(edge.target, `external:${NAME}`, 'the server is named by the name the client looked up');
    assert.ok(!map.edges.some((e) => e.target === `external:${EXTERNAL_IP}`), 'and not by its bare address');
    const lookups = dnsEdge(map.edges);
    assert.ok(lookups, JSON.stringify(map.edges));
    assert.equal(lookups.target, `external:${topology.pod(2).ipv4}`, 'the DNS server, which no answer named');
    assert.equal(lookups.protocol, 'dns');
    assert.equal(lookups.requests, 3, 'the three queries');
    assert.equal(lookups.request_errors, 0);
    assert.equal(lookups.request_client_errors, 1, 'NXDOMAIN, counted apart');
  } finally {
    assert.equal(await up.stop(), 0, up.stderr);
    await up.dispose();
  }
});
