/**
 * TCP health against impairments the test sets itself:
 *  - 20 ms delay on a pod's link: srtt_us between 20,000 and 30,000;
 *  - 30 % loss on a pod's link: retransmits > 0, and never more than the
 *    namespace's own TcpRetransSegs counter (no phantom retransmits);
 *  - a refused connect: connect_failed on the client, which received the RST;
 *  - a reset connection (by the server, then by the client): resets_sent on
 *    the resetting end, resets_received on the other.
 * The delay/loss mechanism is `tc netem` where the kernel has it; the test
 * VMs' kernel lacks sch_netem, so the topology falls back (printed below).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertSocketMatches, clientEnds, closedAt, closedOnBothEnds, theSocket } from '../fixtures/agentExpectations.js';
import { AgentProcess } from '../fixtures/agentProcess.js';
import { formatRows, reversed, rowsOfConnection, sameAddress, sumBySocket, type AgentRow } from '../fixtures/agentRows.js';
import { NodeTopology, type PodNetns } from '../fixtures/netnsTopology.js';
import { runPeerClient, TcpPeerProcess } from '../fixtures/tcpPeerProcess.js';

let topology: NodeTopology;
let agent: AgentProcess | undefined;
let delayedServer: TcpPeerProcess; // pod2, 20 ms on its link
let plainServer: TcpPeerProcess; // pod3
let lossyServer: TcpPeerProcess; // pod4, 30 % loss on its link

before(async () => {
  topology = await NodeTopology.create({ pods: 4 });
  delayedServer = await TcpPeerProcess.start(topology, topology.pod(2).netns, 'server', { listen: '0.0.0.0', port: 9000 });
  plainServer = await TcpPeerProcess.start(topology, topology.pod(3).netns, 'server', { listen: '0.0.0.0', port: 9000 });
  lossyServer = await TcpPeerProcess.start(topology, topology.pod(4).netns, 'server', { listen: '0.0.0.0', port: 9000 });
  agent = await AgentProcess.start({ netns: topology.pods.map((pod) => pod.netns) });
});

after(async () => {
  await agent?.kill();
  await topology?.teardown();
});

async function retransSegs(pod: PodNetns): Promise<number> {
  const { stdout } = await topology.exec(pod.netns, 'nstat', ['-asz', 'TcpRetransSegs']);
  return Number(/TcpRetransSegs\s+(\d+)/.exec(stdout)?.[1] ?? NaN);
}

/** Retransmits of established connections: TcpRetransSegs without SYN and SYN-ACK retransmits (sent before a socket exists to count them on). */
async function dataRetransSegs(pod: PodNetns): Promise<number> {
  const { stdout } = await topology.exec(pod.netns, 'nstat', ['-asz', 'TcpRetransSegs', 'TcpExtTCPSynRetrans']);
  const all = Number(/TcpRetransSegs\s+(\d+)/.exec(stdout)?.[1] ?? NaN);
  const syn = Number(/TcpExtTCPSynRetrans\s+(\d+)/.exec(stdout)?.[1] ?? NaN);
  return all - syn;
}

test('20 ms delay: srtt_us within [20000, 30000] on both ends', { timeout: 60_000 }, async (t) => {
  assert.ok(agent);
  t.diagnostic(`traffic path: ${agent.trafficPath}`);
  const pod2 = topology.pod(2);
  const applied = await topology.impairLink(pod2, { delayMs: 20 });
  t.diagnostic(`delay: ${applied.map((a) => a.description).join('; ')}`);
  try {
    // Back-to-back exchanges: every segment is answered at once, so no delayed ACK inflates the samples.
    const client = await runPeerClient(topology, topology.pod(1).netns, { connect: pod2.ipv4, port: 9000, exchanges: 30, request: 1000, response: 1000 });
    const c = client.connections[0];
    assert.ok(c && c.error === null);
    const ends = clientEnds(c);
    await agent.waitForRows((rows) => closedOnBothEnds(rows, ends), 10_000);
    for (const [label, socket] of [
      ['client', theSocket(agent.rows, ends, 'delayed client end')],
      ['server', theSocket(agent.rows, reversed(ends), 'delayed server end')],
    ] as const) {
      t.diagnostic(`${label} srtt_us per row: ${socket.rows.map((r) => r.srtt_us).join(', ')}`);
      const srtt = socket.last.srtt_us;
      assert.ok(srtt >= 20_000 && srtt <= 30_000, `${label}: srtt_us ${srtt} outside [20000, 30000] with a 20 ms delay\n${formatRows(socket.rows)}`);
    }
  } finally {
    await topology.clearImpairment(pod2);
  }
});

test('30 % loss: retransmits counted, never more than the kernel retransmitted', { timeout: 150_000 }, async (t) => {
  assert.ok(agent);
  t.diagnostic(`traffic path: ${agent.trafficPath}`);
  const pod3 = topology.pod(3);
  const pod4 = topology.pod(4);
  const applied = await topology.impairLink(pod4, { lossPercent: 30 });
  t.diagnostic(`loss: ${applied.map((a) => a.description).join('; ')}`);
  const [before3, before4, dataBefore4] = [await retransSegs(pod3), await retransSegs(pod4), await dataRetransSegs(pod4)];
  const connections: TcpPeerProcess['connections'] = [];
  let dropped = 0;
  let kernelRetrans4 = 0;
  let kernelDataRetrans4 = 0;
  try {
    // 100 KB a run, not more: at 30 % loss the RTO doubles on every lost retransmission,
    // and a long transfer can stall for tens of seconds on an unlucky run. With segmentation
    // offload a 100 KB answer is a few large packets, so a run can lose only ACKs and the
    // kernel retransmit nothing: then there is nothing to count, and the test runs again.
    for (let attempt = 1; attempt <= 4 && kernelDataRetrans4 === 0; attempt++) {
      const client = await runPeerClient(topology, pod3.netns, { connect: pod4.ipv4, port: 9000, connections: 2, request: 2_000, response: 100_000 }, { timeoutMs: 100_000 });
      connections.push(...client.connections);
      dropped = await topology.droppedPackets(pod4);
      kernelRetrans4 = (await retransSegs(pod4)) - before4;
      kernelDataRetrans4 = (await dataRetransSegs(pod4)) - dataBefore4;
      t.diagnostic(`run ${attempt}: impairment dropped ${dropped} packets so far; kernel TcpRetransSegs of pod4 (server) ${kernelRetrans4}, of established connections ${kernelDataRetrans4}`);
    }
  } finally {
    await topology.clearImpairment(pod4).catch(() => undefined);
  }
  const kernelRetrans3 = (await retransSegs(pod3)) - before3;
  t.diagnostic(`impairment dropped ${dropped} packets; kernel TcpRetransSegs: pod3 ${kernelRetrans3}, pod4 (server) ${kernelRetrans4}`);
  assert.ok(dropped > 0, 'the loss impairment dropped nothing');
  assert.ok(kernelDataRetrans4 > 0, 'the server never retransmitted data in 4 runs through 30 % loss: the impairment did not work');

  let serverRetransmits = 0;
  let clientRetransmits = 0;
  for (const c of connections) {
    assert.equal(c.error, null);
    const ends = clientEnds(c);
    await agent.waitForRows((rows) => closedOnBothEnds(rows, ends), 15_000);
    const clientSocket = theSocket(agent.rows, ends, 'lossy client end');
    const serverSocket = theSocket(agent.rows, reversed(ends), 'lossy server end');
    // Bytes stay exact under loss: retransmitted data is not application data.
    const truth = lossyServer.connections.find((s) => s.remotePort === c.localPort);
    assert.ok(truth);
    assertSocketMatches(clientSocket, { bytesSent: c.bytesWritten, bytesReceived: c.bytesRead }, 'lossy client end');
    assertSocketMatches(serverSocket, { bytesSent: truth.bytesWritten, bytesReceived: truth.bytesRead }, 'lossy server end');
    serverRetransmits += serverSocket.retransmits;
    clientRetransmits += clientSocket.retransmits;
  }
  t.diagnostic(`agent retransmits (sum of rows): server ${serverRetransmits}, client ${clientRetransmits}`);
  assert.ok(serverRetransmits > 0, `server end sent through 30 % loss but its rows sum to ${serverRetransmits} retransmits (kernel: ${kernelRetrans4})`);
  assert.ok(serverRetransmits <= kernelRetrans4, `server: agent ${serverRetransmits} retransmits > kernel TcpRetransSegs ${kernelRetrans4}`);
  assert.ok(clientRetransmits <= kernelRetrans3, `client: agent ${clientRetransmits} retransmits > kernel TcpRetransSegs ${kernelRetrans3}`);
});

test('refused connection: connect_failed and the RST received on the client row', { timeout: 30_000 }, async (t) => {
  assert.ok(agent);
  t.diagnostic(`traffic path: ${agent.trafficPath}`);
  const pod1 = topology.pod(1);
  const pod3 = topology.pod(3);
  const localPort = 20_000 + (process.pid % 10_000);
  const client = await runPeerClient(topology, pod1.netns, { connect: pod3.ipv4, port: 9999, 'local-port': localPort }, { mode: 'refused' });
  assert.equal(client.connections[0]?.error, 'ECONNREFUSED');
  const ends = { saddr: pod1.ipv4, sport: localPort, daddr: pod3.ipv4, dport: 9999 };
  await agent.waitForRows((rows) => closedAt(rows, ends) || rowsOfConnection(rows, ends).some((r) => r.connect_failed), 10_000);
  await new Promise((r) => setTimeout(r, 1_200));
  const socket = theSocket(agent.rows, ends, 'refused client');
  assertSocketMatches(socket, { role: 'client', pid: client.pid, comm: 'node', bytesSent: 0, bytesReceived: 0 }, 'refused client');
  assert.equal(socket.connect_failed, true, `connect_failed not set on the refused client\n${formatRows(socket.rows)}`);
  assert.ok(socket.resets_received >= 1, `resets_received ${socket.resets_received} on a connect answered by RST\n${formatRows(socket.rows)}`);
  const serverSide = agent.rows.filter((r: AgentRow) => r.sport === 9999 && sameAddress(r.saddr, pod3.ipv4));
  assert.equal(serverSide.length, 0, `a socket for the closed port was reported on the server side\n${formatRows(serverSide)}`);
});

for (const by of ['server', 'client'] as const) {
  test(`connection reset by the ${by}: resets_sent on the ${by}, resets_received on the other end`, { timeout: 30_000 }, async (t) => {
    assert.ok(agent);
    t.diagnostic(`traffic path: ${agent.trafficPath}`);
    const pod3 = topology.pod(3);
    const client = await runPeerClient(topology, topology.pod(1).netns, { connect: pod3.ipv4, port: 9000, request: 300, response: 300, exchanges: 2, reset: by });
    const c = client.connections[0];
    assert.ok(c);
    t.diagnostic(`client saw: error ${c.error}, ${c.bytesWritten} bytes written, ${c.bytesRead} read`);
    const ends = clientEnds(c);
    await agent.waitForRows((rows) => closedOnBothEnds(rows, ends), 10_000);
    const clientSocket = theSocket(agent.rows, ends, 'client end');
    const serverSocket = theSocket(agent.rows, reversed(ends), 'server end');
    const [resetter, other] = by === 'server' ? [serverSocket, clientSocket] : [clientSocket, serverSocket];
    assert.ok(resetter.resets_sent >= 1, `${by} reset the connection but its rows sum to resets_sent ${resetter.resets_sent}\n${formatRows(resetter.rows)}`);
    assert.ok(other.resets_received >= 1, `the other end received the RST but its rows sum to resets_received ${other.resets_received}\n${formatRows(other.rows)}`);
    for (const socket of [clientSocket, serverSocket]) {
      for (const row of socket.rows) {
        assert.equal(row.resets, row.resets_sent + row.resets_received, `resets is not resets_sent + resets_received\n${formatRows([row])}`);
      }
    }
    // The client did not fail to connect: connect_failed stays false on a reset of an established connection.
    assert.equal(clientSocket.connect_failed, false, formatRows(clientSocket.rows));
  });
}

test('no impairment, no retransmits or resets on a clean connection', { timeout: 30_000 }, async () => {
  assert.ok(agent);
  const pod3 = topology.pod(3);
  const client = await runPeerClient(topology, topology.pod(1).netns, { connect: pod3.ipv4, port: 9000, request: 50_000, response: 50_000 });
  const c = client.connections[0];
  assert.ok(c && c.error === null);
  const ends = clientEnds(c);
  await agent.waitForRows((rows) => closedOnBothEnds(rows, ends), 10_000);
  const sockets = [...sumBySocket([...rowsOfConnection(agent.rows, ends), ...rowsOfConnection(agent.rows, reversed(ends))]).values()];
  assert.equal(sockets.length, 2);
  for (const socket of sockets) {
    assert.equal(socket.retransmits + socket.resets_sent + socket.resets_received, 0, formatRows(socket.rows));
    assert.equal(socket.connect_failed, false);
  }
});

test('agent exits 0 on SIGINT', { timeout: 30_000 }, async () => {
  assert.ok(agent);
  const result = await agent.stop();
  assert.equal(result.code, 0, `agent exit ${result.code ?? result.signal}; stderr:\n${result.stderr}`);
});
