/**
 * A full socket map is counted, never fatal: with --max-sockets 8 and 20
 * concurrent connections (40 sockets on the host), the agent keeps running,
 * counts the sockets it could not track, never holds more than 8, and the
 * connections it did track from their handshake still have exact bytes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AgentProcess } from '../fixtures/agentProcess.js';
import { canonicalAddress, formatRows, sumBySocket } from '../fixtures/agentRows.js';
import { freeLoopbackPort } from '../fixtures/loopbackPort.js';
import { NodeTopology } from '../fixtures/netnsTopology.js';
import { TcpPeerProcess } from '../fixtures/tcpPeerProcess.js';

const MAX_SOCKETS = 8;
const CONNECTIONS = 20;

let topology: NodeTopology;
let server: TcpPeerProcess | undefined;
let agent: AgentProcess | undefined;
let metricsAddr: string;

before(async () => {
  topology = await NodeTopology.create({ pods: 2 });
  const pod2 = topology.pod(2);
  server = await TcpPeerProcess.start(topology, pod2.netns, 'server', { listen: pod2.ipv4, port: 9000 });
  metricsAddr = `127.0.0.1:${await freeLoopbackPort()}`;
  agent = await AgentProcess.start({
    netns: [topology.pod(1).netns, pod2.netns],
    metricsAddr,
    maxSockets: MAX_SOCKETS,
  });
});

after(async () => {
  await agent?.kill();
  await server?.stop();
  await topology?.teardown();
});

test(`a full socket map (--max-sockets ${MAX_SOCKETS}) is counted and the agent goes on`, { timeout: 60_000 }, async (t) => {
  assert.ok(agent);
  t.diagnostic(`traffic path: ${agent.trafficPath}`);
  const client = await TcpPeerProcess.start(topology, topology.pod(1).netns, 'client', {
    connect: topology.pod(2).ipv4,
    port: 9000,
    connections: CONNECTIONS,
    concurrency: CONNECTIONS,
    exchanges: 4,
    'interval-ms': 400,
    request: 300,
    response: 500,
  });
  let peakTracked = 0;
  const sampler = setInterval(() => {
    agent?.metric(metricsAddr, 'weft_agent_sockets_tracked').then(
      (value) => (peakTracked = Math.max(peakTracked, value ?? 0)),
      () => undefined,
    );
  }, 200);
  try {
    await client.finished(30_000);
  } finally {
    clearInterval(sampler);
  }
  await new Promise((done) => setTimeout(done, 2_500));
  agent.assertRunning();

  const full = (await agent.metric(metricsAddr, 'weft_agent_socket_map_full_total')) ?? 0;
  // All 40 sockets are alive at once; at most 8 fit, and every other one is
  // refused at least once (its handshake, then again at each send/receive).
  assert.ok(full >= 2 * CONNECTIONS - MAX_SOCKETS, `weft_agent_socket_map_full_total = ${full}, expected >= ${2 * CONNECTIONS - MAX_SOCKETS}`);
  assert.ok(peakTracked <= MAX_SOCKETS, `the map held ${peakTracked} entries, more than its bound ${MAX_SOCKETS}`);

  // Sockets tracked from their handshake still add up exactly to the peer's own counts.
  const truth = new Map(client.connections.map((c) => [c.localPort, c]));
  const tracked = [...sumBySocket(agent.rows).values()].filter(
    (s) => s.openedRows === 1 && s.first.role === 'client' && canonicalAddress(s.first.daddr) === canonicalAddress(topology.pod(2).ipv4),
  );
  assert.ok(tracked.length >= 1, 'no client connection was tracked at all');
  for (const socket of tracked) {
    const peer = truth.get(socket.first.sport);
    assert.ok(peer, `agent reported a client port ${socket.first.sport} the peer never used`);
    assert.equal(socket.bytes_sent, peer.bytesWritten, `bytes sent on port ${peer.localPort}\n${formatRows(socket.rows)}`);
    assert.equal(socket.bytes_received, peer.bytesRead, `bytes received on port ${peer.localPort}\n${formatRows(socket.rows)}`);
  }
  t.diagnostic(`map full ${full} times; ${tracked.length} of ${CONNECTIONS} client sockets tracked from their handshake; peak ${peakTracked} entries`);
});
