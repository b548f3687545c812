/**
 * Who is who: role (client/server) on both ends, and the process behind each
 * socket (pid = the process the test spawned, comm "node" for the Node peers,
 * "curl" for curl), including a hostNetwork process in the node namespace,
 * and role inference for a connection that predates the agent.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertSocketMatches, clientEnds, closedOnBothEnds, theSocket } from '../fixtures/agentExpectations.js';
import { AgentProcess } from '../fixtures/agentProcess.js';
import { formatRows, reversed, rowsOfConnection } from '../fixtures/agentRows.js';
import { curlExchange } from '../fixtures/curlClient.js';
import { NodeTopology } from '../fixtures/netnsTopology.js';
import { runPeerClient, TcpPeerProcess } from '../fixtures/tcpPeerProcess.js';

let topology: NodeTopology;
let agent: AgentProcess | undefined;
let server: TcpPeerProcess;
let http: TcpPeerProcess;

before(async () => {
  topology = await NodeTopology.create({ pods: 2 });
  const pod2 = topology.pod(2);
  server = await TcpPeerProcess.start(topology, pod2.netns, 'server', { listen: '::', port: 9000 });
  http = await TcpPeerProcess.start(topology, pod2.netns, 'http-server', { listen: pod2.ipv4, port: 8080 });
  agent = await AgentProcess.start({ netns: [topology.node.netns, topology.pod(1).netns, pod2.netns] });
});

after(async () => {
  await agent?.kill();
  await topology?.teardown();
});

test('node peers: roles, pid, tid, comm, netns on both ends', { timeout: 60_000 }, async (t) => {
  assert.ok(agent);
  t.diagnostic(`traffic path: ${agent.trafficPath}`);
  const pod1 = topology.pod(1);
  const pod2 = topology.pod(2);
  const client = await runPeerClient(topology, pod1.netns, { connect: pod2.ipv4, port: 9000, connections: 3, request: 500, response: 1500 });
  for (const c of client.connections) {
    const ends = clientEnds(c);
    assert.ok(await agent.waitForRows((rows) => closedOnBothEnds(rows, ends), 10_000), `no closed rows for ${JSON.stringify(ends)}`);
    const clientSocket = theSocket(agent.rows, ends, 'client end');
    const serverSocket = theSocket(agent.rows, reversed(ends), 'server end');
    assertSocketMatches(clientSocket, { role: 'client', roleInferred: false, pid: client.pid, comm: 'node', netns: pod1.inode, family: 4 }, 'node client end');
    assertSocketMatches(serverSocket, { role: 'server', roleInferred: false, pid: server.pid, comm: 'node', netns: pod2.inode, family: 4 }, 'node server end');
    // Node writes and reads sockets on its main thread.
    assert.equal(clientSocket.last.tid, client.pid, `client tid\n${formatRows(clientSocket.rows)}`);
    assert.equal(serverSocket.last.tid, server.pid, `server tid\n${formatRows(serverSocket.rows)}`);
    // The server is still running, so its command line is there to read.
    assert.match(serverSocket.last.cmdline ?? '', /tcpPeer\.js server/, `server cmdline\n${formatRows(serverSocket.rows)}`);
  }
});

test('curl client against the node HTTP server: comm and pid of each end', { timeout: 60_000 }, async (t) => {
  assert.ok(agent);
  t.diagnostic(`traffic path: ${agent.trafficPath}`);
  const pod1 = topology.pod(1);
  const pod2 = topology.pod(2);
  for (let i = 0; i < 3; i++) {
    const exchange = await curlExchange(topology, pod1.netns, `http://${pod2.ipv4}:8080/?bytes=${1000 * i}`);
    const ends = clientEnds(exchange);
    assert.ok(await agent.waitForRows((rows) => closedOnBothEnds(rows, ends), 10_000), `no closed rows for ${JSON.stringify(ends)}`);
    assertSocketMatches(theSocket(agent.rows, ends, 'curl end'), { role: 'client', roleInferred: false, pid: exchange.pid, comm: 'curl', netns: pod1.inode }, 'curl end');
    assertSocketMatches(
      theSocket(agent.rows, reversed(ends), 'http server end'),
      { role: 'server', roleInferred: false, pid: http.pid, comm: 'node', netns: pod2.inode },
      'http server end',
    );
  }
});

test('hostNetwork process in the node namespace dialling a pod', { timeout: 60_000 }, async (t) => {
  assert.ok(agent);
  t.diagnostic(`traffic path: ${agent.trafficPath}`);
  const pod2 = topology.pod(2);
  const client = await runPeerClient(topology, topology.node.netns, { connect: pod2.ipv6, port: 9000, request: 10, response: 20 });
  const c = client.connections[0];
  assert.ok(c && c.error === null);
  const ends = clientEnds(c);
  assert.ok(await agent.waitForRows((rows) => closedOnBothEnds(rows, ends), 10_000), `no closed rows for ${JSON.stringify(ends)}`);
  assertSocketMatches(theSocket(agent.rows, ends, 'node-netns client'), { role: 'client', pid: client.pid, comm: 'node', netns: topology.node.inode, family: 6 }, 'node-netns client');
  assertSocketMatches(theSocket(agent.rows, reversed(ends), 'pod server'), { role: 'server', pid: server.pid, netns: pod2.inode, family: 6 }, 'pod server');
});

test('connection that predates the agent: role inferred, and right', { timeout: 60_000 }, async (t) => {
  const pod1 = topology.pod(1);
  const pod2 = topology.pod(2);
  // Opened before the second agent starts, then keeps talking for ~6 s.
  const client = await TcpPeerProcess.start(topology, pod1.netns, 'client', {
    connect: pod2.ipv4, port: 9000, exchanges: 12, 'interval-ms': 500, request: 100, response: 100,
  });
  await client.waitFor(() => client.exchanges.length >= 1, 5_000, 'the first exchange');
  const late = await AgentProcess.start({ netns: [pod1.netns, pod2.netns] });
  try {
    t.diagnostic(`traffic path: ${late.trafficPath}`);
    await client.finished(20_000);
    const c = client.connections[0];
    assert.ok(c && c.error === null);
    const ends = clientEnds(c);
    const seen = await late.waitForRows((rows) => rowsOfConnection(rows, ends).length > 0 && rowsOfConnection(rows, reversed(ends)).length > 0, 10_000);
    assert.ok(seen, `late agent has no rows for the pre-existing connection ${JSON.stringify(ends)}`);
    await late.waitForRows((rows) => closedOnBothEnds(rows, ends), 5_000);
    const clientSocket = theSocket(late.rows, ends, 'pre-existing client end');
    const serverSocket = theSocket(late.rows, reversed(ends), 'pre-existing server end');
    assertSocketMatches(clientSocket, { role: 'client', roleInferred: true, pid: client.pid, comm: 'node' }, 'pre-existing client end');
    assertSocketMatches(serverSocket, { role: 'server', roleInferred: true, pid: server.pid, comm: 'node' }, 'pre-existing server end');
    assert.equal(clientSocket.openedRows, 0, `a socket opened before the agent started is not "opened" in its rows\n${formatRows(clientSocket.rows)}`);
  } finally {
    const result = await late.stop();
    assert.equal(result.code, 0, result.stderr);
  }
});

test('agent exits 0 on SIGINT', { timeout: 30_000 }, async () => {
  assert.ok(agent);
  const result = await agent.stop();
  assert.equal(result.code, 0, `agent exit ${result.code ?? result.signal}; stderr:\n${result.stderr}`);
});
