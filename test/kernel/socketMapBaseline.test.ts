/**
 * The kernel socket map does not leak: after 10,000 short connections have
 * closed, the number of entries returns to its baseline, both as the agent
 * reports it (weft_agent_sockets_tracked on --metrics-addr) and as counted
 * independently with `bpftool map dump` on the agent's weft_socks map.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AgentProcess } from '../fixtures/agentProcess.js';
import { canonicalAddress, formatRows, sumBySocket, type SocketTotals } from '../fixtures/agentRows.js';
import { pollUntil, runCommand } from '../fixtures/commandRunner.js';
import { bpfObjectsOf } from '../fixtures/bpfObjects.js';
import { freeLoopbackPort } from '../fixtures/loopbackPort.js';
import { NodeTopology } from '../fixtures/netnsTopology.js';
import { PEER_HEADER_BYTES } from '../fixtures/tcpPeer.js';
import { TcpPeerProcess } from '../fixtures/tcpPeerProcess.js';

const CONNECTIONS = 10_000;
const SETTLE_MS = 10_000;

let topology: NodeTopology;
let agent: AgentProcess | undefined;
let metricsAddr: string;

/** The weft_socks map owned by the agent process. bpftool (Debian 7.1) prints no owner pids, so ownership comes from fdinfo. */
async function socketMapId(pid: number): Promise<number> {
  for (const id of bpfObjectsOf(pid).maps) {
    const { stdout } = await runCommand('bpftool', ['map', 'show', 'id', String(id), '-j']);
    const map = JSON.parse(stdout) as { name?: string; type?: string };
    if (map.name === 'weft_socks') return id;
  }
  throw new Error(`agent pid ${pid} holds no map named weft_socks (maps: ${bpfObjectsOf(pid).maps.join(', ')})`);
}

async function bpftoolEntries(mapId: number): Promise<number> {
  const { stdout } = await runCommand('bpftool', ['map', 'dump', 'id', String(mapId), '-j'], { timeoutMs: 60_000 });
  return (JSON.parse(stdout) as unknown[]).length;
}

before(async () => {
  // bpftool is part of the test setup (Debian package `bpftool`): missing is a failure, not a skip.
  await runCommand('bpftool', ['version']).catch((error: Error) => {
    throw new Error(`bpftool is required by this test and is not usable: ${error.message}`);
  });
  topology = await NodeTopology.create({ pods: 2 });
  metricsAddr = `127.0.0.1:${await freeLoopbackPort()}`;
  agent = await AgentProcess.start({ netns: [topology.pod(1).netns, topology.pod(2).netns], metricsAddr });
});

after(async () => {
  await agent?.kill();
  await topology?.teardown();
});

test(`socket map returns to its baseline after ${CONNECTIONS} closed connections`, { timeout: 180_000 }, async (t) => {
  assert.ok(agent);
  const running = agent;
  t.diagnostic(`traffic path: ${running.trafficPath}`);
  const mapId = await socketMapId(running.pid);
  const gauge = (): Promise<number | undefined> => running.metric(metricsAddr, 'weft_agent_sockets_tracked');

  const pod2 = topology.pod(2);
  const server = await TcpPeerProcess.start(topology, pod2.netns, 'server', { listen: pod2.ipv4, port: 9000 });
  // A connection that stays open throughout, so the baseline is not just an empty map
  // and live entries must survive the churn.
  const keeper = await TcpPeerProcess.start(topology, topology.pod(1).netns, 'client', {
    connect: pod2.ipv4, port: 9000, exchanges: 10_000, 'interval-ms': 200, request: 10, response: 10,
  });
  await keeper.waitFor(() => keeper.exchanges.length >= 2, 5_000, 'the keeper connection');
  // Baseline once idle: the gauge is refreshed every tick.
  await new Promise((r) => setTimeout(r, 1_500));
  const baselineGauge = await gauge();
  const baselineMap = await bpftoolEntries(mapId);
  t.diagnostic(`baseline: weft_agent_sockets_tracked ${baselineGauge}, bpftool entries ${baselineMap} (map id ${mapId})`);
  assert.ok(baselineGauge !== undefined, 'weft_agent_sockets_tracked missing from /metrics');
  assert.equal(baselineGauge, baselineMap, 'gauge and bpftool disagree at baseline');
  assert.ok(baselineMap >= 2, `the open keeper connection (both ends) is not in the map: ${baselineMap} entries`);

  let peakGauge = 0;
  const sampler = setInterval(() => {
    void gauge().then((value) => (peakGauge = Math.max(peakGauge, value ?? 0)), () => undefined);
  }, 250);
  const client = await TcpPeerProcess.start(topology, topology.pod(1).netns, 'client', {
    connect: pod2.ipv4, port: 9000, connections: CONNECTIONS, concurrency: 20, request: 100, response: 200, 'summary-only': true,
  });
  const done = await client.finished(120_000).finally(() => clearInterval(sampler));
  assert.equal(done.errors, 0, `client errors: ${client.stderr}`);
  await server.waitForConnections(CONNECTIONS, 20_000);
  assert.equal(keeper.child.exitCode, null, 'the keeper connection ended early');
  t.diagnostic(`peak weft_agent_sockets_tracked while running: ${peakGauge}`);

  const settled = await pollUntil(
    async () => {
      const [g, m] = [await gauge(), await bpftoolEntries(mapId)];
      return g === baselineGauge && m === baselineMap ? { g, m } : undefined;
    },
    { timeoutMs: SETTLE_MS, intervalMs: 500 },
  );
  const [finalGauge, finalMap] = [await gauge(), await bpftoolEntries(mapId)];
  t.diagnostic(`after: weft_agent_sockets_tracked ${finalGauge}, bpftool entries ${finalMap}`);
  await keeper.stop();
  assert.ok(settled, `not back to baseline ${SETTLE_MS / 1000} s after the last close: gauge ${finalGauge} (baseline ${baselineGauge}), bpftool ${finalMap} (baseline ${baselineMap})`);

  // And every one of them was reported, once, closed, with exact bytes, on both ends. The
  // map settles before the agent's last interval of rows reaches its stdout: wait for them.
  const keeperPort = keeper.exchanges[0]?.localPort;
  const reported = (): { clientSockets: SocketTotals[]; serverSockets: SocketTotals[] } => {
    const sockets = [...sumBySocket(running.rows).values()];
    return {
      clientSockets: sockets.filter(
        (s) => s.last.netns === topology.pod(1).inode && canonicalAddress(s.first.daddr) === pod2.ipv4 && s.first.dport === 9000 && s.first.sport !== keeperPort,
      ),
      serverSockets: sockets.filter((s) => s.last.netns === pod2.inode && s.first.sport === 9000 && s.first.dport !== keeperPort),
    };
  };
  await pollUntil(
    async () => {
      const now = reported();
      return now.clientSockets.length >= CONNECTIONS && now.serverSockets.length >= CONNECTIONS ? true : undefined;
    },
    { timeoutMs: SETTLE_MS, intervalMs: 250 },
  );
  const { clientSockets, serverSockets } = reported();
  const wrongClient = clientSockets.filter((s) => s.bytes_sent !== PEER_HEADER_BYTES + 100 || s.bytes_received !== 200 || s.closedRows !== 1 || s.openedRows !== 1);
  const wrongServer = serverSockets.filter((s) => s.bytes_sent !== 200 || s.bytes_received !== PEER_HEADER_BYTES + 100 || s.closedRows !== 1 || s.openedRows !== 1);
  assert.equal(clientSockets.length, CONNECTIONS, 'client sockets reported');
  assert.equal(serverSockets.length, CONNECTIONS, 'server sockets reported');
  assert.equal(wrongClient.length, 0, `client sockets with wrong bytes or open/close flags:\n${formatRows(wrongClient.flatMap((s) => s.rows))}`);
  assert.equal(wrongServer.length, 0, `server sockets with wrong bytes or open/close flags:\n${formatRows(wrongServer.flatMap((s) => s.rows))}`);
});

test('agent exits 0 on SIGINT', { timeout: 30_000 }, async () => {
  assert.ok(agent);
  const result = await agent.stop();
  assert.equal(result.code, 0, `agent exit ${result.code ?? result.signal}; stderr:\n${result.stderr}`);
});
