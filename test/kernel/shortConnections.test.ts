/**
 * 1,000 connections that each live well under a millisecond (connect, send
 * 100 bytes, receive 200, close), pod to pod: each is reported exactly once on
 * both ends, with exact bytes and opened/closed set. A poller such as `ss`
 * misses these; the agent must not.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertNoProblems, clientEnds, closedOnBothEnds, connectionProblems } from '../fixtures/agentExpectations.js';
import { AgentProcess } from '../fixtures/agentProcess.js';
import { canonicalAddress, indexByConnection, sumBySocket } from '../fixtures/agentRows.js';
import { NodeTopology } from '../fixtures/netnsTopology.js';
import { PEER_HEADER_BYTES } from '../fixtures/tcpPeer.js';
import { runPeerClient, TcpPeerProcess } from '../fixtures/tcpPeerProcess.js';

const CONNECTIONS = 1_000;
const REQUEST = 100;
const RESPONSE = 200;

let topology: NodeTopology;
let agent: AgentProcess | undefined;
let server: TcpPeerProcess;

before(async () => {
  topology = await NodeTopology.create({ pods: 2 });
  server = await TcpPeerProcess.start(topology, topology.pod(2).netns, 'server', { listen: topology.pod(2).ipv4, port: 9000 });
  agent = await AgentProcess.start({ netns: [topology.pod(1).netns, topology.pod(2).netns] });
});

after(async () => {
  await agent?.kill();
  await topology?.teardown();
});

test(`${CONNECTIONS} sub-millisecond connections: each reported once on both ends, bytes exact`, { timeout: 120_000 }, async (t) => {
  assert.ok(agent);
  t.diagnostic(`traffic path: ${agent.trafficPath}`);
  const pod1 = topology.pod(1);
  const pod2 = topology.pod(2);
  const client = await runPeerClient(topology, pod1.netns, {
    connect: pod2.ipv4, port: 9000, connections: CONNECTIONS, concurrency: 1, request: REQUEST, response: RESPONSE,
  });
  assert.equal(client.connections.length, CONNECTIONS);
  assert.ok(client.connections.every((c) => c.error === null && c.bytesWritten === PEER_HEADER_BYTES + REQUEST && c.bytesRead === RESPONSE));
  const lifetimes = client.connections.map((c) => c.closedAt - c.openedAt).sort((a, b) => a - b);
  t.diagnostic(`client-measured lifetime, connect event to close event (ms): median ${lifetimes[lifetimes.length >> 1]?.toFixed(3)}, p99 ${lifetimes[Math.floor(lifetimes.length * 0.99)]?.toFixed(3)}`);
  await server.waitForConnections(CONNECTIONS, 10_000);

  const last = client.connections[client.connections.length - 1];
  assert.ok(last);
  await agent.waitForRows((rows) => closedOnBothEnds(rows, clientEnds(last)), 15_000);
  // One more tick for anything still in flight.
  await new Promise((r) => setTimeout(r, 1_500));

  const rows = [...agent.rows];
  const index = indexByConnection(rows);
  const serverByPort = new Map(server.connections.map((s) => [s.remotePort, s]));
  const problems = client.connections.flatMap((c) =>
    connectionProblems(index, c, serverByPort.get(c.localPort), { clientPid: client.pid, serverPid: server.pid, openedAndClosed: true }),
  );
  assertNoProblems(problems, CONNECTIONS, 'short connections');

  // No phantoms: exactly CONNECTIONS client sockets and CONNECTIONS server sockets for this pair.
  const sockets = [...sumBySocket(rows).values()];
  const clientSockets = sockets.filter((s) => canonicalAddress(s.first.daddr) === pod2.ipv4 && s.first.dport === 9000 && s.last.netns === pod1.inode);
  const serverSockets = sockets.filter((s) => canonicalAddress(s.first.saddr) === pod2.ipv4 && s.first.sport === 9000 && s.last.netns === pod2.inode);
  assert.equal(clientSockets.length, CONNECTIONS, 'client-side sockets reported');
  assert.equal(serverSockets.length, CONNECTIONS, 'server-side sockets reported');
});

test('agent exits 0 on SIGINT', { timeout: 30_000 }, async () => {
  assert.ok(agent);
  const result = await agent.stop();
  assert.equal(result.code, 0, `agent exit ${result.code ?? result.signal}; stderr:\n${result.stderr}`);
});
