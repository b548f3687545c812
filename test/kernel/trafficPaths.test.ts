/**
 * Every way the agent can count bytes, each held to the same ground truth
 * (curl's -w counters on the client end, the HTTP server's own socket
 * counters on the server end), on every kernel where it loads; a path the
 * kernel refuses is skipped with the agent's own reason printed. Then the
 * fallback itself: the preferred paths are made to fail (the test-only
 * WEFT_TEST_REFUSE_PROGRAMS has the kernel refuse the named programs) and the
 * agent must start on the next one, say why, and still count exactly. Last,
 * TCP Fast Open: data carried by the SYN is counted on the counters path.
 */
import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import { assertSocketMatches, clientEnds, closedOnBothEnds, theSocket } from '../fixtures/agentExpectations.js';
import { AgentProcess } from '../fixtures/agentProcess.js';
import { reversed } from '../fixtures/agentRows.js';
import { curlExchange, type CurlExchange } from '../fixtures/curlClient.js';
import { NodeTopology } from '../fixtures/netnsTopology.js';
import { TcpPeerProcess } from '../fixtures/tcpPeerProcess.js';

let topology: NodeTopology;
let http: TcpPeerProcess;

before(async () => {
  topology = await NodeTopology.create({ pods: 2 });
  const pod2 = topology.pod(2);
  // TCP Fast Open for the last test: client and server, no cookie needed, every
  // listener (decided at listen(), so before the server starts; per namespace).
  // Only a client that asks for it (curl --tcp-fastopen) uses it.
  for (const netns of [topology.pod(1).netns, pod2.netns]) await topology.exec(netns, 'sysctl', ['-qw', 'net.ipv4.tcp_fastopen=0x607']);
  http = await TcpPeerProcess.start(topology, pod2.netns, 'http-server', { listen: pod2.ipv4, port: 8080 });
});

after(async () => {
  await topology?.teardown();
});

function watchPods(): string[] {
  return [topology.pod(1).netns, topology.pod(2).netns];
}

/** Runs curl exchanges of known sizes and holds both ends of each to ground truth. */
async function assertExactBytes(
  t: TestContext,
  agent: AgentProcess,
  { curlArgs = [], sizes = [0, 54_321, 2_000_000] }: { curlArgs?: string[]; sizes?: number[] } = {},
): Promise<CurlExchange[]> {
  const pod2 = topology.pod(2);
  const exchanges: CurlExchange[] = [];
  const recordsBefore = http.connections.length;
  for (const bytes of sizes) {
    const exchange = await curlExchange(topology, topology.pod(1).netns, `http://${pod2.ipv4}:8080/payload?bytes=${bytes}`, {
      body: Buffer.alloc(1_000, 5),
      curlArgs,
    });
    assert.equal(exchange.httpCode, 200);
    exchanges.push(exchange);
  }
  await http.waitForConnections(recordsBefore + exchanges.length, 10_000);
  await agent.waitForRows((rows) => exchanges.every((e) => closedOnBothEnds(rows, clientEnds(e))), 15_000);
  for (const exchange of exchanges) {
    const ends = clientEnds(exchange);
    const truth = http.connections.find((c) => c.remotePort === exchange.localPort);
    assert.ok(truth, `the HTTP server has no record of curl's port ${exchange.localPort}`);
    // The two ground truths agree (harness sanity).
    assert.deepEqual([truth.bytesRead, truth.bytesWritten], [exchange.bytesSent, exchange.bytesReceived], 'server and curl agree on the bytes');
    const label = `${agent.trafficPathLabel}: curl ?bytes=${exchange.sizeDownload}`;
    assertSocketMatches(
      theSocket(agent.rows, ends, `${label}, client end`),
      { bytesSent: exchange.bytesSent, bytesReceived: exchange.bytesReceived, role: 'client', comm: 'curl', openedAndClosed: true },
      `${label}, client end (truth: curl sent ${exchange.bytesSent}, received ${exchange.bytesReceived})`,
    );
    assertSocketMatches(
      theSocket(agent.rows, reversed(ends), `${label}, server end`),
      { bytesSent: truth.bytesWritten, bytesReceived: truth.bytesRead, role: 'server', pid: http.pid, openedAndClosed: true },
      `${label}, server end (truth: the server read ${truth.bytesRead}, wrote ${truth.bytesWritten})`,
    );
  }
  t.diagnostic(`${agent.trafficPathLabel}: ${exchanges.length} connections exact on both ends`);
  return exchanges;
}

/** Starts an agent, or returns the reason it gave for not starting. */
async function startAgent(extraArgs: string[], env: Record<string, string> = {}): Promise<AgentProcess | string> {
  try {
    return await AgentProcess.start({ netns: watchPods(), extraArgs, env });
  } catch (err) {
    const message = (err as Error).message;
    const reason = /weft agent: (.*cannot be used here.*)/.exec(message)?.[1];
    if (reason) return reason;
    throw err;
  }
}

// Each way the agent ships, as its --traffic-path and the label it reports.
// The task walk is forced where the map element walk would win by having the
// kernel refuse the latter (the test-only setting).
const PATHS: Array<{ label: string; args: string[]; env?: Record<string, string> }> = [
  { label: 'counters (map element walk)', args: ['--traffic-path', 'counters'] },
  { label: 'counters (task walk)', args: ['--traffic-path', 'counters'], env: { WEFT_TEST_REFUSE_PROGRAMS: 'weft_refresh_map_elem' } },
  { label: 'fentry', args: ['--traffic-path', 'fentry'] },
  { label: 'kprobe', args: ['--traffic-path', 'kprobe'] },
  { label: 'tracepoint', args: ['--traffic-path', 'tracepoint'] },
];

for (const { label, args, env } of PATHS) {
  test(`traffic path ${label}: bytes exact on both ends where the kernel loads it`, { timeout: 90_000 }, async (t) => {
    const started = await startAgent(args, env);
    if (typeof started === 'string') {
      t.diagnostic(`traffic path: none (${label} refused)`);
      t.skip(`this kernel refuses ${label}: ${started}`);
      return;
    }
    const agent = started;
    try {
      t.diagnostic(`traffic path: ${agent.trafficPathLabel} (${agent.readyLine})`);
      if (agent.trafficPathLabel !== label) {
        // --traffic-path counters where the map element walk is refused runs the task walk (tested below).
        const why = /skipped: (.*)\)\)$/.exec(agent.readyLine)?.[1] ?? agent.readyLine;
        t.skip(`this kernel refuses ${label}: ${why}`);
        return;
      }
      await assertExactBytes(t, agent);
    } finally {
      await agent.kill();
    }
  });
}

test('fallback: with both counters walks refused, the agent starts on the next path, says why, and counts exactly', { timeout: 90_000 }, async (t) => {
  const agent = await AgentProcess.start({
    netns: watchPods(),
    env: { WEFT_TEST_REFUSE_PROGRAMS: 'weft_refresh_map_elem,weft_refresh_task_walk' },
  });
  try {
    t.diagnostic(`traffic path: ${agent.trafficPathLabel} (${agent.readyLine})`);
    assert.notEqual(agent.trafficPath, 'counters');
    for (const program of ['weft_refresh_map_elem', 'weft_refresh_task_walk']) {
      assert.match(
        agent.stderr,
        new RegExp(`weft agent: traffic path counters \\((map element|task) walk\\): load of ${program} failed \\(E[A-Z]+\\)`),
        `the agent logs why it skipped the walk ${program}; stderr:\n${agent.stderr}`,
      );
    }
    assert.match(agent.readyLine, /skipped: counters \(map element walk\): load of weft_refresh_map_elem failed/);
    await assertExactBytes(t, agent);
  } finally {
    await agent.kill();
  }
});

async function fastOpenCounter(netns: string, name: string): Promise<number> {
  const { stdout } = await topology.exec(netns, 'nstat', ['-az', name]);
  const match = new RegExp(`^${name}\\s+(\\d+)`, 'm').exec(stdout);
  assert.ok(match, `nstat has no ${name}: ${stdout}`);
  return Number(match[1]);
}

test('TCP Fast Open: data in the SYN is counted on the default path, both ends exact', { timeout: 90_000 }, async (t) => {
  const pod1 = topology.pod(1).netns;
  const pod2 = topology.pod(2).netns;
  const agent = await AgentProcess.start({ netns: watchPods() });
  try {
    t.diagnostic(`traffic path: ${agent.trafficPathLabel}`);
    const activeBefore = await fastOpenCounter(pod1, 'TcpExtTCPFastOpenActive');
    const passiveBefore = await fastOpenCounter(pod2, 'TcpExtTCPFastOpenPassive');
    await assertExactBytes(t, agent, { curlArgs: ['--tcp-fastopen'], sizes: [10, 70_000] });
    // Ground truth that the SYNs really carried data, so the test is about Fast Open.
    const active = (await fastOpenCounter(pod1, 'TcpExtTCPFastOpenActive')) - activeBefore;
    const passive = (await fastOpenCounter(pod2, 'TcpExtTCPFastOpenPassive')) - passiveBefore;
    t.diagnostic(`Fast Open: ${active} active (client SYNs with data), ${passive} passive (accepted by the server)`);
    assert.equal(active, 2, 'both curl connections sent data in their SYN');
    assert.equal(passive, 2, 'the server accepted the data of both SYNs');
  } finally {
    await agent.kill();
  }
});
