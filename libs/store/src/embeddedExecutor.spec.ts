import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EmbeddedExecutor } from './embeddedExecutor.js';

test('embedded: every SELECT runs with the query settings; a UNION ALL of more branches than threads is narrowed before GROUP BY', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-embedded-'));
  const executor = await EmbeddedExecutor.open({ dataDir: dir });
  try {
    const [setting] = await executor.queryJsonRows<{ v: string }>(`SELECT getSetting('max_streams_for_union_step_to_max_threads_ratio') AS v`);
    assert.equal(Number(setting?.v), 1);
    const branches = Array.from({ length: 8 }, (_, i) => `SELECT number % 7 AS k FROM numbers(${i * 10}, 10)`).join(' UNION ALL ');
    const pipeline = (await executor.queryJsonRows<{ explain: string }>(`EXPLAIN PIPELINE SELECT k, count() FROM (${branches}) GROUP BY k`)).map((r) => r.explain);
    const aggregating = pipeline.map((line) => /AggregatingTransform(?: × (\d+))?/.exec(line)).find((m) => m !== null);
    assert.ok(aggregating, pipeline.join('\n'));
    const [threads] = await executor.queryJsonRows<{ v: string }>(`SELECT getSetting('max_threads') AS v`);
    assert.ok(Number(aggregating[1] ?? 1) <= Number(threads?.v), `aggregating streams ${aggregating[1]} > max_threads ${threads?.v}:\n${pipeline.join('\n')}`);
    const rows = await executor.queryJsonRows<{ n: string }>(`SELECT count() AS n FROM (${branches})`);
    assert.equal(Number(rows[0]?.n), 80);
  } finally {
    await executor.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
