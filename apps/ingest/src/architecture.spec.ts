/**
 * The ingest's module layout, checked on its sources: the stages in the order
 * data flows through them (transport -> decode -> halves -> matching ->
 * naming -> aggregation -> store), then what composes them (the shared core,
 * the embedded pipeline and the Kafka stages, the health checks). A module
 * imports its own folder or folders before it, never one after it; the
 * shared types and the metrics import no stage at all.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

// dist/architecture.spec.js -> the sources beside it in src/.
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** Rank of each top-level folder (or file); -1: shared by everything, imports nothing of the stages. */
const RANK: Record<string, number> = {
  'ingestTypes.ts': -1,
  metrics: -1,
  auth: 0, // who sent the bytes: the API key of a batch and its tenant
  transport: 1, // bytes in; decoding agent batches (telemetryCodecs, agentRowInterval) needs the shared types only
  halves: 2,
  matching: 3,
  naming: 4,
  aggregation: 5,
  store: 6,
  core: 7,
  pipeline: 8,
  kafka: 8,
  health: 9,
  'index.ts': 10,
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const topOf = (path: string): string => relative(SRC, path).split('/')[0] as string;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/^\s*(?:import|export)\b[^'";]*?from\s+'(\.[^']+)'/gm)) found.push(match[1] as string);
  return found.map((spec) => resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
}

describe('ingest module layout', () => {
  it('no module imports a stage that comes after its own', () => {
    const violations: string[] = [];
    for (const file of sources(SRC)) {
      const from = topOf(file);
      const fromRank = RANK[from];
      assert.ok(fromRank !== undefined, `${relative(SRC, file)}: a folder with no place in the stage order`);
      for (const target of importsOf(file)) {
        const to = topOf(target);
        const toRank = RANK[to];
        assert.ok(toRank !== undefined, `${relative(SRC, file)} imports ${relative(SRC, target)}: outside the layout`);
        const ok = to === from || (toRank < fromRank && (toRank === -1 || fromRank !== -1));
        if (!ok) violations.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it('the shared types live in ingestTypes.ts, in no implementation file', () => {
    for (const name of ['NodeInterval', 'EdgeWriter', 'EdgeRow', 'ConnectionHalf', 'HalvesMessage']) {
      const declared = sources(SRC).filter((file) => new RegExp(`^export (interface|type) ${name}\\b`, 'm').test(readFileSync(file, 'utf8')));
      assert.deepEqual(declared.map((f) => relative(SRC, f)), ['ingestTypes.ts'], name);
    }
  });

  it('the embedded pipeline and the Kafka partitions share one core: neither matches or aggregates on its own', () => {
    for (const file of ['pipeline/ingestPipeline.ts', 'core/partitionProcessor.ts']) {
      const text = readFileSync(join(SRC, file), 'utf8');
      assert.match(text, /from '\.\.?\/(core\/)?pipelineCore\.js'/, `${file} uses PipelineCore`);
      assert.doesNotMatch(text, /EdgeAggregator|releaseEach|\.watermark\(\)/, `${file} releases or aggregates itself`);
    }
  });
});
