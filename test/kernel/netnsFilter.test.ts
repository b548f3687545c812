/**
 * --netns limits the output to sockets in the named namespaces (by name or by
 * path); traffic elsewhere is absent, while an agent without the filter sees
 * it. Bad start conditions (unknown namespace, bad flags) end in one clear
 * stderr line and a non-zero exit; --duration ends the agent by itself after
 * flushing.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { clientEnds, closedAt, closedOnBothEnds, theSocket } from '../fixtures/agentExpectations.js';
import { AgentProcess, runAgentToExit } from '../fixtures/agentProcess.js';
import { formatRows, reversed, rowsOfConnection, type AgentRow } from '../fixtures/agentRows.js';
import { NodeTopology } from '../fixtures/netnsTopology.js';
import { runPeerClient, TcpPeerProcess, type PeerConnection } from '../fixtures/tcpPeerProcess.js';

let topology: NodeTopology;
const agents: AgentProcess[] = [];

before(async () => {
  topology = await NodeTopology.create({ pods: 3 });
  await TcpPeerProcess.start(topology, topology.pod(3).netns, 'server', { listen: '0.0.0.0', port: 9000 });
});

after(async () => {
  for (const agent of agents) await agent.kill();
  await topology?.teardown();
});

function stderrLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.trim().length > 0);
}

test('--netns A: only namespace A is reported; an unfiltered agent sees B too', { timeout: 60_000 }, async (t) => {
  const [a, b, c] = [topology.pod(1), topology.pod(2), topology.pod(3)];
  const byName = await AgentProcess.start({ netns: [a.netns] });
  agents.push(byName);
  const byPath = await AgentProcess.start({ netns: [`/run/netns/${b.netns}`] });
  agents.push(byPath);
  const unfiltered = await AgentProcess.start({});
  agents.push(unfiltered);
  t.diagnostic(`traffic path: ${byName.trafficPath}`);

  const fromA = (await runPeerClient(topology, a.netns, { connect: c.ipv4, port: 9000, connections: 3, request: 100, response: 100 })).connections;
  const fromB = (await runPeerClient(topology, b.netns, { connect: c.ipv4, port: 9000, connections: 3, request: 100, response: 100 })).connections;
  const lastA = fromA[fromA.length - 1] as PeerConnection;
  const lastB = fromB[fromB.length - 1] as PeerConnection;
  assert.ok(await unfiltered.waitForRows((rows) => closedOnBothEnds(rows, clientEnds(lastA)) && closedOnBothEnds(rows, clientEnds(lastB)), 10_000), 'unfiltered agent never reported the traffic');
  assert.ok(await byName.waitForRows((rows) => closedAt(rows, clientEnds(lastA)), 10_000), 'agent filtered on A never reported A');
  assert.ok(await byPath.waitForRows((rows) => closedAt(rows, clientEnds(lastB)), 10_000), 'agent filtered on B (by path) never reported B');
  // One more tick: anything that should not be there has had its chance to show up.
  await new Promise((r) => setTimeout(r, 1_500));

  const outside = (rows: readonly AgentRow[], inode: number): AgentRow[] => rows.filter((row) => row.netns !== inode);
  assert.deepEqual(outside(byName.rows, a.inode), [], `--netns ${a.netns}: rows from other namespaces\n${formatRows(outside(byName.rows, a.inode))}`);
  assert.deepEqual(outside(byPath.rows, b.inode), [], `--netns /run/netns/${b.netns}: rows from other namespaces\n${formatRows(outside(byPath.rows, b.inode))}`);
  for (const conn of fromA) {
    theSocket(byName.rows, clientEnds(conn), 'A client end, agent filtered on A');
    assert.equal(rowsOfConnection(byName.rows, reversed(clientEnds(conn))).length, 0, 'server end in C shows up under --netns A');
    assert.equal(rowsOfConnection(byPath.rows, clientEnds(conn)).length, 0, 'A shows up under --netns B');
  }
  for (const conn of fromB) {
    assert.equal(rowsOfConnection(byName.rows, clientEnds(conn)).length, 0, `B's connection shows up under --netns A`);
    theSocket(byPath.rows, clientEnds(conn), 'B client end, agent filtered on B by path');
    // Present without the filter (both ends).
    theSocket(unfiltered.rows, clientEnds(conn), 'B client end, unfiltered agent');
    theSocket(unfiltered.rows, reversed(clientEnds(conn)), 'C server end of B, unfiltered agent');
  }
  for (const agent of [byName, byPath, unfiltered]) {
    const result = await agent.stop();
    assert.equal(result.code, 0, result.stderr);
  }
});

test('--duration: exits 0 by itself after flushing', { timeout: 30_000 }, async (t) => {
  const a = topology.pod(1);
  const started = Date.now();
  const agent = await AgentProcess.start({ netns: [a.netns], durationSec: 3 });
  agents.push(agent);
  t.diagnostic(`traffic path: ${agent.trafficPath}`);
  const conn = (await runPeerClient(topology, a.netns, { connect: topology.pod(3).ipv4, port: 9000, request: 1_234, response: 4_321 })).connections[0];
  assert.ok(conn && conn.error === null);
  const result = await agent.waitForExit(15_000);
  const elapsed = (Date.now() - started) / 1000;
  assert.equal(result.code, 0, `exit ${result.code ?? result.signal}\n${result.stderr}`);
  assert.ok(elapsed >= 2.5 && elapsed < 12, `--duration 3 ran ${elapsed.toFixed(1)} s`);
  const socket = theSocket(result.rows, clientEnds(conn), 'client end under --duration');
  assert.equal(socket.bytes_sent, conn.bytesWritten);
  assert.equal(socket.bytes_received, conn.bytesRead);
});

test('unknown netns name: non-zero exit, one clear line on stderr', { timeout: 30_000 }, async (t) => {
  const name = `${topology.prefix}does-not-exist`;
  const result = await runAgentToExit({ netns: [name] });
  t.diagnostic(`stderr: ${result.stderr.trim()}`);
  assert.notEqual(result.code, 0, 'agent started with an unknown namespace');
  assert.equal(result.code === null, false, `killed by ${result.signal} instead of exiting`);
  const lines = stderrLines(result.stderr);
  assert.equal(lines.length, 1, `want exactly one stderr line, got:\n${result.stderr}`);
  assert.ok(lines[0]?.includes(name), `the line does not name the namespace: ${lines[0]}`);
  assert.equal(result.rows.length, 0);
});

for (const [label, args] of [
  ['an unknown flag', ['--no-such-flag']],
  ['a bad --metrics-addr', ['--metrics-addr', 'not-an-address']],
  ['a bad --max-sockets', ['--max-sockets', '-5']],
] as const) {
  test(`${label}: non-zero exit, one clear line on stderr`, { timeout: 30_000 }, async (t) => {
    const result = await runAgentToExit({ extraArgs: [...args] });
    t.diagnostic(`stderr: ${result.stderr.trim()}`);
    assert.notEqual(result.code, 0);
    assert.equal(result.code === null, false, `killed by ${result.signal} instead of exiting`);
    const lines = stderrLines(result.stderr);
    assert.equal(lines.length, 1, `want exactly one stderr line, got:\n${result.stderr}`);
  });
}
