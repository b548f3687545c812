/**
 * HTTP/1 request metrics end to end: `weft up` (agent, ingest, store, API in
 * one process) watching a client pod and a server pod; curl makes requests
 * on one keep-alive connection to the test's HTTP server, which answers each
 * after a planted delay with the status the test chose and says what it
 * served and how long it really took. The map's edge must carry exactly
 * those requests, server errors (5xx) and client errors (4xx, counted apart),
 * protocol http1, and a median duration (µs in the store, ms in the API)
 * within 10 % of the server's own; /edges/routes must answer the one route
 * template the ids collapse to, with the same exact counts.
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

const HTTP_PEER = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/httpPeer.js');
const PORT = 8080;
const DELAY_MS = 20;
const run = promisify(execFile);

let topology: NodeTopology;
let server: TcpPeerProcess;

before(async () => {
  topology = await NodeTopology.create({ pods: 2 });
  server = await TcpPeerProcess.startScript(HTTP_PEER, topology, topology.pod(2).netns, 'server', { listen: topology.pod(2).ipv4, port: PORT });
});

after(async () => {
  await server?.stop();
  await topology?.teardown();
});

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
}

test('weft up: an edge\'s requests, server and client errors, protocol and median duration match what the server served; so does its route', { timeout: 120_000 }, async (t) => {
  const up = await WeftUpProcess.start(['--netns', topology.pod(1).netns, '--netns', topology.pod(2).netns]);
  try {
    const statuses = Array.from({ length: 30 }, (_, i) => (i % 5 === 0 ? 500 : i % 7 === 3 ? 404 : 200));
    const urls = statuses.map((status, i) => `http://${topology.pod(2).ipv4}:${PORT}/orders/${5000 + i}?delay_ms=${DELAY_MS}&status=${status}`);
    // One curl, every URL: one keep-alive connection.
    const { stdout } = await run('ip', ['netns', 'exec', topology.pod(1).netns, 'curl', '-sS', '-w', '%{http_code} %{local_port}\\n', ...urls.flatMap((u) => [u, '-o', '/dev/null'])]);
    const answers = stdout.trim().split('\n').map((line) => line.split(' ').map(Number) as [number, number]);
    assert.deepEqual(answers.map(([code]) => code), statuses, 'curl got the statuses the test asked for');
    const ports = new Set(answers.map(([, port]) => port));
    t.diagnostic(`curl used ${ports.size} connection(s)`);
    await server.waitFor(() => server.records.filter((r) => r.event === 'served').length >= statuses.length, 10_000, 'the server served every request');
    const served = server.records.filter((r) => r.event === 'served' && ports.has(r.remotePort as number)) as unknown as Array<{ status: number; elapsedMs: number; path: string }>;
    assert.equal(served.length, statuses.length);
    const errors = served.filter((s) => s.status >= 500).length;
    const clientErrors = served.filter((s) => s.status >= 400 && s.status < 500).length;
    assert.ok(clientErrors > 0 && errors > 0, 'the test served both kinds of error');
    const serverP50Ms = median(served.map((s) => s.elapsedMs));

    const find = (edges: readonly MapEdge[]): MapEdge | undefined => edges.find((e) => e.source === 'host:curl' && e.port === PORT);
    const map = await up.waitForMap('from=now-10m', (m) => (find(m.edges)?.requests ?? 0) >= statuses.length, 30_000);
    const edge = find(map.edges);
    assert.ok(edge, JSON.stringify(map.edges));
    t.diagnostic(JSON.stringify({ requests: edge.requests, request_errors: edge.request_errors, request_client_errors: edge.request_client_errors, protocol: edge.protocol, p50_ms: edge.request_latency_p50_ms, p99_ms: edge.request_latency_p99_ms, serverP50Ms }));
    assert.equal(edge.requests, statuses.length, `requests (truth: the server served ${served.length})`);
    assert.equal(edge.request_errors, errors, `server errors (truth: ${errors} 5xx; the 404s are not errors)`);
    assert.equal(edge.request_client_errors, clientErrors, `client errors (truth: the server answered ${clientErrors} 404s)`);
    assert.equal(edge.protocol, 'http1');
    assert.deepEqual(edge.protocols, ['http1']);
    assert.ok(serverP50Ms >= DELAY_MS, `the server waited at least the planted ${DELAY_MS} ms (its p50 ${serverP50Ms.toFixed(2)} ms)`);
    const p50Ms = edge.request_latency_p50_ms;
    assert.ok(p50Ms !== null, 'a p50 with requests');
    assert.ok(Math.abs(p50Ms - serverP50Ms) <= serverP50Ms * 0.1, `the API's p50 ${p50Ms} ms, the server's own ${serverP50Ms.toFixed(2)} ms`);
    assert.equal(Math.round(p50Ms * 1000), p50Ms * 1000, `milliseconds to the microsecond: ${p50Ms}`);
    assert.ok(edge.request_latency_p95_ms !== null && edge.request_latency_p95_ms >= p50Ms);
    assert.ok(edge.request_latency_p99_ms !== null && edge.request_latency_p99_ms >= edge.request_latency_p95_ms);

    // The edge's routes: every /orders/<id> is one template, with the edge's exact counts.
    const routes = await up.routes({ source: edge.source, target: edge.target, port: PORT, from: 'now-10m' });
    t.diagnostic(JSON.stringify(routes.routes));
    assert.deepEqual(
      routes.routes.map((r) => ({ protocol: r.protocol, method: r.method, route: r.route, requests: r.requests, request_errors: r.request_errors, request_client_errors: r.request_client_errors })),
      [{ protocol: 'http1', method: 'GET', route: '/orders/{n}', requests: statuses.length, request_errors: errors, request_client_errors: clientErrors }],
      `the server served ${new Set(served.map((s) => s.path)).size} paths, all /orders/<id>`,
    );
    assert.deepEqual(routes.others, { routes: 0, requests: 0, request_errors: 0, request_client_errors: 0 });
    const [route] = routes.routes;
    assert.ok(route?.request_latency_p50_ms != null && Math.abs(route.request_latency_p50_ms - serverP50Ms) <= serverP50Ms * 0.1, `the route's p50 ${route?.request_latency_p50_ms} ms`);
    // The limit is the API's: 1..1000, else a 400 naming it.
    const refused = await up.get(`/api/v1/edges/routes?source=${encodeURIComponent(edge.source)}&target=${encodeURIComponent(edge.target)}&limit=0`);
    assert.equal(refused.status, 400);
    assert.equal(((await refused.json()) as { parameter: string }).parameter, 'limit');
  } finally {
    assert.equal(await up.stop(), 0, up.stderr);
    await up.dispose();
  }
});
