/**
 * TLS on the gRPC path: the ingest's gRPC server with a certificate from a
 * throwaway CA (openssl, test/fixtures/tlsCertificates.ts) and the agent's
 * own sender and queue trusting that CA. Ground truth: the bytes this test
 * encodes into the batches. A sender that does not trust the server's
 * certificate (no TLS, another CA, another name) or that the server does not
 * trust (mutual TLS without a client certificate) never delivers a batch: it
 * keeps them all queued and the ingest counts nothing. Last, the CLI: a
 * listener off loopback without TLS, or with a bad certificate file, and an
 * agent sending plaintext off loopback, stop at start-up with exit 2.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GrpcSender, QueuedBatchSink } from '@weft/agent';
import type { IngestMetrics } from '@weft/ingest';
import { encodeBatch } from '@weft/telemetry';
import { TEST_KEYS, TokenStore, connection, startTestIngest, until, type IngestTls as ServerTls, FIRST_TEST_SECOND } from '../fixtures/grpcBatches.js';
import { AGENT_MAIN, assertAgentBuilt } from '../fixtures/agentProcess.js';
import { freeLoopbackPort } from '../fixtures/loopbackPort.js';
import { makeTestCertificates, type TestCertificates } from '../fixtures/tlsCertificates.js';

type SenderTls = NonNullable<NonNullable<ConstructorParameters<typeof GrpcSender>[1]>['tls']>;

const PLAN = Array.from({ length: 10 }, (_, i) => ({ second: FIRST_TEST_SECOND + i, bytes: 1000 + 7 * i }));
const PLAN_BYTES = PLAN.reduce((sum, p) => sum + p.bytes, 0);

const metricTotal = async (metric: IngestMetrics['batchesRejected']): Promise<number> => (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);

/**
 * The ingest's gRPC server (with `serverTls`) over an embedded pipeline, and
 * the agent's sender to `address` (with `senderTls`) sending PLAN. Delivered:
 * waits until every batch is acknowledged. Refused: waits until the sender
 * has failed a few times.
 */
async function exchange(serverTls: ServerTls | undefined, senderTls: SenderTls | null, expect: 'delivered' | 'refused', host = '127.0.0.1') {
  const store = new TokenStore();
  const { pipeline, metrics, address, close } = await startTestIngest(store, serverTls);
  const port = address.split(':').pop() as string;
  const sender = new GrpcSender(`${host}:${port}`, { tls: senderTls, key: TEST_KEYS.ingest });
  const bySecond = new Map(PLAN.map((p) => [p.second, p.bytes]));
  const logged: string[] = [];
  const sink = new QueuedBatchSink(
    sender,
    (_rows, summary, sequence) =>
      encodeBatch({ nodeId: 'node-t', agentRun: 'run-1', sequence, intervalEndMs: summary.ts, intervalMs: 1000 }, [connection(bySecond.get(Math.floor(summary.ts / 1000)) ?? 0)], []),
    { maxQueuedBytes: 1 << 20, retryDelayMs: 20, log: (line) => logged.push(line) },
  );
  try {
    // The agent connects first (start); a refused sender would wait out its 5 s for nothing: its first send connects.
    if (expect === 'delivered') await sink.start();
    for (const { second } of PLAN) {
      sink.write([], { ts: second * 1000 + 999, trafficPath: 'test', socketsTracked: 0, listeners: [] });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    if (expect === 'delivered') {
      await until(() => sink.queuedBatches <= 1, 'every batch but the newest acknowledged');
      pipeline.tick(Date.now(), true);
      await until(() => sink.queuedBatches === 0, 'the newest acknowledged after the flush');
    } else {
      await until(() => sink.sendFailures >= 3, 'the sender to fail a few times');
      // Long enough for a batch that did get through to be stored and acknowledged.
      await new Promise((resolve) => setTimeout(resolve, 300));
      pipeline.tick(Date.now(), true);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return {
      store,
      sink: { queuedBatches: sink.queuedBatches, sentBatches: sink.sentBatches, sendFailures: sink.sendFailures, dropped: sink.dropped + sink.droppedBatches },
      logged,
      rejected: sender.rejected,
      ingestCounted: (await metricTotal(metrics.batchesRejected)) + (await metricTotal(metrics.batchesFailed)),
    };
  } finally {
    await sink.close();
    await close();
  }
}

let certs: TestCertificates;
before(() => {
  certs = makeTestCertificates();
});
after(() => certs?.remove());

const serverTls = (clientCa = false): ServerTls => ({
  cert: certs.read(certs.serverCert),
  key: certs.read(certs.serverKey),
  ...(clientCa ? { clientCa: certs.read(certs.caCert) } : {}),
});

function assertDelivered(result: Awaited<ReturnType<typeof exchange>>): void {
  assert.equal(result.store.bytesSent(), PLAN_BYTES, 'every byte sent is stored once');
  assert.equal(result.sink.sentBatches, PLAN.length, 'every batch acknowledged');
  assert.equal(result.sink.queuedBatches, 0);
  assert.equal(result.sink.dropped, 0);
  assert.equal(result.rejected, 0);
  assert.equal(result.ingestCounted, 0, 'nothing rejected or failed at the ingest');
}

function assertRefused(result: Awaited<ReturnType<typeof exchange>>): void {
  assert.equal(result.sink.sentBatches, 0, 'no batch acknowledged');
  assert.equal(result.sink.queuedBatches, PLAN.length, 'the sender keeps every batch');
  assert.equal(result.sink.dropped, 0, 'none dropped');
  assert.equal(result.rejected, 0, 'a refused connection is not a refused batch');
  assert.ok(result.sink.sendFailures >= 3);
  // Visible, but once: not a line per retry.
  assert.equal(result.logged.filter((line) => line.startsWith('sending telemetry failed')).length, 1, result.logged.join('\n'));
  assert.equal(result.store.writes, 0, 'nothing reached the store');
  assert.equal(result.ingestCounted, 0, 'nothing counted at the ingest');
}

describe('gRPC over TLS with the agent\'s sender', () => {
  it('a sender trusting the CA: every batch stored exactly once', async () => {
    assertDelivered(await exchange(serverTls(), { ca: certs.read(certs.caCert) }, 'delivered'));
  });

  it('the certificate is checked against the name dialled, or --tls-server-name', async () => {
    const ca = certs.read(certs.caCert);
    // Each with its own server and sender, at once: a refused sender's queue takes its 5 s to close.
    const [byHost, byName, otherName] = await Promise.all([
      exchange(serverTls(), { ca }, 'delivered', 'localhost'),
      exchange(serverTls(), { ca, serverName: 'ingest.weft.test' }, 'delivered'),
      exchange(serverTls(), { ca, serverName: 'elsewhere.weft.test' }, 'refused'),
    ]);
    assertDelivered(byHost);
    assertDelivered(byName);
    assertRefused(otherName);
  });

  it('refused, keeping every batch: a plaintext sender to a TLS ingest, a sender trusting another CA, a TLS sender to a plaintext ingest', async () => {
    const [plaintext, otherCa, tlsToPlaintext] = await Promise.all([
      exchange(serverTls(), null, 'refused'),
      exchange(serverTls(), { ca: certs.read(certs.otherCaCert) }, 'refused'),
      exchange(undefined, { ca: certs.read(certs.caCert) }, 'refused'),
    ]);
    assertRefused(plaintext);
    assertRefused(otherCa);
    assertRefused(tlsToPlaintext);
  });

  it('mutual TLS: a sender with a client certificate from the CA is taken; without one, refused', async () => {
    const ca = certs.read(certs.caCert);
    const [withCert, withoutCert, otherCert] = await Promise.all([
      exchange(serverTls(true), { ca, cert: certs.read(certs.clientCert), key: certs.read(certs.clientKey) }, 'delivered'),
      exchange(serverTls(true), { ca }, 'refused'),
      // A certificate the CA did not sign (the other CA's server certificate).
      exchange(serverTls(true), { ca, cert: certs.read(certs.otherServerCert), key: certs.read(certs.otherServerKey) }, 'refused'),
    ]);
    assertDelivered(withCert);
    assertRefused(withoutCert);
    assertRefused(otherCert);
  });
});

describe('the CLI refuses plaintext off loopback and bad certificate files at start-up', () => {
  let dir: string;
  before(() => {
    assertAgentBuilt();
    dir = mkdtempSync(join(tmpdir(), 'weft-tls-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** `weft ARGS` with no WEFT_* settings but `env`; its exit code and stderr. */
  function weft(args: string[], env: Record<string, string> = {}): { status: number | null; stderr: string } {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('WEFT_') && !key.startsWith('NODE_TEST')));
    const child = spawnSync(process.execPath, [AGENT_MAIN, ...args], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 60_000 });
    return { status: child.status, stderr: child.stderr };
  }

  function assertStopped(run: { status: number | null; stderr: string }, ...words: string[]): void {
    assert.equal(run.status, 2, `exit 2 expected; stderr:\n${run.stderr}`);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line expected:\n${run.stderr}`);
    for (const word of words) assert.ok(lines[0]?.includes(word), `"${word}" not in: ${lines[0]}`);
  }

  it('weft ingest and weft up --grpc-listen off loopback without TLS: exit 2 naming --tls-cert and --grpc-plaintext, before the store opens', async () => {
    const port = await freeLoopbackPort();
    for (const listen of [`0.0.0.0:${port}`, `[::]:${port}`, `:${port}`]) {
      const dataDir = join(dir, 'ingest-data');
      assertStopped(weft(['ingest', '--grpc-listen', listen, '--data-dir', dataDir, '--metrics-addr', `127.0.0.1:${port}`]), '--tls-cert', '--tls-key', '--grpc-plaintext');
      assert.equal(existsSync(dataDir), false, 'the store was not opened');
    }
    const upData = join(dir, 'up-data');
    assertStopped(weft(['up', '--grpc-listen', `0.0.0.0:${port}`, '--data-dir', upData, '--api-addr', `127.0.0.1:${port}`]), '--tls-cert', '--grpc-plaintext');
    assert.equal(existsSync(upData), false, 'the store was not opened');
  });

  it('weft ingest --tls-cert/--tls-key: both or neither, readable, PEM, and a key that matches', async () => {
    const port = await freeLoopbackPort();
    const dataDir = join(dir, 'ingest-data');
    const ingest = (...tls: string[]) => weft(['ingest', '--grpc-listen', `0.0.0.0:${port}`, '--data-dir', dataDir, ...tls]);
    assertStopped(ingest('--tls-cert', certs.serverCert), '--tls-cert', '--tls-key');
    assertStopped(ingest('--tls-cert', join(dir, 'missing.crt'), '--tls-key', certs.serverKey), '--tls-cert', 'missing.crt');
    assertStopped(ingest('--tls-cert', certs.serverKey, '--tls-key', certs.serverKey), '--tls-cert', 'no PEM certificate');
    assertStopped(ingest('--tls-cert', certs.serverCert, '--tls-key', certs.serverCert), '--tls-key', 'no PEM private key');
    assertStopped(ingest('--tls-cert', certs.serverCert, '--tls-key', certs.otherServerKey), '--tls-key', 'not the key of the certificate');
    assertStopped(ingest('--tls-cert', certs.serverCert, '--tls-key', certs.serverKey, '--tls-client-ca', join(dir, 'missing-ca.crt')), '--tls-client-ca', 'missing-ca.crt');
    assertStopped(ingest('--tls-cert', certs.serverCert, '--tls-key', certs.serverKey, '--grpc-plaintext'), '--grpc-plaintext');
    assert.equal(existsSync(dataDir), false, 'the store was not opened');
  });

  it('weft agent --grpc off loopback: --tls-ca or --grpc-plaintext; a bad --tls-ca (flag or WEFT_AGENT_TLS_CA) stops it', () => {
    assertStopped(weft(['agent', '--grpc', '192.0.2.1:4317']), '--tls-ca', '--grpc-plaintext');
    assertStopped(weft(['agent', '--grpc', '192.0.2.1:4317', '--tls-ca', join(dir, 'missing-ca.crt')]), '--tls-ca', 'missing-ca.crt');
    assertStopped(weft(['agent', '--grpc', '192.0.2.1:4317'], { WEFT_AGENT_TLS_CA: join(dir, 'env-ca.crt') }), '--tls-ca', 'env-ca.crt');
    assertStopped(weft(['agent', '--grpc', '192.0.2.1:4317', '--tls-ca', certs.serverKey]), '--tls-ca', 'no PEM certificate');
  });
});
