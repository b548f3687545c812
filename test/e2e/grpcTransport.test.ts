/**
 * The gRPC transport: agents (`--grpc`, each with its tenant's ingest key) send their batches
 * straight to a `weft ingest --grpc-listen` (no Kafka), which writes the remote store; the map
 * read through `weft api` has the exchange's bytes exact against curl's own counters. Over
 * TLS: the ingest listens on every address (which without TLS it refuses) with a certificate
 * from a throwaway CA, and the agents trust that CA alone.
 *
 * Tenants: two node topologies built alike (the same pod addresses, the same ports), one per
 * tenant, each watched by an agent with its tenant's key and the same --node-id. The store's
 * rows of each tenant hold exactly the traffic driven in that tenant's topology. A third agent
 * over tenant alpha's pods with a key that lacks the ingest scope is refused and counted, and
 * nothing of what it saw is stored (alpha's totals stay exact, not doubled). An agent with no
 * key does not start.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';
import { after, before, test } from 'node:test';
import { AGENT_MAIN, AgentProcess } from '../fixtures/agentProcess.js';
import { ClickHouseHttpServer } from '../fixtures/clickhouseHttpServer.js';
import { pollUntil } from '../fixtures/commandRunner.js';
import { TestControlDb, bearer } from '../fixtures/controlKeys.js';
import { curlExchange, type CurlExchange } from '../fixtures/curlClient.js';
import { freeLoopbackPort } from '../fixtures/loopbackPort.js';
import { NodeTopology } from '../fixtures/netnsTopology.js';
import { storeTenantTotals, type TenantTotals } from '../fixtures/storeTenantTotals.js';
import { TCP_PEER_SCRIPT, TcpPeerProcess } from '../fixtures/tcpPeerProcess.js';
import { makeTestCertificates, type TestCertificates } from '../fixtures/tlsCertificates.js';
import { WeftProcess } from '../fixtures/weftProcess.js';
import type { MapEdge, ServiceMapResponse } from '../fixtures/weftUpProcess.js';

/** The server runs `node <TCP_PEER_SCRIPT> http-server`: named by its script's file name (README, "Naming, in order"). */
const SERVER = `host:${basename(TCP_PEER_SCRIPT, '.js')}`;

const topologies: Record<'alpha' | 'beta', NodeTopology | undefined> = { alpha: undefined, beta: undefined };
let clickhouse: ClickHouseHttpServer;
let control: TestControlDb;
let ingest: WeftProcess;
let api: WeftProcess;
const agents: AgentProcess[] = [];
let certs: TestCertificates;
let grpcPort: number;

const topology = (tenant: 'alpha' | 'beta'): NodeTopology => topologies[tenant] as NodeTopology;

before(async () => {
  control = await TestControlDb.create(['alpha', 'beta']);
  topologies.alpha = await NodeTopology.create({ pods: 2 });
  topologies.beta = await NodeTopology.create({ pods: 2 });
  assert.equal(topology('alpha').pod(2).ipv4, topology('beta').pod(2).ipv4, 'the two tenants use the same addresses');
  clickhouse = await ClickHouseHttpServer.start();
  for (const tenant of ['alpha', 'beta'] as const) {
    await TcpPeerProcess.start(topology(tenant), topology(tenant).pod(2).netns, 'http-server', { listen: topology(tenant).pod(2).ipv4, port: 8080 });
  }
  certs = makeTestCertificates();
  grpcPort = await freeLoopbackPort();
  const metricsPort = await freeLoopbackPort();
  ingest = await WeftProcess.start(
    [
      'ingest', '--grpc-listen', `0.0.0.0:${grpcPort}`, '--tls-cert', certs.serverCert, '--tls-key', certs.serverKey,
      '--clickhouse', clickhouse.url(), '--metrics-addr', `127.0.0.1:${metricsPort}`, ...control.args(),
    ],
    /weft ingest: ready: gRPC at \S+ \(TLS\)/,
  );
  api = await WeftProcess.start(['api', '--clickhouse', clickhouse.url(), '--api-addr', `127.0.0.1:${await freeLoopbackPort()}`, ...control.args()], /API at http/);
  const agentOf = (tenant: 'alpha' | 'beta', key: string): Promise<AgentProcess> =>
    AgentProcess.start({
      netns: [topology(tenant).pod(1).netns, topology(tenant).pod(2).netns],
      extraArgs: ['--grpc', `127.0.0.1:${grpcPort}`, '--tls-ca', certs.caCert, '--node-id', 'node-g', '--key', key],
    });
  agents.push(await agentOf('alpha', control.tenant('alpha').ingestKey));
  agents.push(await agentOf('beta', control.tenant('beta').ingestKey));
  // Sees alpha's pods too, but its key may not ingest: none of it may be stored.
  agents.push(await agentOf('alpha', control.tenant('alpha').noIngestKey));
});

after(async () => {
  for (const agent of agents) await agent.kill();
  await ingest?.kill();
  await api?.kill();
  await clickhouse?.close();
  for (const t of Object.values(topologies)) await t?.teardown();
  certs?.remove();
  control?.remove();
});

async function drive(tenant: 'alpha' | 'beta', sizes: number[]): Promise<CurlExchange[]> {
  const done: CurlExchange[] = [];
  for (const bytes of sizes) {
    const exchange = await curlExchange(topology(tenant), topology(tenant).pod(1).netns, `http://${topology(tenant).pod(2).ipv4}:8080/payload?bytes=${bytes}`);
    assert.equal(exchange.httpCode, 200);
    done.push(exchange);
  }
  return done;
}

const totalsOf = (done: CurlExchange[]) => ({ connections: done.length, sent: done.reduce((s, e) => s + e.bytesSent, 0), received: done.reduce((s, e) => s + e.bytesReceived, 0) });

async function metric(process: WeftProcess, pattern: RegExp): Promise<number> {
  const url = process.printed(/metrics at (http:\/\/\S+)/) as string;
  const text = await (await fetch(url)).text();
  return [...text.matchAll(pattern)].reduce((sum, m) => sum + Number(m[1]), 0);
}

test('agents -> gRPC -> ingest -> ClickHouse: each tenant\'s rows exact, a key without the ingest scope refused', { timeout: 180_000 }, async (t) => {
  const truth = { alpha: totalsOf(await drive('alpha', [5, 50_000, 1_500_000])), beta: totalsOf(await drive('beta', [77, 3_000, 400_001, 20])) };
  t.diagnostic(`truth: ${JSON.stringify(truth)}`);
  let totals = new Map<string, TenantTotals>();
  await pollUntil(
    async () => {
      totals = await storeTenantTotals(clickhouse.url());
      const done = (['alpha', 'beta'] as const).every((name) => (totals.get(control.tenant(name).id)?.connectionsOpened ?? 0) >= truth[name].connections);
      return done ? true : undefined;
    },
    { timeoutMs: 40_000, intervalMs: 500 },
  ).catch(() => undefined);
  t.diagnostic(`store: ${JSON.stringify([...totals])}`);
  assert.deepEqual([...totals.keys()].sort(), [control.tenant('alpha').id, control.tenant('beta').id].sort(), `rows of other tenants: ${JSON.stringify([...totals])}\ningest stderr:\n${ingest.stderr}`);
  for (const name of ['alpha', 'beta'] as const) {
    const got = totals.get(control.tenant(name).id) as TenantTotals;
    assert.deepEqual(got.edges, [`host:curl -> ${SERVER}:8080`], `${name}: its one edge`);
    assert.equal(got.connectionsOpened, truth[name].connections, `${name}: connections`);
    assert.equal(got.bytesSent, truth[name].sent, `${name}: bytes client -> server (its own traffic only, never the other tenant's or the refused agent's)`);
    assert.equal(got.bytesReceived, truth[name].received, `${name}: bytes server -> client`);
  }
  assert.ok((await metric(ingest, /^weft_ingest_auth_refused_total\{transport="grpc",reason="no_ingest_scope"\} (\d+)/gm)) >= 1, 'the refused agent is counted');
  const refusedAgent = agents[2] as AgentProcess;
  assert.match(refusedAgent.stderr, /refused this agent's API key \(PERMISSION_DENIED/);
  for (const agent of agents) for (const tenant of Object.values(control.tenants)) for (const key of [tenant.ingestKey, tenant.noIngestKey]) assert.ok(!agent.stderr.includes(key), 'no agent prints its key');

  // Through the API, with each tenant's read key: that tenant's traffic only. A window under 10
  // minutes is answered to the second (a longer relative one ends at its aligned now).
  const url = api.printed(/API at (http:\/\/\S+)/) as string;
  for (const name of ['alpha', 'beta'] as const) {
    // An insert reaches edges_1s before the views have written the service tables the map reads:
    // poll the map too, until the edge has all the traffic or the deadline passes.
    let map: ServiceMapResponse = { edges: [] } as unknown as ServiceMapResponse;
    await pollUntil(
      async () => {
        const response = await fetch(`${url}/api/v1/map?from=now-9m`, { headers: bearer(control.tenant(name).readKey) });
        assert.equal(response.status, 200, await response.clone().text());
        map = (await response.json()) as ServiceMapResponse;
        const found = map.edges.find((e) => e.source === 'host:curl' && e.target === SERVER);
        return found !== undefined && found.connections_opened >= truth[name].connections ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    ).catch(() => undefined);
    const edge: MapEdge | undefined = map.edges.find((e) => e.source === 'host:curl' && e.target === SERVER);
    assert.ok(edge, `${name}: no edge in ${JSON.stringify(map)}`);
    assert.equal(edge.connections_opened, truth[name].connections);
    assert.equal(edge.bytes_sent, truth[name].sent);
    assert.equal(edge.bytes_received, truth[name].received);
    assert.equal(map.edges.length, 1);
  }
});

test('an agent sending to an ingest or Kafka without a key does not start, and says which flag is missing', { timeout: 60_000 }, () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WEFT_') && !k.startsWith('NODE_TEST')));
  for (const args of [['--grpc', `127.0.0.1:${grpcPort}`], ['--kafka', '127.0.0.1:9']]) {
    const child = spawnSync(process.execPath, [AGENT_MAIN, 'agent', ...args], { env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(child.status, 2, child.stderr);
    assert.match(child.stderr, /needs an API key with the ingest scope: give --key KEY or set WEFT_AGENT_KEY/);
  }
  const bad = spawnSync(process.execPath, [AGENT_MAIN, 'agent', '--grpc', `127.0.0.1:${grpcPort}`], { env: { ...env, WEFT_AGENT_KEY: 'not-a-key' }, encoding: 'utf8', timeout: 30_000 });
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /WEFT_AGENT_KEY is not a Weft API key/);
  assert.ok(!bad.stderr.includes('not-a-key'), 'the value is not printed');
});
