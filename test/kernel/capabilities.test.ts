/**
 * The agent runs as a non-root user holding only CAP_BPF, CAP_PERFMON and
 * CAP_NET_ADMIN (not full privilege), and still reports exact
 * bytes and NAT; without capabilities it refuses to start with one line that
 * names what is missing.
 *
 * The incantation (capsh from libcap2-bin; --keep=1 keeps the permitted set
 * across the switch to nobody, --addamb raises the three as ambient so the
 * exec'd shell and node inherit them, `exec` keeps one pid for signals):
 *
 *   capsh --caps="cap_bpf,cap_perfmon,cap_net_admin+eip cap_setpcap,cap_setuid,cap_setgid+ep" \
 *         --keep=1 --user=nobody --addamb=cap_bpf,cap_perfmon,cap_net_admin \
 *         -- -c 'exec node apps/cli/dist/main.js agent --json ...'
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { assertSocketMatches, clientEnds, closedAt, theSocket } from '../fixtures/agentExpectations.js';
import { AgentProcess, runAgentToExit, type CapabilitySandbox } from '../fixtures/agentProcess.js';
import { canonicalAddress, formatRows } from '../fixtures/agentRows.js';
import { NodeTopology, SERVICE_IPV4_BASE } from '../fixtures/netnsTopology.js';
import { runPeerClient, TcpPeerProcess } from '../fixtures/tcpPeerProcess.js';

const NEEDED = ['cap_bpf', 'cap_perfmon', 'cap_net_admin'];
const CAP_BITS: Record<string, number> = { cap_net_admin: 12, cap_perfmon: 38, cap_bpf: 39 };
const VIP = `${SERVICE_IPV4_BASE}20`;

let topology: NodeTopology;
let backend: TcpPeerProcess;
let agent: AgentProcess | undefined;

before(async () => {
  topology = await NodeTopology.create({ pods: 2 });
  const pod2 = topology.pod(2);
  backend = await TcpPeerProcess.start(topology, pod2.netns, 'server', { listen: pod2.ipv4, port: 9000 });
  await topology.addServiceVip({ vip: VIP, port: 80, backend: pod2.ipv4, backendPort: 9000 });
});

after(async () => {
  await agent?.kill();
  await topology?.teardown();
});

function statusField(pid: number, field: string): string {
  const match = new RegExp(`^${field}:\\s*(.+)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match?.[1]?.trim() ?? '';
}

test('as nobody with only CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN: bytes exact, NAT resolved', { timeout: 60_000 }, async (t) => {
  const sandbox: CapabilitySandbox = { user: 'nobody', capabilities: NEEDED };
  agent = await AgentProcess.start({ sandbox, runInNetns: topology.node.netns, netns: [topology.pod(1).netns, topology.pod(2).netns] });
  t.diagnostic(`traffic path: ${agent.trafficPath}`);
  t.diagnostic(`command: ${agent.command.join(' ')}`);

  // The process really is unprivileged: not root, and exactly the three capabilities.
  assert.equal(readFileSync(`/proc/${agent.pid}/comm`, 'utf8').trim(), 'node', 'capsh/bash exec node in place (same pid)');
  const uid = statusField(agent.pid, 'Uid').split(/\s+/);
  assert.ok(uid.every((id) => id !== '0'), `agent runs with uid ${uid.join(' ')}`);
  const wanted = NEEDED.reduce((bits, cap) => bits | (1n << BigInt(CAP_BITS[cap] ?? 0)), 0n);
  const effective = BigInt(`0x${statusField(agent.pid, 'CapEff')}`);
  assert.equal(effective.toString(16), wanted.toString(16), 'CapEff is exactly cap_bpf, cap_perfmon, cap_net_admin');

  const pod1 = topology.pod(1);
  const pod2 = topology.pod(2);
  const client = await runPeerClient(topology, pod1.netns, { connect: VIP, port: 80, connections: 2, request: 12_345, response: 54_321 });
  for (const c of client.connections) {
    assert.equal(c.error, null);
    const ends = clientEnds(c);
    const serverEnds = { saddr: pod2.ipv4, sport: 9000, daddr: pod1.ipv4, dport: c.localPort };
    await backend.waitFor(() => backend.connections.some((s) => s.remotePort === c.localPort), 5_000, 'the backend record');
    const truth = backend.connections.find((s) => s.remotePort === c.localPort);
    assert.ok(truth);
    await agent.waitForRows((rows) => closedAt(rows, ends) && closedAt(rows, serverEnds), 10_000);
    const clientSocket = theSocket(agent.rows, ends, 'client end (unprivileged agent)');
    assertSocketMatches(clientSocket, { role: 'client', pid: client.pid, comm: 'node', bytesSent: c.bytesWritten, bytesReceived: c.bytesRead }, 'client end (unprivileged agent)');
    assertSocketMatches(
      theSocket(agent.rows, serverEnds, 'backend end (unprivileged agent)'),
      { role: 'server', pid: backend.pid, comm: 'node', bytesSent: truth.bytesWritten, bytesReceived: truth.bytesRead },
      'backend end (unprivileged agent)',
    );
    // Conntrack over netlink works with CAP_NET_ADMIN alone.
    assert.ok(
      clientSocket.rows.every((row) => row.nat_daddr !== undefined && canonicalAddress(row.nat_daddr) === pod2.ipv4 && row.nat_dport === 9000),
      `NAT not resolved by the unprivileged agent\n${formatRows(clientSocket.rows)}`,
    );
  }
  const result = await agent.stop();
  agent = undefined;
  assert.equal(result.code, 0, `exit ${result.code ?? result.signal}\n${result.stderr}`);
});

test('no capabilities at all: exits non-zero with one line naming the missing capabilities', { timeout: 30_000 }, async (t) => {
  const result = await runAgentToExit({ sandbox: { user: 'nobody', capabilities: [] } });
  t.diagnostic(`stderr: ${result.stderr.trim()}`);
  assert.notEqual(result.code, 0);
  assert.equal(result.code === null, false, `killed by ${result.signal} instead of exiting`);
  const lines = result.stderr.split('\n').filter((line) => line.trim());
  assert.equal(lines.length, 1, `want one stderr line, got:\n${result.stderr}`);
  for (const cap of ['CAP_BPF', 'CAP_PERFMON', 'CAP_NET_ADMIN']) assert.ok(lines[0]?.includes(cap), `line does not name ${cap}: ${lines[0]}`);
});

test('only CAP_BPF: the line names exactly the two that are missing', { timeout: 30_000 }, async (t) => {
  const result = await runAgentToExit({ sandbox: { user: 'nobody', capabilities: ['cap_bpf'] } });
  t.diagnostic(`stderr: ${result.stderr.trim()}`);
  assert.notEqual(result.code, 0);
  const lines = result.stderr.split('\n').filter((line) => line.trim());
  assert.equal(lines.length, 1, `want one stderr line, got:\n${result.stderr}`);
  const missingPart = lines[0]?.split(':').slice(0, 2).join(':') ?? '';
  assert.ok(missingPart.includes('CAP_PERFMON') && missingPart.includes('CAP_NET_ADMIN'), lines[0]);
  assert.ok(!/missing[^:]*CAP_BPF/.test(missingPart), `CAP_BPF is held but named missing: ${lines[0]}`);
});
