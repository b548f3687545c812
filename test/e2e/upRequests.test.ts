/**
 * HTTP/1 request metrics end to end: `weft up` (agent, ingest, store, API in
 * one process) watching a client pod and a server pod; curl makes requests
 * on one keep-alive connection to the test's HTTP server, which answers each
 * after a planted delay with the status the test chose and says what it
 * served and how long it really took. The map's edge must carry exactly
 * those requests and server errors (5xx; 4xx are not errors), and a median
 * duration within 10 % of the server's own.
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

test('weft up: an edge\'s requests, server errors and median duration match what the server served', { timeout: 120_000 }, async (t) => {
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
    const served = server.records.filter((r) => r.event === 'served' && ports.has(r.remotePort as number)) as unknown as Array<{ status: number; elapsedMs: number }>;
    assert.equal(served.length, statuses.length);
    const errors = served.filter((s) => s.status >= 500).length;
    const serverP50Ms = median(served.map((s) => s.elapsedMs));

    const find = (edges: readonly MapEdge[]): MapEdge | undefined => edges.find((e) => e.source === 'host:curl' && e.port === PORT);
    const map = await up.waitForMap('from=now-10m', (m) => (find(m.edges)?.requests ?? 0) >= statuses.length, 30_000);
    const edge = find(map.edges);
    assert.ok(edge, JSON.stringify(map.edges));
    t.diagnostic(JSON.stringify({ requests: edge.requests, request_errors: edge.request_errors, p50_us: edge.request_p50_us, p99_us: edge.request_p99_us, serverP50Ms }));
    assert.equal(edge.requests, statuses.length, `requests (truth: the server served ${served.length})`);
    assert.equal(edge.request_errors, errors, `server errors (truth: ${errors} 5xx; the 404s are not errors)`);
    assert.ok(serverP50Ms >= DELAY_MS, `the server waited at least the planted ${DELAY_MS} ms (its p50 ${serverP50Ms.toFixed(2)} ms)`);
    assert.ok(edge.request_p50_us !== null, 'a p50 with requests');
    const p50Ms = edge.request_p50_us / 1000;
    assert.ok(Math.abs(p50Ms - serverP50Ms) <= serverP50Ms * 0.1, `stored p50 ${p50Ms.toFixed(2)} ms, the server's own ${serverP50Ms.toFixed(2)} ms`);
    assert.ok(edge.request_p99_us !== null && edge.request_p99_us >= edge.request_p50_us);
  } finally {
    assert.equal(await up.stop(), 0, up.stderr);
    await up.dispose();
  }
});
