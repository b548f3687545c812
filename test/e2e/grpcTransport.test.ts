/**
 * The gRPC transport: an agent (`--grpc`) sends its batches straight to a
 * `weft ingest --grpc-listen` (no Kafka), which writes the remote store; the
 * map read through `weft api` has the exchange's bytes exact against curl's
 * own counters. Over TLS: the ingest listens on every address (which without
 * TLS it refuses) with a certificate from a throwaway CA, and the agent
 * trusts that CA alone.
 */
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { after, before, test } from 'node:test';
import { AgentProcess } from '../fixtures/agentProcess.js';
import { ClickHouseHttpServer } from '../fixtures/clickhouseHttpServer.js';
import { pollUntil } from '../fixtures/commandRunner.js';
import { curlExchange, type CurlExchange } from '../fixtures/curlClient.js';
import { freeLoopbackPort } from '../fixtures/loopbackPort.js';
import { NodeTopology } from '../fixtures/netnsTopology.js';
import { TCP_PEER_SCRIPT, TcpPeerProcess } from '../fixtures/tcpPeerProcess.js';
import { makeTestCertificates, type TestCertificates } from '../fixtures/tlsCertificates.js';
import { WeftProcess } from '../fixtures/weftProcess.js';
import type { MapEdge, ServiceMapResponse } from '../fixtures/weftUpProcess.js';

/** The server runs `node <TCP_PEER_SCRIPT> http-server`: named by its script's file name (README, "Naming, in order"). */
const SERVER = `host:${basename(TCP_PEER_SCRIPT, '.js')}`;

let topology: NodeTopology;
let clickhouse: ClickHouseHttpServer;
let ingest: WeftProcess;
let api: WeftProcess;
let agent: AgentProcess;
let certs: TestCertificates;

before(async () => {
  topology = await NodeTopology.create({ pods: 2 });
  clickhouse = await ClickHouseHttpServer.start();
  await TcpPeerProcess.start(topology, topology.pod(2).netns, 'http-server', { listen: topology.pod(2).ipv4, port: 8080 });
  certs = makeTestCertificates();
  const grpcPort = await freeLoopbackPort();
  const metricsPort = await freeLoopbackPort();
  ingest = await WeftProcess.start(
    [
      'ingest', '--grpc-listen', `0.0.0.0:${grpcPort}`, '--tls-cert', certs.serverCert, '--tls-key', certs.serverKey,
      '--clickhouse', clickhouse.url(), '--metrics-addr', `127.0.0.1:${metricsPort}`,
    ],
    /weft ingest: ready: gRPC at \S+ \(TLS\)/,
  );
  api = await WeftProcess.start(['api', '--clickhouse', clickhouse.url(), '--api-addr', `127.0.0.1:${await freeLoopbackPort()}`], /API at http/);
  agent = await AgentProcess.start({
    netns: [topology.pod(1).netns, topology.pod(2).netns],
    extraArgs: ['--grpc', `127.0.0.1:${grpcPort}`, '--tls-ca', certs.caCert, '--node-id', 'node-g'],
  });
});

after(async () => {
  await agent?.kill();
  await ingest?.kill();
  await api?.kill();
  await clickhouse?.close();
  await topology?.teardown();
  certs?.remove();
});

test('agent -> gRPC -> ingest -> ClickHouse: bytes and connections exact', { timeout: 120_000 }, async (t) => {
  const done: CurlExchange[] = [];
  for (const bytes of [5, 50_000, 1_500_000]) {
    const exchange = await curlExchange(topology, topology.pod(1).netns, `http://${topology.pod(2).ipv4}:8080/payload?bytes=${bytes}`);
    assert.equal(exchange.httpCode, 200);
    done.push(exchange);
  }
  const sent = done.reduce((s, e) => s + e.bytesSent, 0);
  const received = done.reduce((s, e) => s + e.bytesReceived, 0);
  const url = api.printed(/API at (http:\/\/\S+)/);
  let edge: MapEdge | undefined;
  let map: ServiceMapResponse | undefined;
  await pollUntil(
    async () => {
      map = (await (await fetch(`${url}/api/v1/map?from=now-10m`)).json()) as ServiceMapResponse;
      edge = map.edges.find((e) => e.source === 'host:curl' && e.target === SERVER);
      return edge && edge.connections_opened >= done.length ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  t.diagnostic(`edges: ${JSON.stringify(map?.edges)}`);
  assert.ok(edge, `no edge in ${JSON.stringify(map)}\ningest stderr:\n${ingest.stderr}`);
  assert.equal(edge.connections_opened, done.length);
  assert.equal(edge.bytes_sent, sent);
  assert.equal(edge.bytes_received, received);
  assert.equal(map?.edges.length, 1);
});
