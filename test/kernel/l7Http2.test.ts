/**
 * HTTP/2 and gRPC request metrics from the kernel (bpf/l7_capture.bpf.c,
 * apps/agent/src/l7/http2), held to the test's own peers: a node:http2
 * server answers each path after the delay and with the status its query
 * names, a @grpc/grpc-js server answers unary and server-streaming calls
 * after planted delays with planted status codes, and both say what they
 * served and how long it really took; the clients say what they got and
 * how long they waited. The agent's rows must carry exactly those requests
 * and errors (5xx, gRPC non-OK; 4xx apart), one route template per route
 * (ids collapsed, a gRPC method its own route), p50 durations within 10 % of
 * the peers' own, on both ends of each connection; and a connection open
 * before the agent is counted and marked, its requests' HPACK state unknown
 * and so reported as such, not guessed.
 */
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { resumeUnderFreshAgent } from '../fixtures/agentMidConnection.js';
import { AgentProcess } from '../fixtures/agentProcess.js';
import { median, requestTotal as total, type AgentRequestRow, type AgentRow } from '../fixtures/agentRows.js';
import { NodeTopology } from '../fixtures/netnsTopology.js';
import { TcpPeerProcess } from '../fixtures/tcpPeerProcess.js';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures');
const HTTP2_PEER = resolve(FIXTURES, 'http2Peer.js');
const GRPC_PEER = resolve(FIXTURES, 'grpcPeer.js');
const HTTP2_PORT = 8082;
const GRPC_PORT = 50051;

let topology: NodeTopology;
let agent: AgentProcess | undefined;
let http2Server: TcpPeerProcess;
let grpcServer: TcpPeerProcess;

interface Served {
  remotePort: number;
  elapsedMs: number;
}
interface Http2Served extends Served {
  path: string;
  status: number;
}
interface GrpcServed extends Served {
  rpc: 'Get' | 'Watch';
  code: number;
}
interface Http2Done {
  requests: number;
  localPorts: number[];
  durationsMs: number[];
}
interface GrpcDone {
  requests: number;
  localPorts: number[];
  calls: Array<{ rpc: 'Get' | 'Watch'; code: number; durationMs: number }>;
}

before(async () => {
  topology = await NodeTopology.create({ pods: 2 });
  const pod2 = topology.pod(2);
  http2Server = await TcpPeerProcess.startScript(HTTP2_PEER, topology, pod2.netns, 'server', { listen: pod2.ipv4, port: HTTP2_PORT });
  grpcServer = await TcpPeerProcess.startScript(GRPC_PEER, topology, pod2.netns, 'server', { listen: pod2.ipv4, port: GRPC_PORT });
  agent = await AgentProcess.start({ netns: [topology.pod(1).netns, pod2.netns] });
});

after(async () => {
  await agent?.kill();
  await http2Server?.stop();
  await grpcServer?.stop();
  await topology?.teardown();
});

function servedBy<T extends Served>(server: TcpPeerProcess, ports: ReadonlySet<number>): T[] {
  return server.records.filter((r) => r.event === 'served' && ports.has(r.remotePort as number)) as unknown as T[];
}

/** The request groups of the sockets on `side` of the connections from the client ports given. */
function rowsOf(rows: readonly AgentRow[], port: number, ports: ReadonlySet<number>, side: 'client' | 'server'): AgentRow[] {
  return rows.filter((row) => (side === 'client' ? row.dport === port && ports.has(row.sport) : row.sport === port && ports.has(row.dport)));
}

/** The measured p50 against the peer's own (which is at least the planted delay): within 10 %. */
function assertP50(label: string, measuredUs: readonly number[], truthMs: readonly number[], plantedMs: number): void {
  assert.equal(measuredUs.length, truthMs.length, `${label}: one duration per request`);
  const truthP50 = median(truthMs);
  assert.ok(truthP50 >= plantedMs, `${label}: the peer's own p50 ${truthP50.toFixed(2)} ms is at least the planted ${plantedMs} ms`);
  const p50Ms = median(measuredUs) / 1000;
  assert.ok(Math.abs(p50Ms - truthP50) <= truthP50 * 0.1, `${label}: p50 ${p50Ms.toFixed(2)} ms, the peer's own ${truthP50.toFixed(2)} ms (planted ${plantedMs} ms)`);
}

/** The distinct (protocol, method, route) of groups from any number of rows, sorted. */
const routesOf = (groups: readonly AgentRequestRow[]): string[] => [...new Set(groups.map((g) => `${g.protocol} ${g.method} ${g.route}`))].sort();

const describeGroups = (groups: readonly AgentRequestRow[]): string =>
  JSON.stringify(groups.map(({ durations_us, ...g }) => ({ ...g, p50_us: median(durations_us) })));

/** Waits until both ends' rows hold `count` requests, then one interval more (nothing may be counted twice). */
async function groupsOnBothEnds(a: AgentProcess, port: number, ports: ReadonlySet<number>, count: number): Promise<Record<'client' | 'server', { rows: AgentRow[]; groups: AgentRequestRow[] }>> {
  const groups = (side: 'client' | 'server'): AgentRequestRow[] => rowsOf(a.rows, port, ports, side).flatMap((row) => row.requests ?? []);
  await a.waitForRows(() => total(groups('client'), 'requests') >= count && total(groups('server'), 'requests') >= count, 15_000);
  await new Promise((r) => setTimeout(r, 1_200));
  return {
    client: { rows: rowsOf(a.rows, port, ports, 'client'), groups: groups('client') },
    server: { rows: rowsOf(a.rows, port, ports, 'server'), groups: groups('server') },
  };
}

const usersPath = (i: number, delayMs: number, status: number): string => `/users/${1000 + i * 7}/orders?delay_ms=${delayMs}&status=${status}`;
const catalogPath = (i: number, delayMs: number): string => `/catalog/${5000 + i}?delay_ms=${delayMs}&status=200`;

test('node:http2: 24 requests on one connection, two routes of different delays, every 5th a 500, every 7th a 404', { timeout: 60_000 }, async (t) => {
  assert.ok(agent);
  const pod2 = topology.pod(2);
  const users = Array.from({ length: 16 }, (_, i) => usersPath(i, 20, i % 5 === 0 ? 500 : i % 7 === 3 ? 404 : 200));
  const catalog = Array.from({ length: 8 }, (_, i) => catalogPath(i, 40));
  const paths = users.flatMap((p, i) => (i % 2 === 0 && catalog[i / 2] ? [p, catalog[i / 2] as string] : [p]));
  const client = await TcpPeerProcess.startScript(HTTP2_PEER, topology, topology.pod(1).netns, 'client', { connect: pod2.ipv4, port: HTTP2_PORT, paths: paths.join(',') });
  await client.finished(30_000);
  const done = client.records.find((r) => r.event === 'done') as unknown as Http2Done;
  const ports = new Set(done.localPorts);
  assert.equal(done.requests, paths.length, 'the client got every response');
  await http2Server.waitFor(() => servedBy(http2Server, ports).length === paths.length, 10_000, 'the server\'s served records');
  const truth = servedBy<Http2Served>(http2Server, ports);
  const errors = truth.filter((s) => s.status >= 500).length;
  const clientErrors = truth.filter((s) => s.status >= 400 && s.status < 500).length;
  assert.ok(errors > 0 && clientErrors > 0, 'the run planted both kinds of error');

  const ends = await groupsOnBothEnds(agent, HTTP2_PORT, ports, paths.length);
  for (const side of ['client', 'server'] as const) {
    const { groups } = ends[side];
    const label = `http2, ${side} end`;
    t.diagnostic(`${label}: ${describeGroups(groups)}`);
    assert.equal(total(groups, 'requests'), paths.length, `${label}: requests (truth: the server served ${truth.length})`);
    assert.equal(total(groups, 'errors'), errors, `${label}: 5xx (truth: ${errors})`);
    assert.equal(total(groups, 'client_errors'), clientErrors, `${label}: 4xx (truth: ${clientErrors})`);
    assert.deepEqual(routesOf(groups), ['http2 GET /catalog/{n}', 'http2 GET /users/{n}/orders'], `${label}: one template per route`);
    for (const [route, prefix, planted] of [['/users/{n}/orders', '/users/', 20], ['/catalog/{n}', '/catalog/', 40]] as const) {
      const measured = groups.filter((g) => g.route === route).flatMap((g) => g.durations_us);
      const truthMs = side === 'server'
        ? truth.filter((s) => s.path.startsWith(prefix)).map((s) => s.elapsedMs)
        : done.durationsMs.filter((_, i) => (paths[i] ?? '').startsWith(prefix));
      assertP50(`${label}, ${route}`, measured, truthMs, planted);
    }
  }
});

test('gRPC (@grpc/grpc-js): unary and server-streaming calls on one channel, a known share of non-OK statuses', { timeout: 60_000 }, async (t) => {
  assert.ok(agent);
  const pod2 = topology.pod(2);
  // Unary Get: 15 ms, every 4th NOT_FOUND (5), one UNAVAILABLE (14). Watch: 3 messages 12 ms apart, every 3rd ends PERMISSION_DENIED (7).
  const gets = Array.from({ length: 16 }, (_, i) => `get:15:${i % 4 === 1 ? 5 : i === 10 ? 14 : 0}`);
  const watches = Array.from({ length: 9 }, (_, i) => `watch:12:3:${i % 3 === 2 ? 7 : 0}`);
  const calls = gets.flatMap((g, i) => (i % 2 === 0 && watches[i / 2] ? [g, watches[i / 2] as string] : [g])).concat(watches.slice(8));
  const client = await TcpPeerProcess.startScript(GRPC_PEER, topology, topology.pod(1).netns, 'client', { connect: pod2.ipv4, port: GRPC_PORT, calls: calls.join(',') });
  await client.finished(30_000);
  const done = client.records.find((r) => r.event === 'done') as unknown as GrpcDone;
  const ports = new Set(done.localPorts);
  assert.equal(ports.size, 1, 'one connection');
  assert.equal(done.requests, calls.length);
  await grpcServer.waitFor(() => servedBy(grpcServer, ports).length === calls.length, 10_000, 'the server\'s served records');
  const truth = servedBy<GrpcServed>(grpcServer, ports);
  assert.deepEqual(done.calls.map((c) => c.code), truth.map((s) => s.code), 'the client got the statuses the server planted');

  const ends = await groupsOnBothEnds(agent, GRPC_PORT, ports, calls.length);
  for (const side of ['client', 'server'] as const) {
    const { groups } = ends[side];
    const label = `gRPC, ${side} end`;
    t.diagnostic(`${label}: ${describeGroups(groups)}`);
    assert.deepEqual(routesOf(groups), ['grpc POST /weft.test.v1.Orders/Get', 'grpc POST /weft.test.v1.Orders/Watch'], `${label}: each gRPC method its own route`);
    for (const [rpc, planted] of [['Get', 15], ['Watch', 36]] as const) {
      const mine = groups.filter((g) => g.route.endsWith(`/${rpc}`));
      const served = truth.filter((s) => s.rpc === rpc);
      assert.equal(total(mine, 'requests'), served.length, `${label}, ${rpc}: calls (truth: ${served.length})`);
      const nonOk = served.filter((s) => s.code !== 0).length;
      assert.equal(total(mine, 'errors'), nonOk, `${label}, ${rpc}: non-OK statuses (truth: ${nonOk})`);
      assert.equal(total(mine, 'client_errors'), 0, `${label}, ${rpc}: gRPC has no client-error class`);
      const truthMs = side === 'server' ? served.map((s) => s.elapsedMs) : done.calls.filter((c) => c.rpc === rpc).map((c) => c.durationMs);
      assertP50(`${label}, ${rpc}`, mine.flatMap((g) => g.durations_us), truthMs, planted);
    }
  }
});

test('an HTTP/2 connection open before the agent: its requests are counted and timed, marked predates_agent, their HPACK state unknown (not guessed)', { timeout: 90_000 }, async (t) => {
  assert.ok(agent);
  const pod2 = topology.pod(2);
  const paths = Array.from({ length: 12 }, (_, i) => usersPath(i, 20, i % 4 === 1 ? 500 : 200));
  const old = agent;
  agent = undefined;
  const { agent: fresh, client } = await resumeUnderFreshAgent(
    old,
    () => TcpPeerProcess.startScript(HTTP2_PEER, topology, topology.pod(1).netns, 'client', {
      connect: pod2.ipv4, port: HTTP2_PORT, paths: paths.join(','), 'pause-after': 2,
    }),
    { netns: [topology.pod(1).netns, pod2.netns] },
    (started) => (agent = started),
  );
  const done = client.records.find((r) => r.event === 'done') as unknown as Http2Done;
  const ports = new Set(done.localPorts);
  assert.equal(ports.size, 1, 'one connection');
  await http2Server.waitFor(() => servedBy(http2Server, ports).length === paths.length, 10_000, 'the server served every request');
  const afterStart = servedBy<Http2Served>(http2Server, ports).slice(2);
  assert.ok(afterStart.some((s) => s.status >= 500), 'the server did answer some with a 500');

  const ends = await groupsOnBothEnds(fresh, HTTP2_PORT, ports, afterStart.length);
  for (const side of ['client', 'server'] as const) {
    const { rows, groups } = ends[side];
    const label = `predating http2, ${side} end`;
    t.diagnostic(`${label}: ${describeGroups(groups)}`);
    assert.equal(total(groups, 'requests'), afterStart.length, `${label}: the requests made after the agent started (truth: ${afterStart.length})`);
    assert.deepEqual(routesOf(groups), ['http2 UNKNOWN {unknown}'], `${label}: method and route unknown, not guessed`);
    assert.equal(total(groups, 'errors') + total(groups, 'client_errors'), 0, `${label}: no status could be read, so none is counted as an error`);
    assert.ok(rows.filter((row) => row.requests).every((row) => row.predates_agent === true), `${label}: every row with requests is marked predates_agent`);
    const truthMs = side === 'server' ? afterStart.map((s) => s.elapsedMs) : done.durationsMs.slice(2);
    assertP50(label, groups.flatMap((g) => g.durations_us), truthMs, 20);
  }
});
