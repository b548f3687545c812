/**
 * Stopping detaches everything, and agents coexist: two agents watching the
 * same namespaces both report the same exchange with exact bytes; SIGTERM
 * (like SIGINT) exits 0 and the kernel frees every program, link and map the
 * agent held; a new agent started right after works.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { clientEnds, closedOnBothEnds, theSocket } from '../fixtures/agentExpectations.js';
import { AgentProcess } from '../fixtures/agentProcess.js';
import { bpfObjectsOf } from '../fixtures/bpfObjects.js';
import { reversed } from '../fixtures/agentRows.js';
import { pollUntil, runCommand } from '../fixtures/commandRunner.js';
import { curlExchange } from '../fixtures/curlClient.js';
import { NodeTopology } from '../fixtures/netnsTopology.js';
import { TcpPeerProcess } from '../fixtures/tcpPeerProcess.js';

let topology: NodeTopology;
let http: TcpPeerProcess | undefined;

async function stillLoaded(kind: 'prog' | 'map' | 'link', ids: number[]): Promise<number[]> {
  const alive: number[] = [];
  for (const id of ids) {
    const shown = await runCommand('bpftool', [kind, 'show', 'id', String(id)]).then(() => true, () => false);
    if (shown) alive.push(id);
  }
  return alive;
}

before(async () => {
  topology = await NodeTopology.create({ pods: 2 });
  const pod2 = topology.pod(2);
  http = await TcpPeerProcess.start(topology, pod2.netns, 'http-server', { listen: pod2.ipv4, port: 8080 });
});

after(async () => {
  await http?.stop();
  await topology?.teardown();
});

test('two agents at once both report an exchange exactly; SIGTERM frees all their kernel objects', { timeout: 90_000 }, async (t) => {
  const netns = [topology.pod(1).netns, topology.pod(2).netns];
  const first = await AgentProcess.start({ netns });
  const second = await AgentProcess.start({ netns });
  t.diagnostic(`traffic path: ${first.trafficPath}`);
  try {
    const held = bpfObjectsOf(second.pid);
    assert.ok(held.progs.length + held.links.length > 0 && held.maps.length > 0, `agent holds no BPF objects: ${JSON.stringify(held)}`);

    const exchange = await curlExchange(topology, topology.pod(1).netns, `http://${topology.pod(2).ipv4}:8080/?bytes=5000`);
    const ends = clientEnds(exchange);
    for (const [name, agent] of [['first', first], ['second', second]] as const) {
      assert.ok(await agent.waitForRows((rows) => closedOnBothEnds(rows, ends), 10_000), `${name} agent: no closed rows`);
      const client = theSocket(agent.rows, ends, `${name} agent, curl end`);
      const server = theSocket(agent.rows, reversed(ends), `${name} agent, server end`);
      assert.equal(client.bytes_sent, exchange.bytesSent, `${name} agent: bytes curl sent`);
      assert.equal(client.bytes_received, exchange.bytesReceived, `${name} agent: bytes curl received`);
      assert.equal(server.bytes_sent, client.bytes_received, `${name} agent: server sent what curl received`);
      assert.equal(server.bytes_received, client.bytes_sent, `${name} agent: server received what curl sent`);
    }

    // SIGTERM: flushes, detaches, exits 0.
    process.kill(second.pid, 'SIGTERM');
    const stopped = await second.waitForExit(15_000);
    assert.equal(stopped.code, 0, `SIGTERM exit ${stopped.code ?? stopped.signal}: ${stopped.stderr}`);
    // The kernel frees maps asynchronously after the last reference goes.
    const gone = await pollUntil(async () => {
      const alive = [
        ...(await stillLoaded('prog', held.progs)),
        ...(await stillLoaded('link', held.links)),
        ...(await stillLoaded('map', held.maps)),
      ];
      return alive.length === 0;
    }, { timeoutMs: 5_000 });
    assert.ok(gone, `BPF objects of the stopped agent still loaded: ${JSON.stringify(held)}`);

    // The other agent is unaffected, and a new one works right away.
    const third = await AgentProcess.start({ netns });
    try {
      const again = await curlExchange(topology, topology.pod(1).netns, `http://${topology.pod(2).ipv4}:8080/?bytes=700`);
      const againEnds = clientEnds(again);
      for (const agent of [first, third]) {
        assert.ok(await agent.waitForRows((rows) => closedOnBothEnds(rows, againEnds), 10_000), 'no closed rows after restart');
        assert.equal(theSocket(agent.rows, againEnds, 'curl end').bytes_received, again.bytesReceived);
      }
    } finally {
      const result = await third.stop();
      assert.equal(result.code, 0, result.stderr);
    }
  } finally {
    await first.stop();
    await second.kill();
  }
});
