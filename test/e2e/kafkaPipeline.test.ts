/**
 * The scaled-out path on one machine: two agents (`--kafka`, each the agent
 * of one simulated node: its own pods via --netns, its own --node-id), a real
 * Kafka broker in KRaft mode, two `weft ingest` processes in one consumer
 * group, a ClickHouse HTTP endpoint (chdb behind it) for the remote store,
 * and `weft api` to read the map. Ground truth: the test peers' own byte and
 * connection counts. While traffic flows, one ingest is SIGKILLed and
 * restarted at random moments (5 times), and Kafka is stopped for 30 s; the
 * stored totals must still equal ground truth exactly (no drops are allowed
 * here: the agents' queues are far larger than 30 s of telemetry). A
 * malformed batch put on the telemetry topic (with a good key) is counted as
 * rejected, and the good batches after it are stored. Keys: each agent sends
 * its tenant's ingest key in the `weft-key` header; well-formed batches put
 * on the topic without a key, with an unknown key and with a key lacking the
 * ingest scope, each carrying a connection of a gigabyte, are dropped and
 * counted by reason, and nothing of them reaches the store (no phantom edge,
 * the totals exact). The API is read with the tenant's read key.
 */
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { AgentProcess } from '../fixtures/agentProcess.js';
import { encodeBatch } from '@weft/telemetry';
import { ClickHouseHttpServer } from '../fixtures/clickhouseHttpServer.js';
import { TestControlDb, bearer } from '../fixtures/controlKeys.js';
import { sleep } from '../fixtures/commandRunner.js';
import { KafkaBroker } from '../fixtures/kafkaBroker.js';
import { freeLoopbackPort } from '../fixtures/loopbackPort.js';
import { NodeTopology } from '../fixtures/netnsTopology.js';
import { TCP_PEER_SCRIPT, TcpPeerProcess } from '../fixtures/tcpPeerProcess.js';
import { WeftProcess } from '../fixtures/weftProcess.js';
import type { ServiceMapResponse } from '../fixtures/weftUpProcess.js';

/**
 * Clients and servers all run `node <TCP_PEER_SCRIPT> client|server`: one
 * program, named by its script's file name (README, "Naming, in order"),
 * so the edge goes from that service to itself, on the servers' port.
 */
const PEER = `host:${basename(TCP_PEER_SCRIPT, '.js')}`;

let topology: NodeTopology;
let broker: KafkaBroker;
let clickhouse: ClickHouseHttpServer;
const agents: AgentProcess[] = [];
const ingests: WeftProcess[] = [];
let api: WeftProcess;
const peers: TcpPeerProcess[] = [];
let control: TestControlDb;

async function ingestProcess(): Promise<WeftProcess> {
  const metricsPort = await freeLoopbackPort();
  return WeftProcess.start(['ingest', '--kafka', broker.brokers.join(','), '--clickhouse', clickhouse.url(), '--metrics-addr', `127.0.0.1:${metricsPort}`, ...control.args()], /weft ingest: ready/);
}

before(async () => {
  control = await TestControlDb.create(['acme']);
  topology = await NodeTopology.create({ pods: 4 });
  [broker, clickhouse] = await Promise.all([KafkaBroker.start(), ClickHouseHttpServer.start()]);
  for (const pod of [3, 4]) {
    peers.push(await TcpPeerProcess.start(topology, topology.pod(pod).netns, 'server', { listen: topology.pod(pod).ipv4, port: 9000 }));
  }
  ingests.push(await ingestProcess(), await ingestProcess());
  const apiPort = await freeLoopbackPort();
  api = await WeftProcess.start(['api', '--clickhouse', clickhouse.url(), '--api-addr', `127.0.0.1:${apiPort}`, ...control.args()], /API at http/);
  for (const [node, pods] of [['node-a', [1, 2]], ['node-b', [3, 4]]] as const) {
    agents.push(
      await AgentProcess.start({
        netns: pods.map((p) => topology.pod(p).netns),
        extraArgs: ['--kafka', broker.brokers.join(','), '--node-id', node, '--key', control.tenant('acme').ingestKey],
      }),
    );
  }
});

after(async () => {
  for (const agent of agents) await agent.kill();
  for (const ingest of ingests) await ingest.kill();
  await api?.kill();
  await broker?.dispose();
  await clickhouse?.close();
  await topology?.teardown();
  control?.remove();
});

async function map(): Promise<ServiceMapResponse> {
  const url = api.printed(/API at (http:\/\/\S+)/);
  const response = await fetch(`${url}/api/v1/map?from=now-30m`, { headers: bearer(control.tenant('acme').readKey) });
  assert.equal(response.status, 200);
  return (await response.json()) as ServiceMapResponse;
}

interface Truth {
  connections: number;
  sent: number;
  received: number;
}

/** Runs clients (pod 1 -> pod 3, pod 2 -> pod 4) and returns what they measured. */
async function traffic(plan: { connections: number; exchanges: number; intervalMs: number; request: number; response: number }): Promise<Truth> {
  const clients = await Promise.all(
    [[1, 3], [2, 4]].map(([from, to]) =>
      TcpPeerProcess.start(topology, topology.pod(from as number).netns, 'client', {
        connect: topology.pod(to as number).ipv4, port: 9000, connections: plan.connections, concurrency: plan.connections,
        exchanges: plan.exchanges, 'interval-ms': plan.intervalMs, request: plan.request, response: plan.response,
      }),
    ),
  );
  const truth: Truth = { connections: 0, sent: 0, received: 0 };
  for (const client of clients) {
    const done = await client.finished(120_000);
    assert.equal(done.errors, 0);
    for (const c of client.connections) {
      truth.connections += 1;
      truth.sent += c.bytesWritten;
      truth.received += c.bytesRead;
    }
  }
  return truth;
}

function add(a: Truth, b: Truth): Truth {
  return { connections: a.connections + b.connections, sent: a.sent + b.sent, received: a.received + b.received };
}

/** What each process says about itself, for a failure that is not obvious from the totals. */
async function explain(t: { diagnostic(message: string): void }, last: ServiceMapResponse): Promise<void> {
  t.diagnostic(`edges: ${JSON.stringify(last.edges)}`);
  for (const [i, ingest] of ingests.entries()) {
    const url = ingest.printed(/metrics at (http:\/\/\S+)/);
    const text = url ? await (await fetch(url)).text().catch(() => '') : '';
    for (const line of text.split('\n').filter((l) => l.startsWith('weft_') && !l.includes('_bucket'))) t.diagnostic(`ingest ${i} metric: ${line}`);
    // The lines that say what the Kafka clients went through, not the connection-refused noise.
    for (const line of ingest.stderr.split('\n').filter((l) => /Crash|rebuild|consuming again|Restarting|ready|rebalanc|error/i.test(l) && !/ECONNREFUSED|seed broker/.test(l)).slice(-60)) {
      t.diagnostic(`ingest ${i} stderr: ${line}`);
    }
  }
  for (const [i, agent] of agents.entries()) for (const line of agent.stderr.split('\n').filter((l) => !/ECONNREFUSED|seed broker/.test(l)).slice(-20)) t.diagnostic(`agent ${i} stderr: ${line}`);
}

test('Kafka path: SIGKILLed ingests and a 30 s Kafka outage, totals still exact', { timeout: 400_000 }, async (t) => {
  // Phase 1: long-lived connections while one ingest is killed at random moments.
  const phase1 = traffic({ connections: 4, exchanges: 24, intervalMs: 500, request: 1_000, response: 3_000 });
  const random = (() => {
    let s = 12345;
    return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  })();
  for (let kill = 0; kill < 5; kill++) {
    await sleep(500 + Math.floor(random() * 1500));
    const victim = ingests[kill % 2] as WeftProcess;
    await victim.kill();
    t.diagnostic(`SIGKILL ingest ${kill % 2} (${kill + 1}/5)`);
    await victim.restart();
  }
  let truth = await phase1;
  t.diagnostic(`phase 1 truth: ${JSON.stringify(truth)}`);

  // Between the two phases: a malformed batch with a good key, and good batches whose key is
  // refused (a gigabyte each, between addresses nobody else uses: any of it stored would show).
  const kafka = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const intruder = (sequence: bigint): Buffer =>
    Buffer.from(
      encodeBatch({ nodeId: 'node-x', agentRun: 'intruder', sequence, intervalEndMs: Date.now(), intervalMs: 1000 }, [
        {
          socketNumber: 1, netns: 1, role: 'client', roleInferred: false, localIp: '192.0.2.66', localPort: 40000, remoteIp: '192.0.2.77', remotePort: 6666,
          pid: 66, comm: 'intruder', cmdline: null, containerId: null, bytesSent: 1_000_000_000, bytesReceived: 1_000_000_000, srttUs: 100, retransmits: 0,
          resetsSent: 0, resetsReceived: 0, opened: true, closed: false, connectFailed: false,
        },
      ], []),
    );
  await producer.send({
    topic: 'weft.telemetry.v1',
    messages: [
      { key: 'node-x', value: Buffer.from('this is not a NodeBatch'), headers: { 'weft-key': control.tenant('acme').ingestKey } },
      { key: 'node-x', value: intruder(1n) },
      { key: 'node-x', value: intruder(2n), headers: { 'weft-key': `weft_aaaaaaaaaaaa_${'B'.repeat(43)}` } },
      { key: 'node-x', value: intruder(3n), headers: { 'weft-key': control.tenant('acme').noIngestKey } },
    ],
  });
  await producer.disconnect();

  // Phase 2: Kafka down for 30 s while a second round of traffic runs.
  const phase2 = traffic({ connections: 3, exchanges: 40, intervalMs: 1000, request: 500, response: 7_000 });
  await sleep(2_000);
  await broker.stop();
  t.diagnostic('Kafka stopped');
  await sleep(30_000);
  for (const agent of agents) agent.assertRunning();
  for (const ingest of ingests) assert.ok(ingest.running, `an ingest died while Kafka was down:\n${ingest.stderr.slice(-2000)}`);
  await broker.restart();
  t.diagnostic('Kafka back');
  truth = add(truth, await phase2);
  t.diagnostic(`total truth: ${JSON.stringify(truth)}`);

  let last: ServiceMapResponse | undefined;
  const deadline = Date.now() + 120_000;
  for (;;) {
    last = await map();
    const edge = last.edges.find((e) => e.source === PEER && e.target === PEER && e.port === 9000);
    if (edge && edge.bytes_sent >= truth.sent && edge.bytes_received >= truth.received && edge.connections_opened >= truth.connections) break;
    if (Date.now() > deadline) break;
    await sleep(1_000);
  }
  const edge = last.edges.find((e) => e.source === PEER && e.target === PEER && e.port === 9000);
  if (!edge || edge.bytes_sent !== truth.sent || edge.connections_opened !== truth.connections) await explain(t, last);
  assert.ok(edge, JSON.stringify(last.edges));
  assert.equal(edge.connections_opened, truth.connections, 'connections');
  assert.equal(edge.bytes_sent, truth.sent, 'bytes client -> server');
  assert.equal(edge.bytes_received, truth.received, 'bytes server -> client');
  assert.equal(last.edges.length, 1, `phantom edges: ${JSON.stringify(last.edges.map((e) => [e.source, e.target]))}`);

  for (const [i, ingest] of ingests.entries()) {
    const notable = ingest.stderr.split('\n').filter((l) => /rebuilding|consuming again|Crash/.test(l));
    for (const line of notable.slice(-20)) t.diagnostic(`ingest ${i}: ${line}`);
  }
  let rejected = 0;
  for (const ingest of ingests) {
    const url = ingest.printed(/metrics at (http:\/\/\S+)/);
    const text = await (await fetch(url as string)).text();
    for (const match of text.matchAll(/^weft_ingest_batches_rejected_total\{reason="([a-z_]+)"\} (\d+)/gm)) {
      t.diagnostic(`rejected by an ingest: ${match[1]} ${match[2]}`);
      rejected += Number(match[2]);
    }
  }
  assert.equal(rejected, 1, 'the malformed batch is counted once');
  const refused = new Map<string, number>();
  for (const ingest of ingests) {
    const url = ingest.printed(/metrics at (http:\/\/\S+)/);
    const text = await (await fetch(url as string)).text();
    for (const match of text.matchAll(/^weft_ingest_auth_refused_total\{transport="kafka",reason="([a-z_]+)"\} (\d+)/gm)) {
      refused.set(match[1] as string, (refused.get(match[1] as string) ?? 0) + Number(match[2]));
    }
  }
  assert.deepEqual(Object.fromEntries(refused), { missing_key: 1, unknown_key: 1, no_ingest_scope: 1 }, 'each refused message counted once, by reason');
  assert.ok(!last.nodes.some((n) => n.id.includes('intruder') || n.id.includes('192.0.2.')), 'nothing of the refused messages is stored');
});
