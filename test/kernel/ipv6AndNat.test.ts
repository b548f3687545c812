/**
 * IPv6 between pods, IPv4-mapped addresses printed as IPv4, and NAT: a client
 * dialling a service VIP (DNAT in the node namespace, the kube-proxy way) is
 * reported with daddr = the VIP and nat_daddr/nat_dport = the real backend.
 * The agent runs inside the node namespace (a hostNetwork DaemonSet pod), so
 * the conntrack it reads is the node's. Ground truth for the translation:
 * the DNAT rule the test added, cross-checked with `conntrack -L`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertSocketMatches, clientEnds, closedAt, closedOnBothEnds, theSocket } from '../fixtures/agentExpectations.js';
import { AgentProcess } from '../fixtures/agentProcess.js';
import { canonicalAddress, formatRows, reversed } from '../fixtures/agentRows.js';
import { NodeTopology, SERVICE_IPV4_BASE, SERVICE_IPV6_BASE } from '../fixtures/netnsTopology.js';
import { runPeerClient, TcpPeerProcess, type PeerConnection } from '../fixtures/tcpPeerProcess.js';

const VIP4 = `${SERVICE_IPV4_BASE}10`;
const VIP6 = `${SERVICE_IPV6_BASE}10`;

let topology: NodeTopology;
let agent: AgentProcess | undefined;
let server6: TcpPeerProcess;
let dualStack: TcpPeerProcess;
let backend: TcpPeerProcess;

before(async () => {
  topology = await NodeTopology.create({ pods: 2 });
  const pod2 = topology.pod(2);
  server6 = await TcpPeerProcess.start(topology, pod2.netns, 'server', { listen: pod2.ipv6, port: 9006 });
  dualStack = await TcpPeerProcess.start(topology, pod2.netns, 'server', { listen: '::', port: 9001 });
  backend = await TcpPeerProcess.start(topology, pod2.netns, 'server', { listen: '::', port: 9000 });
  await topology.addServiceVip({ vip: VIP4, port: 80, backend: pod2.ipv4, backendPort: 9000 });
  await topology.addServiceVip({ vip: VIP6, port: 80, backend: pod2.ipv6, backendPort: 9000 });
  agent = await AgentProcess.start({ runInNetns: topology.node.netns, netns: [topology.pod(1).netns, pod2.netns] });
});

after(async () => {
  await agent?.kill();
  await topology?.teardown();
});

function serverRecord(server: TcpPeerProcess, client: PeerConnection): Promise<PeerConnection> {
  return server
    .waitFor(() => server.connections.some((s) => s.remotePort === client.localPort), 5_000, `server record of port ${client.localPort}`)
    .then(() => server.connections.find((s) => s.remotePort === client.localPort) as PeerConnection);
}

test('IPv6 between pods: family 6, addresses and bytes right on both ends', { timeout: 60_000 }, async (t) => {
  assert.ok(agent);
  t.diagnostic(`traffic path: ${agent.trafficPath} (agent running in ${topology.node.netns})`);
  const pod1 = topology.pod(1);
  const pod2 = topology.pod(2);
  const client = await runPeerClient(topology, pod1.netns, { connect: pod2.ipv6, port: 9006, connections: 3, request: 6_000, response: 60_000 });
  for (const c of client.connections) {
    assert.equal(c.error, null);
    const ends = clientEnds(c);
    const truth = await serverRecord(server6, c);
    await agent.waitForRows((rows) => closedOnBothEnds(rows, ends), 10_000);
    const clientSocket = theSocket(agent.rows, ends, 'IPv6 client end');
    const serverSocket = theSocket(agent.rows, reversed(ends), 'IPv6 server end');
    assertSocketMatches(clientSocket, { family: 6, role: 'client', pid: client.pid, bytesSent: c.bytesWritten, bytesReceived: c.bytesRead, netns: pod1.inode }, 'IPv6 client end');
    assertSocketMatches(serverSocket, { family: 6, role: 'server', pid: server6.pid, bytesSent: truth.bytesWritten, bytesReceived: truth.bytesRead, netns: pod2.inode }, 'IPv6 server end');
    assert.equal(canonicalAddress(clientSocket.last.saddr), canonicalAddress(pod1.ipv6));
    assert.equal(canonicalAddress(clientSocket.last.daddr), canonicalAddress(pod2.ipv6));
    assert.equal(clientSocket.last.nat_daddr, undefined, `no NAT on a direct pod-to-pod connection\n${formatRows(clientSocket.rows)}`);
  }
});

test('IPv4 client to a dual-stack (::) listener: mapped addresses printed as IPv4, family 4', { timeout: 60_000 }, async (t) => {
  assert.ok(agent);
  t.diagnostic(`traffic path: ${agent.trafficPath}`);
  const pod1 = topology.pod(1);
  const pod2 = topology.pod(2);
  const client = await runPeerClient(topology, pod1.netns, { connect: pod2.ipv4, port: 9001, request: 10, response: 10 });
  const c = client.connections[0];
  assert.ok(c && c.error === null);
  const ends = clientEnds(c);
  await agent.waitForRows((rows) => closedOnBothEnds(rows, ends), 10_000);
  const serverSocket = theSocket(agent.rows, reversed(ends), 'dual-stack server end');
  for (const row of serverSocket.rows) {
    assert.equal(row.family, 4, formatRows([row]));
    assert.equal(row.saddr, pod2.ipv4, `saddr printed as "${row.saddr}"`);
    assert.equal(row.daddr, pod1.ipv4, `daddr printed as "${row.daddr}"`);
  }
});

for (const family of [4, 6] as const) {
  test(`service VIP over IPv${family}: daddr = VIP, nat_daddr/nat_dport = the backend`, { timeout: 60_000 }, async (t) => {
    assert.ok(agent);
    t.diagnostic(`traffic path: ${agent.trafficPath} (agent in ${topology.node.netns}, reading its conntrack)`);
    const pod1 = topology.pod(1);
    const pod2 = topology.pod(2);
    const vip = family === 4 ? VIP4 : VIP6;
    const backendAddr = family === 4 ? pod2.ipv4 : pod2.ipv6;
    // Short connections and one that lives ~2 s.
    const shortOnes = await runPeerClient(topology, pod1.netns, { connect: vip, port: 80, connections: 3, request: 100, response: 1_000 });
    const longOne = await runPeerClient(topology, pod1.netns, { connect: vip, port: 80, exchanges: 5, 'interval-ms': 500, request: 100, response: 1_000 });
    const conntrack = await topology.conntrackEntries(family);
    for (const c of [...shortOnes.connections, ...longOne.connections]) {
      assert.equal(c.error, null);
      assert.equal(canonicalAddress(c.remoteAddr), canonicalAddress(vip));
      const ends = clientEnds(c);
      // Ground truth: the node's conntrack translated exactly this flow to the backend.
      const flow = conntrack.find((line) => line.includes(`sport=${c.localPort} dport=80`));
      assert.ok(flow && canonicalAddress(/src=(\S+) dst=\S+ sport=9000/.exec(flow)?.[1] ?? '') === canonicalAddress(backendAddr), `conntrack: ${flow}`);

      const truth = await serverRecord(backend, c);
      // The backend's socket sees the real client and the backend address.
      const serverEnds = { saddr: backendAddr, sport: 9000, daddr: c.localAddr, dport: c.localPort };
      await agent.waitForRows((rows) => closedAt(rows, ends) && closedAt(rows, serverEnds), 10_000);
      const clientSocket = theSocket(agent.rows, ends, `client dialling ${vip}:80`);
      assertSocketMatches(clientSocket, { role: 'client', pid: c.pid, family, comm: 'node', bytesSent: c.bytesWritten, bytesReceived: c.bytesRead }, `client dialling ${vip}:80`);
      for (const row of clientSocket.rows) {
        assert.ok(
          row.nat_daddr !== undefined && canonicalAddress(row.nat_daddr) === canonicalAddress(backendAddr) && row.nat_dport === 9000,
          `client row toward the VIP: want nat_daddr ${backendAddr} nat_dport 9000\n${formatRows(clientSocket.rows)}`,
        );
      }
      // ... and no translation of its own.
      const serverSocket = theSocket(agent.rows, serverEnds, 'backend end');
      assertSocketMatches(serverSocket, { role: 'server', pid: backend.pid, bytesSent: truth.bytesWritten, bytesReceived: truth.bytesRead }, 'backend end');
      for (const row of serverSocket.rows) {
        assert.equal(row.nat_daddr, undefined, `backend row carries a NAT translation\n${formatRows(serverSocket.rows)}`);
        assert.equal(row.nat_dport, undefined);
      }
    }
  });
}

test('agent exits 0 on SIGINT', { timeout: 30_000 }, async () => {
  assert.ok(agent);
  const result = await agent.stop();
  assert.equal(result.code, 0, `agent exit ${result.code ?? result.signal}; stderr:\n${result.stderr}`);
});
