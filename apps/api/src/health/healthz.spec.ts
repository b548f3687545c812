import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EdgeStore, EmbeddedExecutor } from '@weft/store';
import { startApiServer } from '../apiServer.js';
import { openControlStore } from '@weft/control';
import { FakeEdgeQueries } from '../testing/fakeEdgeQueries.js';
import { storeHealthCheck, type HealthCheck } from '@weft/runtime';

const root = mkdtempSync(join(tmpdir(), 'weft-api-health-'));
after(() => rmSync(root, { recursive: true, force: true }));

const queries = new FakeEdgeQueries({});
const control = await openControlStore({ kind: 'sqlite', path: join(root, 'control.db') });
after(() => control.close());

describe('/healthz', () => {
  it('an unhealthy store on /healthz gives 503 with the reason; a reachable one 200', { timeout: 60_000 }, async () => {
    const store = new EdgeStore(await EmbeddedExecutor.open({ dataDir: join(root, 'db') }));
    await store.migrate();
    // The ingest's checks come in by shape only (here: writes fine, Kafka joined).
    const ingest: HealthCheck = { name: 'store_writes', check: () => ({ ok: true, details: { last_write_age_seconds: 1 } }) };
    const api = await startApiServer(queries, control, { host: '127.0.0.1', port: 0, health: [storeHealthCheck(store), ingest] });
    try {
      const healthy = await fetch(`${api.url}/healthz`);
      assert.equal(healthy.status, 200);
      const good = (await healthy.json()) as { status: string; checks: Record<string, { ok: boolean }> };
      assert.equal(good.status, 'ok');
      assert.deepEqual(Object.keys(good.checks).sort(), ['store', 'store_writes']);
      assert.equal(good.checks.store?.ok, true);

      await store.close(); // the store goes away
      const sick = await fetch(`${api.url}/healthz`);
      assert.equal(sick.status, 503);
      const body = (await sick.json()) as { status: string; reasons: string[]; checks: Record<string, { ok: boolean; reason?: string }> };
      assert.equal(body.status, 'unhealthy');
      assert.equal(body.reasons.length, 1, body.reasons.join('; '));
      assert.match(body.reasons[0] ?? '', /^store: .*closed/);
      assert.equal(body.checks.store?.ok, false);
      assert.equal(body.checks.store_writes?.ok, true);
    } finally {
      await api.close();
      await store.close();
    }
  });

  it('a check that hangs or throws makes /healthz 503, not hang', async () => {
    const hung: HealthCheck = { name: 'kafka_match', check: () => new Promise(() => undefined) };
    const throwing: HealthCheck = { name: 'kafka_decode', check: () => Promise.reject(new Error('consumer has not joined its group')) };
    const api = await startApiServer(queries, control, { host: '127.0.0.1', port: 0, health: [hung, throwing] });
    try {
      const started = Date.now();
      const response = await fetch(`${api.url}/healthz`);
      assert.equal(response.status, 503);
      const body = (await response.json()) as { reasons: string[] };
      assert.deepEqual(body.reasons, ['kafka_match: no answer within 2000 ms', 'kafka_decode: consumer has not joined its group']);
      assert.ok(Date.now() - started < 5_000);
    } finally {
      await api.close();
    }
  });
});
