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
import { EdgeStore, resolutionForWindow, windowPieces } from './edgeStore.js';
import { DOMAIN_TIERS, SERVICE_TIERS, type WindowPiecesOptions } from './window/windowPieces.js';
import { EmbeddedExecutor } from './embeddedExecutor.js';
import { openEdgeStore } from './openEdgeStore.js';
import { MIGRATIONS } from './migrations/migrations.js';
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

test('a window is cut into the coarsest exact pieces: ragged seconds, 10 s buckets, whole minutes, whole 10 minutes, whole hours, whole 6 hours', () => {
  const H = 1_800_000_000 - (1_800_000_000 % 3600);
  const cut = (from: number, to: number, options?: WindowPiecesOptions): string[] =>
    windowPieces({ from, to }, options).map((p) => `${p.resolution}:${p.from - H}-${p.to - H}`);
  // The failure-domain tiers (1 s, 1 m, 1 h).
  const domain = { tiers: DOMAIN_TIERS };
  assert.deepEqual(cut(H - 1830, H + 7261, domain), ['1:-1830--1800', '60:-1800-0', '3600:0-7200', '60:7200-7260', '1:7260-7261']);
  assert.deepEqual(cut(H + 59, H + 61, domain), ['1:59-61'], 'no whole minute inside');
  assert.deepEqual(cut(H + 30, H + 3590, domain), ['1:30-60', '60:60-3540', '1:3540-3590'], 'no whole hour inside');
  assert.deepEqual(cut(H, H + 3600, domain), ['3600:0-3600']);
  // The service tiers (1 s, 10 s, 1 m, 10 m, 1 h), the default.
  assert.deepEqual(cut(H - 1837, H + 7283), ['1:-1837--1830', '10:-1830--1800', '600:-1800-0', '3600:0-7200', '60:7200-7260', '10:7260-7280', '1:7280-7283']);
  // now-1h at 37 s past a whole hour: minutes only up to the first 10-minute boundary.
  assert.deepEqual(cut(H - 3563, H + 37), ['1:-3563--3560', '10:-3560--3540', '60:-3540--3000', '600:-3000-0', '10:0-30', '1:30-37']);
  assert.deepEqual(cut(H + 3517, H + 7283), ['1:3517-3520', '10:3520-3540', '60:3540-3600', '3600:3600-7200', '60:7200-7260', '10:7260-7280', '1:7280-7283']);
  assert.deepEqual(cut(H + 59, H + 61), ['1:59-61']);
  assert.deepEqual(cut(H + 55, H + 75), ['1:55-60', '10:60-70', '1:70-75']);
  assert.deepEqual(cut(H + 5, H + 3605), ['1:5-10', '10:10-60', '60:60-600', '600:600-3600', '1:3600-3605']);
  // now-24h: whole 6 hours in the middle, hours around them (H is 2 h past a 6 h boundary).
  assert.equal(H % 21600, 7200);
  assert.deepEqual(cut(H - 86_400 + 37, H + 37), ['1:-86363--86360', '10:-86360--86340', '60:-86340--85800', '600:-85800--82800', '3600:-82800--72000', '21600:-72000--7200', '3600:-7200-0', '10:0-30', '1:30-37']);
  // A maximum tier: a series at 60 s steps never takes an hour piece, at 10 s steps never a minute.
  assert.deepEqual(cut(H - 60, H + 7260, { maxTier: 60 }), ['60:-60-7260']);
  assert.deepEqual(cut(H - 10, H + 130, { maxTier: 10 }), ['10:-10-130']);
  assert.deepEqual(cut(H - 3, H + 3, { maxTier: 1 }), ['1:-3-3']);
  assert.deepEqual(cut(H + 1, H + 3601, { maxTier: 60 }), ['1:1-10', '10:10-60', '60:60-3600', '1:3600-3601']);
  assert.throws(() => windowPieces({ from: H, to: H + 1 }, { tiers: [10, 60] }), /start at 1 s/);
  assert.throws(() => windowPieces({ from: H, to: H + 1 }, { tiers: [1, 60, 10] }), /ascend/);
  // Whatever the window, the pieces tile it exactly, each on its own tier's buckets.
  for (const tiers of [SERVICE_TIERS, DOMAIN_TIERS]) {
    for (let i = 0; i < 2000; i++) {
      const from = H + Math.floor(Math.random() * 20_000) - 10_000;
      const to = from + 1 + Math.floor(Math.random() * 200_000);
      const maxTier = i % 3 === 0 ? [1, 10, 60, 600, 3600, 21600][i % 6] : undefined;
      const pieces = windowPieces({ from, to }, { tiers, ...(maxTier !== undefined ? { maxTier } : {}) });
      assert.equal(pieces[0]?.from, from);
      assert.equal(pieces.at(-1)?.to, to);
      pieces.forEach((p, j) => {
        if (j > 0) assert.equal(p.from, pieces[j - 1]?.to, 'contiguous');
        assert.ok(p.from < p.to);
        assert.ok(tiers.includes(p.resolution) && p.resolution <= (maxTier ?? Infinity), 'a tier allowed');
        assert.deepEqual([p.from % p.resolution, p.to % p.resolution], [0, 0], 'whole buckets');
      });
      // Never more than two ragged ends and two runs of each finer tier around the coarsest.
      assert.ok(pieces.length <= 2 * (tiers.length - 1) + 1);
    }
  }
});

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
    assert.deepEqual(await store.migrate(), { applied: [], version: MIGRATIONS.at(-1)!.version, ttlChanged: [] });
  } finally {
    await store.close();
  }
  await assert.rejects(openEdgeStore({ mode: 'embedded', dataDir, retention: { rawSeconds: 'forever' } }), /retention\.rawSeconds/);
});
