/**
 * Bytes are exact, in both directions, on both ends of a connection.
 * Ground truth: curl's -w counters (client), the test HTTP server's own
 * per-connection socket counters (server), and tcpPeer's counters for a
 * long-lived connection that sends a known amount every second.
 * Two agents watch the same traffic: the default (auto: the counters path on
 * kernels with socket iterators) and one forced onto the per-call tracepoint
 * path, so both ways of counting are held to the same ground truth.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertSocketMatches, clientEnds, closedOnBothEnds, theSocket } from '../fixtures/agentExpectations.js';
import { AgentProcess } from '../fixtures/agentProcess.js';
import { formatRows, reversed } from '../fixtures/agentRows.js';
import { curlExchange, type CurlExchange } from '../fixtures/curlClient.js';
import { NodeTopology } from '../fixtures/netnsTopology.js';
import { PEER_HEADER_BYTES } from '../fixtures/tcpPeer.js';
import { TcpPeerProcess } from '../fixtures/tcpPeerProcess.js';

let topology: NodeTopology;
let agent: AgentProcess | undefined;
let tracepointAgent: AgentProcess | undefined;
let http: TcpPeerProcess;
let server: TcpPeerProcess;

before(async () => {
  topology = await NodeTopology.create({ pods: 2 });
  const pod2 = topology.pod(2);
  http = await TcpPeerProcess.start(topology, pod2.netns, 'http-server', { listen: pod2.ipv4, port: 8080 });
  server = await TcpPeerProcess.start(topology, pod2.netns, 'server', { listen: pod2.ipv4, port: 9000 });
  agent = await AgentProcess.start({ netns: [topology.pod(1).netns, pod2.netns] });
  tracepointAgent = await AgentProcess.start({
    netns: [topology.pod(1).netns, pod2.netns],
    extraArgs: ['--traffic-path', 'tracepoint'],
  });
});

function bothAgents(): AgentProcess[] {
  assert.ok(agent && tracepointAgent);
  assert.equal(tracepointAgent.trafficPath, 'tracepoint');
  return [agent, tracepointAgent];
}

after(async () => {
  await agent?.kill();
  await tracepointAgent?.kill();
  await topology?.teardown();
});

test('curl exchanges: bytes exact in both directions on both ends', { timeout: 60_000 }, async (t) => {
  const agents = bothAgents();
  for (const a of agents) t.diagnostic(`traffic path: ${a.trafficPath} (${a.readyLine})`);
  const pod1 = topology.pod(1);
  const pod2 = topology.pod(2);
  const cases: Array<{ bytes: number; body?: Buffer }> = [
    { bytes: 0 },
    { bytes: 1 },
    { bytes: 54_321 },
    { bytes: 3_000_000 },
    { bytes: 777, body: Buffer.alloc(20_000, 7) },
    { bytes: 4_321, body: Buffer.alloc(2_000_000, 7) },
  ];
  const exchanges: CurlExchange[] = [];
  for (const { bytes, body } of cases) {
    const exchange = await curlExchange(topology, pod1.netns, `http://${pod2.ipv4}:8080/payload?bytes=${bytes}`, { body });
    assert.equal(exchange.httpCode, 200);
    exchanges.push(exchange);
  }
  await http.waitForConnections(exchanges.length, 10_000);
  for (const agent of agents) {
    const allClosed = await agent.waitForRows((rows) => exchanges.every((e) => closedOnBothEnds(rows, clientEnds(e))), 15_000);
    t.diagnostic(`${agent.trafficPath}: all ${exchanges.length} connections closed on both ends in the agent's rows: ${allClosed}`);

    for (const exchange of exchanges) {
      const ends = clientEnds(exchange);
      const truth = http.connections.find((c) => c.remotePort === exchange.localPort);
      assert.ok(truth, `HTTP server has no record of curl's port ${exchange.localPort}`);
      // The two ground truths agree (harness sanity).
      assert.equal(truth.bytesRead, exchange.bytesSent, `curl size_request=${exchange.sizeRequest} size_upload=${exchange.sizeUpload}`);
      assert.equal(truth.bytesWritten, exchange.bytesReceived);

      const label = `${agent.trafficPath} path: curl ?bytes=${exchange.sizeDownload}${exchange.sizeUpload ? ` + ${exchange.sizeUpload} byte body` : ''}`;
      const clientSocket = theSocket(agent.rows, ends, `${label}, client end`);
      assertSocketMatches(
        clientSocket,
        { bytesSent: exchange.bytesSent, bytesReceived: exchange.bytesReceived, role: 'client', pid: exchange.pid, comm: 'curl', openedAndClosed: true },
        `${label}, client end (truth: curl size_request=${exchange.sizeRequest}, size_header+size_download=${exchange.bytesReceived})`,
      );
      const serverSocket = theSocket(agent.rows, reversed(ends), `${label}, server end`);
      assertSocketMatches(
        serverSocket,
        { bytesSent: truth.bytesWritten, bytesReceived: truth.bytesRead, role: 'server', pid: http.pid, comm: 'node', openedAndClosed: true },
        `${label}, server end (truth: HTTP server socket.bytesRead=${truth.bytesRead}, bytesWritten=${truth.bytesWritten})`,
      );
    }
  }
});

test('long-lived connection: per-second deltas add up exactly, several rows', { timeout: 60_000 }, async (t) => {
  const agents = bothAgents();
  const pod2 = topology.pod(2);
  const request = 3_000;
  const response = 7_000;
  const exchanges = 6;
  const client = await TcpPeerProcess.start(topology, topology.pod(1).netns, 'client', {
    connect: pod2.ipv4, port: 9000, exchanges, 'interval-ms': 1000, request, response,
  });
  await client.finished(30_000);
  const c = client.connections[0];
  assert.ok(c && c.error === null, JSON.stringify(client.connections));
  assert.equal(c.bytesWritten, exchanges * (PEER_HEADER_BYTES + request));
  assert.equal(c.bytesRead, exchanges * response);
  const ends = clientEnds(c);
  await server.waitFor(() => server.connections.some((s) => s.remotePort === c.localPort), 5_000, 'the server record');
  const truth = server.connections.find((s) => s.remotePort === c.localPort);
  assert.ok(truth);
  for (const agent of agents) {
    const path = agent.trafficPath;
    await agent.waitForRows((rows) => closedOnBothEnds(rows, ends), 10_000);

    const clientSocket = theSocket(agent.rows, ends, `${path} path: long-lived client end`);
    const serverSocket = theSocket(agent.rows, reversed(ends), `${path} path: long-lived server end`);
    assertSocketMatches(clientSocket, { bytesSent: c.bytesWritten, bytesReceived: c.bytesRead, role: 'client', pid: client.pid, comm: 'node', openedAndClosed: true }, `${path} path: long-lived client end`);
    assertSocketMatches(serverSocket, { bytesSent: truth.bytesWritten, bytesReceived: truth.bytesRead, role: 'server', pid: server.pid, comm: 'node', openedAndClosed: true }, `${path} path: long-lived server end`);

    for (const [end, socket, perExchangeSent] of [
      ['client', clientSocket, PEER_HEADER_BYTES + request],
      ['server', serverSocket, response],
    ] as const) {
      const label = `${path} path, ${end}`;
      const active = socket.rows.filter((row) => row.bytes_sent > 0 || row.bytes_received > 0);
      t.diagnostic(`${label}: ${socket.rows.length} rows, bytes_sent per row: ${socket.rows.map((r) => r.bytes_sent).join(', ')}`);
      assert.ok(active.length >= 3, `${label}: expected >= 3 rows with traffic for a ${exchanges} s connection, got ${active.length}\n${formatRows(socket.rows, 12)}`);
      // Deltas, not running totals: one second holds at most two exchanges (timer jitter).
      const tooBig = socket.rows.filter((row) => row.bytes_sent > 2 * perExchangeSent);
      assert.equal(tooBig.length, 0, `${label}: rows carry more than two exchanges' worth: not per-second deltas?\n${formatRows(socket.rows, 12)}`);
      const timestamps = socket.rows.map((row) => row.ts);
      assert.equal(new Set(timestamps).size, timestamps.length, `${label}: two rows in the same tick\n${formatRows(socket.rows, 12)}`);
    }
  }
});

test('bulk transfer (2 MB up, 5 MB down): bytes exact on both ends', { timeout: 60_000 }, async () => {
  const agents = bothAgents();
  const pod2 = topology.pod(2);
  const client = await TcpPeerProcess.start(topology, topology.pod(1).netns, 'client', {
    connect: pod2.ipv4, port: 9000, connections: 3, concurrency: 3, request: 2_000_000, response: 5_000_000,
  });
  await client.finished(30_000);
  assert.equal(client.connections.length, 3);
  for (const c of client.connections) {
    assert.equal(c.error, null);
    const ends = clientEnds(c);
    await server.waitFor(() => server.connections.some((s) => s.remotePort === c.localPort), 5_000, 'the server record');
    const truth = server.connections.find((s) => s.remotePort === c.localPort);
    assert.ok(truth);
    for (const agent of agents) {
      const path = agent.trafficPath;
      await agent.waitForRows((rows) => closedOnBothEnds(rows, ends), 10_000);
      assertSocketMatches(
        theSocket(agent.rows, ends, `${path} path: bulk client end`),
        { bytesSent: c.bytesWritten, bytesReceived: c.bytesRead, role: 'client', pid: client.pid, openedAndClosed: true },
        `${path} path: bulk client end (truth: socket.bytesWritten=${c.bytesWritten}, bytesRead=${c.bytesRead})`,
      );
      assertSocketMatches(
        theSocket(agent.rows, reversed(ends), `${path} path: bulk server end`),
        { bytesSent: truth.bytesWritten, bytesReceived: truth.bytesRead, role: 'server', pid: server.pid, openedAndClosed: true },
        `${path} path: bulk server end (truth: socket.bytesWritten=${truth.bytesWritten}, bytesRead=${truth.bytesRead})`,
      );
    }
  }
});

test('SIGINT flushes the last partial second and exits 0', { timeout: 30_000 }, async () => {
  assert.ok(agent);
  const pod2 = topology.pod(2);
  // An exchange right before the signal: its rows exist only if the partial second is flushed.
  const client = await TcpPeerProcess.start(topology, topology.pod(1).netns, 'client', { connect: pod2.ipv4, port: 9000, request: 4_242, response: 2_424 });
  await client.finished(10_000);
  const c = client.connections[0];
  assert.ok(c && c.error === null);
  const result = await agent.stop();
  assert.equal(result.code, 0, `agent exit ${result.code ?? result.signal}; stderr:\n${result.stderr}`);
  assert.deepEqual(result.strayStdout, [], 'stdout carries only JSON rows');
  assertSocketMatches(
    theSocket(result.rows, clientEnds(c), 'last-second client end'),
    { bytesSent: c.bytesWritten, bytesReceived: c.bytesRead, role: 'client', pid: client.pid },
    'connection made just before SIGINT, client end',
  );
});
