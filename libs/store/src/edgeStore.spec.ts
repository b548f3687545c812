/**
 * The store on the embedded backend (chdb, ClickHouse in process, data in a temp directory):
 * every scenario of testing/edgeStoreScenarios.ts, each in its own data directory.
 * test/store/remoteStore.test.ts runs the same scenarios through @clickhouse/client.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EdgeStore, resolutionForWindow } from './edgeStore.js';
import { EmbeddedExecutor } from './embeddedExecutor.js';
import { openEdgeStore } from './openEdgeStore.js';
import { edgeStoreScenarios, type StoreHarness } from './testing/edgeStoreScenarios.js';

const root = mkdtempSync(join(tmpdir(), 'weft-store-spec-'));
let count = 0;

const embedded: StoreHarness = {
  async newLocation() {
    const dataDir = join(root, `db${++count}`);
    return {
      async open(options) {
        return new EdgeStore(await EmbeddedExecutor.open({ dataDir }), options);
      },
    };
  },
};

after(() => rmSync(root, { recursive: true, force: true }));

for (const scenario of edgeStoreScenarios) {
  test(`embedded (chdb): ${scenario.name}`, { timeout: 120_000 }, async (t) => {
    const started = Date.now();
    await scenario.run(embedded, (message) => t.diagnostic(message));
    t.diagnostic(`${Date.now() - started} ms`);
  });
}

test('the coarsest exact table is chosen from the window alignment alone', () => {
  const H = 1_800_000_000 - (1_800_000_000 % 3600);
  assert.equal(resolutionForWindow({ from: H, to: H + 3600 }), 3600);
  assert.equal(resolutionForWindow({ from: H, to: H + 86_400 }), 3600);
  assert.equal(resolutionForWindow({ from: H, to: H + 60 }), 60, 'minute-aligned, shorter than an hour');
  assert.equal(resolutionForWindow({ from: H + 60, to: H + 3660 }), 60, 'an hour long but not on the hour');
  assert.equal(resolutionForWindow({ from: H, to: H + 5400 }), 60, 'starts on the hour, ends on a half hour');
  assert.equal(resolutionForWindow({ from: H, to: H + 1 }), 1);
  assert.equal(resolutionForWindow({ from: H + 1, to: H + 3601 }), 1);
  assert.equal(resolutionForWindow({ from: H, to: H + 3630 }), 1);
  assert.throws(() => resolutionForWindow({ from: H, to: H }), RangeError);
  assert.throws(() => resolutionForWindow({ from: H + 10, to: H }), RangeError);
  assert.throws(() => resolutionForWindow({ from: -1, to: H }), RangeError);
  assert.throws(() => resolutionForWindow({ from: Number.NaN, to: H }), RangeError);
});

test('openEdgeStore opens the embedded backend and migrates it, refusing a bad setting by name', async () => {
  const dataDir = join(root, 'opened');
  const store = await openEdgeStore({ mode: 'embedded', dataDir, retention: { minute: '14 DAY' } });
  try {
    assert.deepEqual(await store.migrate(), { applied: [], version: 1, ttlChanged: [] });
  } finally {
    await store.close();
  }
  await assert.rejects(openEdgeStore({ mode: 'embedded', dataDir, retention: { rawSeconds: 'forever' } }), /retention\.rawSeconds/);
});
