/**
 * DNS request metrics from the kernel (bpf/l7_capture.bpf.c: UDP datagrams
 * to port 53 and the TCP connections of port 53), held to the test's own DNS
 * server (test/fixtures/dnsPeer), which answers after a planted delay with
 * the rcode each name asks for and says what it served. Clients: the peer's
 * own (Node: UDP with sendto on an unconnected socket, UDP connected, TCP;
 * over IPv4 and IPv6), dig (UDP, and +tcp) and glibc's resolver (getent
 * ahosts: A and AAAA at once with sendmmsg). On the client end the agent's rows must carry
 * exactly the queries sent: requests, errors (SERVFAIL, REFUSED, and a query
 * never answered, timed out by the agent), client errors (NXDOMAIN), the
 * query types as methods, the names with their ids collapsed as routes, and
 * p50 durations within 10 % of the server's own; a UDP exchange is a row of
 * its own (udp: true, role client, to the server's port 53).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { AgentProcess } from '../fixtures/agentProcess.js';
import { median, requestTotal as total, type AgentRequestRow, type AgentRow } from '../fixtures/agentRows.js';
import { NodeTopology } from '../fixtures/netnsTopology.js';
import { TcpPeerProcess } from '../fixtures/tcpPeerProcess.js';

const DNS_PEER = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/dnsPeer.js');
const DNS_PORT = 53;
const DELAY_MS = 20;
const ANSWER = '203.0.113.7';

let topology: NodeTopology;
let agent: AgentProcess | undefined;
let server: TcpPeerProcess;
/** The same server on the pod's IPv6 address. */
let server6: TcpPeerProcess;

interface Served {
  transport: 'udp' | 'tcp';
  name: string;
  type: string;
  rcode: number | null;
  remotePort: number;
  elapsedMs: number;
}

before(async () => {
  topology = await NodeTopology.create({ pods: 2 });
  const pod2 = topology.pod(2);
  server = await TcpPeerProcess.startScript(DNS_PEER, topology, pod2.netns, 'server', { listen: pod2.ipv4, port: DNS_PORT, 'delay-ms': DELAY_MS, answer: ANSWER });
  server6 = await TcpPeerProcess.startScript(DNS_PEER, topology, pod2.netns, 'server', { listen: pod2.ipv6, port: DNS_PORT, 'delay-ms': DELAY_MS, answer: ANSWER });
  agent = await AgentProcess.start({ netns: [topology.pod(1).netns, pod2.netns] });
});

after(async () => {
  await agent?.kill();
  await server?.stop();
  await server6?.stop();
  await topology?.teardown();
});

function served(transport: 'udp' | 'tcp', ports: ReadonlySet<number>, peer = server): Served[] {
  return peer.records.filter((r) => r.event === 'served' && r.transport === transport && ports.has(r.remotePort as number)) as unknown as Served[];
}

/** The client end's rows of the given local ports to the server's port 53. */
function clientRows(rows: readonly AgentRow[], transport: 'udp' | 'tcp', ports: ReadonlySet<number>): AgentRow[] {
  return rows.filter((row) => row.role === 'client' && row.dport === DNS_PORT && ports.has(row.sport) && (transport === 'udp') === (row.udp === true));
}

interface Query {
  name: string;
  type: string;
}

/** 8 names of one template (numbers), 3 AAAA, 2 SERVFAIL, 1 REFUSED, 3 NXDOMAIN (MX), and `drops` never answered. */
function queries(drops: number): Query[] {
  return [
    ...Array.from({ length: 8 }, (_, i) => ({ name: `${1000 + i * 7}.api.weft.test`, type: 'A' })),
    ...Array.from({ length: 3 }, (_, i) => ({ name: `${2000 + i}.api.weft.test`, type: 'AAAA' })),
    { name: 'servfail.weft.test', type: 'A' },
    { name: 'servfail.weft.test', type: 'A' },
    { name: 'refused.weft.test', type: 'TXT' },
    ...Array.from({ length: 3 }, () => ({ name: 'nxdomain.weft.test', type: 'MX' })),
    ...Array.from({ length: drops }, () => ({ name: 'drop.weft.test', type: 'A' })),
  ];
}

interface Expected {
  requests: number;
  errors: number;
  clientErrors: number;
  /** method route -> requests */
  groups: Record<string, number>;
}

function expected(sent: readonly Query[]): Expected {
  const groups: Record<string, number> = {};
  let errors = 0;
  let clientErrors = 0;
  for (const q of sent) {
    const first = q.name.split('.')[0] ?? '';
    const route = /^\d+$/.test(first) ? `{n}.${q.name.split('.').slice(1).join('.')}` : q.name;
    const key = `${q.type} ${route}`;
    groups[key] = (groups[key] ?? 0) + 1;
    if (first === 'servfail' || first === 'refused' || first === 'drop') errors += 1;
    if (first === 'nxdomain') clientErrors += 1;
  }
  return { requests: sent.length, errors, clientErrors, groups };
}

async function assertClientEnd(
  t: { diagnostic(message: string): void },
  label: string,
  transport: 'udp' | 'tcp',
  ports: ReadonlySet<number>,
  sent: readonly Query[],
  waitMs: number,
  /** The answered queries' durations as the client timed them (dig's Query time); default: the server's own. */
  clientMs?: readonly number[],
  peer = server,
  serverAddress = topology.pod(2).ipv4,
): Promise<void> {
  assert.ok(agent);
  const want = expected(sent);
  const truth = served(transport, ports, peer);
  assert.equal(truth.length, sent.length, `${label}: the server got every query`);
  const groupsOf = (rows: readonly AgentRow[]): AgentRequestRow[] => clientRows(rows, transport, ports).flatMap((row) => row.requests ?? []);
  await agent.waitForRows((rows) => total(groupsOf(rows), 'requests') >= want.requests, waitMs);
  // One more interval: nothing may be counted twice.
  await new Promise((r) => setTimeout(r, 1_200));
  const rows = clientRows(agent.rows, transport, ports);
  const groups = groupsOf(agent.rows);
  t.diagnostic(`${label}: ${JSON.stringify(groups.map(({ durations_us, ...g }) => ({ ...g, p50_us: median(durations_us) })))}`);
  assert.ok(rows.length > 0, `${label}: rows of the client's flow`);
  assert.ok(groups.every((g) => g.protocol === 'dns'), `${label}: protocol dns`);
  assert.equal(total(groups, 'requests'), want.requests, `${label}: requests`);
  assert.equal(total(groups, 'errors'), want.errors, `${label}: errors (SERVFAIL, REFUSED, unanswered)`);
  assert.equal(total(groups, 'client_errors'), want.clientErrors, `${label}: client errors (NXDOMAIN)`);
  const got: Record<string, number> = {};
  for (const g of groups) got[`${g.method} ${g.route}`] = (got[`${g.method} ${g.route}`] ?? 0) + g.requests;
  assert.deepEqual(got, want.groups, `${label}: query types and names (ids collapsed)`);
  const durations = groups.flatMap((g) => g.durations_us);
  const answered = truth.filter((s) => s.rcode !== null);
  assert.equal(durations.length, answered.length, `${label}: one duration per answered query`);
  const truthP50 = median(clientMs ?? answered.map((s) => s.elapsedMs));
  const whose = clientMs ? "the client's own" : "the server's own";
  // dig says whole milliseconds (truncated): one more of slack.
  const resolutionMs = clientMs ? 1 : 0;
  assert.ok(truthP50 >= DELAY_MS - resolutionMs, `${label}: ${whose} p50 ${truthP50.toFixed(2)} ms is at least the planted ${DELAY_MS} ms`);
  const p50 = median(durations) / 1000;
  assert.ok(Math.abs(p50 - truthP50) <= truthP50 * 0.1 + resolutionMs, `${label}: p50 ${p50.toFixed(2)} ms, ${whose} ${truthP50.toFixed(2)} ms (planted ${DELAY_MS} ms)`);
  if (transport === 'udp') {
    assert.ok(rows.every((row) => row.daddr === serverAddress && row.udp === true), `${label}: the flow is to the server`);
    const bytes = rows.reduce((sum, row) => sum + row.bytes_sent, 0);
    assert.ok(bytes > 0, `${label}: the flow's query bytes`);
  }
}

async function runPeerClient(t: { diagnostic(message: string): void }, transport: 'udp' | 'udp-connected' | 'tcp', drops: number, ipv6 = false): Promise<void> {
  const sent = queries(drops);
  const address = ipv6 ? topology.pod(2).ipv6 : topology.pod(2).ipv4;
  const client = await TcpPeerProcess.startScript(DNS_PEER, topology, topology.pod(1).netns, 'client', {
    server: address, port: DNS_PORT, transport, queries: sent.map((q) => `${q.name}:${q.type}`).join(','), 'timeout-ms': 500,
  });
  const done = (await client.finished(30_000)) as unknown as { localPorts: number[]; answered: number };
  assert.equal(done.answered, sent.length - drops, `${transport}: the client got every answer but the dropped`);
  // An unanswered query is reported once the agent's 5 s timeout passed.
  await assertClientEnd(t, `${transport}${ipv6 ? ' (IPv6)' : ''}`, transport === 'tcp' ? 'tcp' : 'udp', new Set(done.localPorts), sent, drops > 0 ? 12_000 : 8_000, undefined, ipv6 ? server6 : server, address);
}

test('UDP, unconnected socket (sendto/recvfrom): counts, rcodes, types, names, p50, an unanswered query timed out', { timeout: 60_000 }, async (t) => {
  await runPeerClient(t, 'udp', 1);
});

test('UDP, connected socket (connect, send/recv)', { timeout: 60_000 }, async (t) => {
  await runPeerClient(t, 'udp-connected', 0);
});

test('TCP: length-prefixed queries on one connection', { timeout: 60_000 }, async (t) => {
  await runPeerClient(t, 'tcp', 0);
});

test('IPv6: UDP unconnected (a sockaddr_in6 destination), UDP connected and TCP', { timeout: 60_000 }, async (t) => {
  for (const transport of ['udp', 'udp-connected', 'tcp'] as const) await runPeerClient(t, transport, 0, true);
});

test('dig over UDP and over TCP (+tcp), a socket per query', { timeout: 60_000 }, async (t) => {
  const dig = spawnSync('which', ['dig']);
  if (dig.status !== 0) {
    t.skip('dig is not installed (scripts/setup.sh installs dnsutils)');
    return;
  }
  for (const [transport, flags] of [['udp', []], ['tcp', ['+tcp']]] as const) {
    const seen = server.records.length;
    const sent: Query[] = [
      ...Array.from({ length: 4 }, (_, i) => ({ name: `${300 + i}.dig.weft.test`, type: 'A' })),
      { name: 'servfail.weft.test', type: 'A' },
      { name: 'nxdomain.weft.test', type: 'AAAA' },
    ];
    // dig's own timing is the truth here: over TCP it writes the length and the
    // query apart, and Nagle holds the query until the server's delayed ACK,
    // which the client waits for (and the server, timing from the query's
    // arrival, does not see).
    const digMs: number[] = [];
    for (const q of sent) {
      const { stdout } = await topology.exec(topology.pod(1).netns, 'dig', [`@${topology.pod(2).ipv4}`, '-p', String(DNS_PORT), '+tries=1', '+time=2', ...flags, q.name, q.type]);
      const time = /Query time: (\d+) msec/.exec(stdout);
      assert.ok(time, `dig printed its query time: ${stdout}`);
      digMs.push(Number(time[1]));
    }
    const fresh = (): Served[] => server.records.slice(seen).filter((r) => r.event === 'served' && r.transport === transport) as unknown as Served[];
    await server.waitFor(() => fresh().length >= sent.length, 5_000, `dig's ${transport} queries served`);
    await assertClientEnd(t, `dig ${transport}`, transport, new Set(fresh().map((s) => s.remotePort)), sent, 8_000, digMs);
  }
});

test('glibc (getent ahosts): A and AAAA in parallel (sendmmsg), the resolver of most programs', { timeout: 60_000 }, async (t) => {
  // ip netns exec bind-mounts /etc/netns/NS/resolv.conf over /etc/resolv.conf.
  const pod1 = topology.pod(1).netns;
  const dir = `/etc/netns/${pod1}`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/resolv.conf`, `nameserver ${topology.pod(2).ipv4}\noptions attempts:1 timeout:2\n`);
  try {
    const seen = server.records.length;
    const names = ['4100.glibc.weft.test', '4107.glibc.weft.test', 'servfail.weft.test', 'nxdomain.weft.test'];
    for (const name of names) await topology.exec(pod1, 'getent', ['ahosts', name]).catch(() => undefined);
    const fresh = (): Served[] => server.records.slice(seen).filter((r) => r.event === 'served') as unknown as Served[];
    await server.waitFor(() => fresh().length >= names.length * 2, 5_000, "getent's queries served");
    const truth = fresh();
    t.diagnostic(`served: ${JSON.stringify(truth.map((s) => [s.name, s.type, s.rcode, s.transport]))}`);
    // What glibc asked is the truth: A and AAAA of each name (SERVFAIL may be retried, every query is one request).
    const sent = truth.map((s) => ({ name: s.name, type: s.type }));
    await assertClientEnd(t, 'getent', 'udp', new Set(truth.map((s) => s.remotePort)), sent, 8_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
