import { strict as assert } from 'node:assert';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { startMetricsServer } from './metricsServer.js';

test('the metrics server answers /metrics, /healthz and 404', async () => {
  const registry = { contentType: 'text/plain; version=0.0.4', metrics: async () => 'weft_up 1\n' };
  const server = await startMetricsServer(registry, '127.0.0.1', 0);
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const metrics = await fetch(`${base}/metrics`);
    assert.equal(metrics.status, 200);
    assert.equal(metrics.headers.get('content-type'), registry.contentType);
    assert.equal(await metrics.text(), 'weft_up 1\n');
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    assert.equal((await fetch(`${base}/other`)).status, 404);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a port in use fails the start', async () => {
  const first = await startMetricsServer({ contentType: 'text/plain', metrics: async () => '' }, '127.0.0.1', 0);
  try {
    const { port } = first.address() as AddressInfo;
    await assert.rejects(startMetricsServer({ contentType: 'text/plain', metrics: async () => '' }, '127.0.0.1', port), /EADDRINUSE/);
  } finally {
    await new Promise((resolve) => first.close(resolve));
  }
});

test('/healthz is 503 with the reason when a check fails', async () => {
  const registry = { contentType: 'text/plain', metrics: async () => '' };
  let storeUp = true;
  const server = await startMetricsServer(registry, '127.0.0.1', 0, [
    { name: 'store', check: () => (storeUp ? { ok: true } : { ok: false, reason: 'connection refused' }) },
  ]);
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
    assert.equal((await fetch(url)).status, 200);
    storeUp = false;
    const down = await fetch(url);
    assert.equal(down.status, 503);
    assert.deepEqual(((await down.json()) as { reasons: string[] }).reasons, ['store: connection refused']);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
