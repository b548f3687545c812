/**
 * HTTP/1 request metrics from the kernel (bpf/l7_capture.bpf.c), held to the
 * test's own servers: the HTTP server says what it served (method, status,
 * peer port) after a delay the test chose, the clients say what they got.
 * The agent's rows must carry exactly those requests, errors (5xx) and client
 * errors (4xx), under one route template, with p50 durations within 10 % of
 * those the peers timed themselves (at least the planted delay: on a busy
 * machine a server's timer fires late, and the kernel sees that), on both
 * ends of each connection: keep-alive, one request per connection,
 * pipelined, chunked responses, HEAD, and a connection older than the agent.
 * Simple exchanges of fresh connections are framed in the kernel
 * (bpf/l7_http1_fast.bpf.h): its counters say which requests were, and that
 * a connection leaving it mid-way still reports every request.
 */
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { resumeUnderFreshAgent } from '../fixtures/agentMidConnection.js';
import { AgentProcess } from '../fixtures/agentProcess.js';
import { median, requestTotal as total, type AgentRequestRow, type AgentRow } from '../fixtures/agentRows.js';
import { freeLoopbackPort } from '../fixtures/loopbackPort.js';
import { NodeTopology } from '../fixtures/netnsTopology.js';
import { TcpPeerProcess } from '../fixtures/tcpPeerProcess.js';

const HTTP_PEER = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/httpPeer.js');
const PORT = 8080;

let topology: NodeTopology;
let agent: AgentProcess | undefined;
let server: TcpPeerProcess;
let metricsAddr: string;

interface Served {
  method: string;
  path: string;
  status: number;
  remotePort: number;
  /** How long the server really took (its timer can fire late on a busy machine). */
  elapsedMs: number;
}

interface ClientDone {
  requests: number;
  statuses: Record<string, number>;
  localPorts: number[];
  /** Per request, as the client timed it. */
  durationsMs: number[];
}

/**
 * The measured durations against the peers' own: p50 within 10 % (and the
 * peers' p50 itself at least the planted delay), or with `each` every
 * duration, sorted, within 10 % of the peers', sorted.
 */
function assertDurations(label: string, measuredUs: readonly number[], truthMs: readonly number[], plantedMs: number, each: boolean): void {
  assert.equal(measuredUs.length, truthMs.length, `${label}: one duration per request`);
  const truthP50 = median(truthMs);
  assert.ok(truthP50 >= plantedMs, `${label}: the peer's own p50 ${truthP50.toFixed(2)} ms is at least the planted ${plantedMs} ms`);
  if (each) {
    const got = [...measuredUs].sort((a, b) => a - b).map((us) => us / 1000);
    const want = [...truthMs].sort((a, b) => a - b);
    want.forEach((expected, i) => {
      const value = got[i] ?? NaN;
      assert.ok(Math.abs(value - expected) <= expected * 0.1, `${label}: request ${i + 1} took ${value.toFixed(2)} ms, the peer timed ${expected.toFixed(2)} ms`);
    });
    return;
  }
  const p50Ms = median(measuredUs) / 1000;
  assert.ok(Math.abs(p50Ms - truthP50) <= truthP50 * 0.1, `${label}: p50 ${p50Ms.toFixed(2)} ms, the peer's own p50 ${truthP50.toFixed(2)} ms (planted ${plantedMs} ms)`);
}

before(async () => {
  topology = await NodeTopology.create({ pods: 2 });
  const pod2 = topology.pod(2);
  server = await TcpPeerProcess.startScript(HTTP_PEER, topology, pod2.netns, 'server', { listen: pod2.ipv4, port: PORT });
  metricsAddr = `127.0.0.1:${await freeLoopbackPort()}`;
  agent = await AgentProcess.start({ netns: [topology.pod(1).netns, pod2.netns], metricsAddr });
});

after(async () => {
  await agent?.kill();
  await server?.stop();
  await topology?.teardown();
});

function served(ports: ReadonlySet<number>): Served[] {
  return server.records.filter((r) => r.event === 'served' && ports.has(r.remotePort as number)) as unknown as Served[];
}

/** The rows of the sockets on `side` of the client ports given. */
function rowsOf(rows: readonly AgentRow[], ports: ReadonlySet<number>, side: 'client' | 'server'): AgentRow[] {
  return rows.filter((row) => (side === 'client' ? row.dport === PORT && ports.has(row.sport) : row.sport === PORT && ports.has(row.dport)));
}

function requestGroups(rows: readonly AgentRow[], ports: ReadonlySet<number>, side: 'client' | 'server'): AgentRequestRow[] {
  return rowsOf(rows, ports, side).flatMap((row) => row.requests ?? []);
}

interface Case {
  label: string;
  style: 'keepalive' | 'close' | 'pipelined';
  method?: string;
  paths: string[];
  delayMs: number;
  /** The route template every path must collapse to. */
  route: string;
  /** Requests of different delays (pipelined): each duration is held to the peer's, not just the p50. */
  each?: boolean;
}

async function runCase(t: { diagnostic(message: string): void }, c: Case): Promise<void> {
  assert.ok(agent);
  const pod2 = topology.pod(2);
  const client = await TcpPeerProcess.startScript(HTTP_PEER, topology, topology.pod(1).netns, 'client', {
    connect: pod2.ipv4, port: PORT, paths: c.paths.join(','), style: c.style, method: c.method,
  });
  await client.finished(30_000);
  const done = client.records.find((r) => r.event === 'done') as unknown as ClientDone;
  const ports = new Set(done.localPorts);
  assert.equal(done.requests, c.paths.length, `${c.label}: the client got every response`);
  await server.waitFor(() => served(ports).length === c.paths.length, 10_000, `${c.label}: the server's served records`);
  const truth = served(ports);
  const errors = truth.filter((s) => s.status >= 500).length;
  const clientErrors = truth.filter((s) => s.status >= 400 && s.status < 500).length;
  const method = c.method ?? 'GET';

  for (const side of ['client', 'server'] as const) {
    const complete = (rows: readonly AgentRow[]): boolean => total(requestGroups(rows, ports, side), 'requests') >= c.paths.length;
    await agent.waitForRows(complete, 10_000);
    // One more interval: nothing may be counted twice.
    await new Promise((r) => setTimeout(r, 1_200));
    const groups = requestGroups(agent.rows, ports, side);
    const label = `${c.label}, ${side} end`;
    t.diagnostic(`${label}: ${JSON.stringify(groups.map(({ durations_us, ...g }) => ({ ...g, p50_us: median(durations_us) })))}`);
    assert.equal(total(groups, 'requests'), c.paths.length, `${label}: requests (truth: the server served ${truth.length})`);
    assert.equal(total(groups, 'errors'), errors, `${label}: 5xx (truth: ${errors})`);
    assert.equal(total(groups, 'client_errors'), clientErrors, `${label}: 4xx (truth: ${clientErrors})`);
    assert.deepEqual([...new Set(groups.map((g) => `${g.method} ${g.route}`))], [`${method} ${c.route}`], `${label}: one route template`);
    const truthMs = side === 'server' ? truth.map((s) => s.elapsedMs) : done.durationsMs;
    assertDurations(label, groups.flatMap((g) => g.durations_us), truthMs, c.delayMs, c.each === true);
  }
}

function paths(n: number, delayMs: number, statusOf: (i: number) => number, extra = ''): string[] {
  return Array.from({ length: n }, (_, i) => `/users/${1000 + i * 7}/orders?delay_ms=${delayMs}&status=${statusOf(i)}${extra}`);
}

test('keep-alive: 20 requests on one connection, every 5th a 500, every 7th a 404', { timeout: 60_000 }, async (t) => {
  await runCase(t, {
    label: 'keep-alive',
    style: 'keepalive',
    paths: paths(20, 20, (i) => (i % 5 === 0 ? 500 : i % 7 === 3 ? 404 : 200)),
    delayMs: 20,
    route: '/users/{n}/orders',
  });
});

test('one request per connection (Connection: close): 10 connections, 2 of them 503', { timeout: 60_000 }, async (t) => {
  await runCase(t, {
    label: 'close',
    style: 'close',
    paths: paths(10, 15, (i) => (i === 2 || i === 7 ? 503 : 200)),
    delayMs: 15,
    route: '/users/{n}/orders',
  });
});

test('pipelined: 3 requests in one write, 3 responses in order', { timeout: 60_000 }, async (t) => {
  await runCase(t, {
    label: 'pipelined',
    style: 'pipelined',
    // Delays of 30, 60 and 90 ms: the three are read at once and answered in order.
    paths: [30, 60, 90].map((delay, i) => `/users/${2000 + i}/orders?delay_ms=${delay}&status=200`),
    delayMs: 30,
    route: '/users/{n}/orders',
    each: true,
  });
});

test('chunked responses of 64 KB in 8 chunks, on keep-alive', { timeout: 60_000 }, async (t) => {
  await runCase(t, {
    label: 'chunked',
    style: 'keepalive',
    paths: paths(6, 25, (i) => (i === 4 ? 502 : 200), '&bytes=65536&chunks=8'),
    delayMs: 25,
    route: '/users/{n}/orders',
  });
});

test('HEAD: headers only, Content-Length but no body', { timeout: 60_000 }, async (t) => {
  await runCase(t, {
    label: 'HEAD',
    style: 'keepalive',
    method: 'HEAD',
    paths: paths(4, 20, () => 200, '&bytes=5000'),
    delayMs: 20,
    route: '/users/{n}/orders',
  });
});

/** The agent's HTTP/1 kernel framing counters: requests it framed, connections it left by reason. */
async function kernelCounters(): Promise<{ requests: number; fallbacks: Record<string, number> }> {
  const text = await (await fetch(`http://${metricsAddr}/metrics`)).text();
  const value = (line: string | undefined): number => (line === undefined ? 0 : Number(line.trim().split(/\s+/).pop()));
  const fallbacks: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^weft_agent_l7_kernel_fallbacks_total\{reason="([a-z_]+)"\} (\d+)/.exec(line);
    if (m?.[1]) fallbacks[m[1]] = Number(m[2]);
  }
  return { requests: value(text.split('\n').find((l) => l.startsWith('weft_agent_l7_kernel_requests_total '))), fallbacks };
}

function fallbacksSince(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const grown: Record<string, number> = {};
  for (const [reason, n] of Object.entries(after)) if (n > (before[reason] ?? 0)) grown[reason] = n - (before[reason] ?? 0);
  return grown;
}

test('in the kernel: 30 simple keep-alive requests framed there on both ends, every 5th a 500, every 7th a 404', { timeout: 60_000 }, async (t) => {
  const before = await kernelCounters();
  await runCase(t, {
    label: 'kernel keep-alive',
    style: 'keepalive',
    paths: paths(30, 20, (i) => (i % 5 === 0 ? 500 : i % 7 === 3 ? 404 : 200)),
    delayMs: 20,
    route: '/users/{n}/orders',
  });
  const after = await kernelCounters();
  t.diagnostic(`kernel counters: requests +${after.requests - before.requests}, fallbacks ${JSON.stringify(fallbacksSince(before.fallbacks, after.fallbacks))}`);
  // Each end frames its own: the client's socket and the server's, 30 each.
  assert.equal(after.requests - before.requests, 60, 'every request framed in the kernel, on both ends (truth: the server served 30)');
  assert.deepEqual(fallbacksSince(before.fallbacks, after.fallbacks), {}, 'no connection left the kernel framing');
});

test('in the kernel, then not: a chunked response mid-connection moves it to the parser, every request still counted once', { timeout: 60_000 }, async (t) => {
  const before = await kernelCounters();
  // Ten requests, every third a 503; the sixth answered chunked.
  const path = (i: number): string => `/users/${3000 + i}/orders?delay_ms=20&status=${i % 3 === 1 ? 503 : 200}${i === 5 ? '&bytes=65536&chunks=8' : ''}`;
  await runCase(t, {
    label: 'kernel fallback',
    style: 'keepalive',
    paths: Array.from({ length: 10 }, (_, i) => path(i)),
    delayMs: 20,
    route: '/users/{n}/orders',
  });
  const after = await kernelCounters();
  const fallbacks = fallbacksSince(before.fallbacks, after.fallbacks);
  t.diagnostic(`kernel counters: requests +${after.requests - before.requests}, fallbacks ${JSON.stringify(fallbacks)}`);
  assert.equal(after.requests - before.requests, 10, 'the 5 requests before the chunked one framed in the kernel, on both ends');
  assert.deepEqual(fallbacks, { message: 2 }, 'both ends left at the chunked response');
});

test('a connection open before the agent: its requests after the agent started are counted, marked as predating it', { timeout: 90_000 }, async (t) => {
  assert.ok(agent);
  const pod2 = topology.pod(2);
  const all = paths(12, 20, (i) => (i % 4 === 1 ? 500 : 200));
  const old = agent;
  agent = undefined;
  const { agent: fresh, client } = await resumeUnderFreshAgent(
    old,
    () => TcpPeerProcess.startScript(HTTP_PEER, topology, topology.pod(1).netns, 'client', {
      connect: pod2.ipv4, port: PORT, paths: all.join(','), style: 'keepalive', 'pause-after': 2,
    }),
    { netns: [topology.pod(1).netns, pod2.netns] },
    (started) => (agent = started),
  );
  const done = client.records.find((r) => r.event === 'done') as unknown as ClientDone;
  const ports = new Set(done.localPorts);
  assert.equal(ports.size, 1, 'one connection');
  await server.waitFor(() => served(ports).length === all.length, 10_000, 'the server served every request');
  const afterStart = served(ports).slice(2);
  const errors = afterStart.filter((s) => s.status >= 500).length;
  for (const side of ['client', 'server'] as const) {
    await fresh.waitForRows((rows) => total(requestGroups(rows, ports, side), 'requests') >= afterStart.length, 10_000);
    await new Promise((r) => setTimeout(r, 1_200));
    const mine = rowsOf(fresh.rows, ports, side);
    const groups = mine.flatMap((row) => row.requests ?? []);
    t.diagnostic(`predating, ${side} end: ${JSON.stringify(groups.map(({ durations_us, ...g }) => ({ ...g, p50_us: median(durations_us) })))}`);
    assert.equal(total(groups, 'requests'), afterStart.length, `${side} end: the requests made after the agent started (truth: ${afterStart.length})`);
    assert.equal(total(groups, 'errors'), errors, `${side} end: 5xx (truth: ${errors})`);
    assert.ok(mine.filter((row) => row.requests).every((row) => row.predates_agent === true), `${side} end: every row with requests is marked predates_agent`);
    const truthMs = side === 'server' ? afterStart.map((s) => s.elapsedMs) : done.durationsMs.slice(2);
    assertDurations(`predating, ${side} end`, groups.flatMap((g) => g.durations_us), truthMs, 20, false);
  }
});

test('--l7-ports and --l7-processes: connections outside the filters are not parsed, those inside are', { timeout: 120_000 }, async (t) => {
  const pod2 = topology.pod(2);
  const trial = async (extraArgs: string[]): Promise<{ ports: Set<number>; fresh: AgentProcess }> => {
    await agent?.kill();
    agent = undefined;
    const fresh = await AgentProcess.start({ netns: [topology.pod(1).netns, pod2.netns], extraArgs });
    agent = fresh;
    const client = await TcpPeerProcess.startScript(HTTP_PEER, topology, topology.pod(1).netns, 'client', {
      connect: pod2.ipv4, port: PORT, paths: paths(5, 5, () => 200).join(','), style: 'keepalive',
    });
    const done = (await client.finished(30_000), client.records.find((r) => r.event === 'done')) as unknown as ClientDone;
    return { ports: new Set(done.localPorts), fresh };
  };
  const bytesRows = (rows: readonly AgentRow[], ports: ReadonlySet<number>): AgentRow[] =>
    rows.filter((row) => row.dport === PORT && ports.has(row.sport) && row.bytes_sent > 0);

  for (const args of [['--l7-ports', String(PORT + 1)], ['--l7-processes', 'nginx']]) {
    const { ports, fresh } = await trial(args);
    // The connection is seen (bytes), its requests are not parsed.
    await fresh.waitForRows((rows) => bytesRows(rows, ports).length > 0, 10_000);
    await new Promise((r) => setTimeout(r, 1_200));
    for (const side of ['client', 'server'] as const) {
      assert.equal(total(requestGroups(fresh.rows, ports, side), 'requests'), 0, `${args.join(' ')}: no requests on the ${side} end`);
    }
    t.diagnostic(`${args.join(' ')}: the connection's bytes are reported, no requests`);
  }
  const { ports, fresh } = await trial(['--l7-ports', `9,${PORT}`, '--l7-processes', 'node']);
  for (const side of ['client', 'server'] as const) {
    await fresh.waitForRows((rows) => total(requestGroups(rows, ports, side), 'requests') >= 5, 10_000);
    assert.equal(total(requestGroups(fresh.rows, ports, side), 'requests'), 5, `inside both filters: every request on the ${side} end`);
  }
});
