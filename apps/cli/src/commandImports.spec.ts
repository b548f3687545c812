import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

// Which modules each command loads. A process that imported chdb (a 543 MB
// native library), NestJS or the Kubernetes client for nothing costs its
// memory for its whole life; the agent runs on every node.

const main = fileURLToPath(new URL('./main.js', import.meta.url));
// The workspace's @weft/native resolves to its real folder (apps/cli/dist/ -> native/).
const nativeFolder = fileURLToPath(new URL('../../../native/', import.meta.url));

// Module hooks (run on their own thread): every resolved import, as
// "specifier<TAB>url", appended synchronously so that nothing is lost when the
// command ends with process.exit.
const hooks = `
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(file, specifier + '\\t' + result.url + '\\n');
  return result;
}`;
// Preloaded by --import: registers the hooks, and at exit adds what require()
// loaded (CommonJS packages' own requires do not pass through the hooks).
const recorder = `
import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
const file = process.env.WEFT_TEST_LOADED_MODULES;
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}), { data: { file } });
// require.cache is one for the process; any absolute path makes a require.
const cache = createRequire(process.cwd() + '/').cache;
process.on('exit', () => appendFileSync(file, Object.keys(cache).map((path) => '\\t' + path + '\\n').join('')));`;

interface Run {
  status: number | null;
  stderr: string;
  /** Whether the process loaded the package (its entry or any file of it). */
  loaded(name: string): boolean;
}

function runWeft(args: string[]): Run {
  const dir = mkdtempSync(join(tmpdir(), 'weft-imports-'));
  try {
    const file = join(dir, 'loaded');
    // No WEFT_* settings from the environment running the tests.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('WEFT_')));
    const child = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(recorder)}`, main, ...args], {
      env: { ...env, WEFT_TEST_LOADED_MODULES: file },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.ok(existsSync(file), `the recorder wrote nothing (exit ${String(child.status)}): ${child.stderr}`);
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => line.split('\t') as [string, string]);
    return {
      status: child.status,
      stderr: child.stderr,
      loaded(name) {
        const inPackage = (path: string): boolean => (name === '@weft/native' ? path.startsWith(nativeFolder) : path.includes(`/node_modules/${name}/`));
        return lines.some(([specifier, where]) => specifier === name || specifier.startsWith(`${name}/`) || inPackage(where.startsWith('file:') ? fileURLToPath(where) : where));
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const HEAVY = ['chdb', '@nestjs/core', '@kubernetes/client-node'];

for (const args of [['--help'], ['agent', '--help'], ['api', '--help'], ['ingest', '--help'], ['up', '--help'], ['demo', '--help']]) {
  test(`weft ${args.join(' ')} loads only commander`, () => {
    const run = runWeft(args);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(run.loaded('commander'), 'the recorder saw commander (it records what loads)');
    for (const name of [...HEAVY, '@weft/native']) assert.ok(!run.loaded(name), `${name} was loaded`);
  });
}

// Each command below stops at a bad setting (exit 2), after its modules loaded.

test('weft agent loads the agent, and neither chdb, NestJS nor the Kubernetes client', () => {
  const run = runWeft(['agent', '--interval', '0']);
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /--interval/);
  assert.ok(run.loaded('@weft/agent'));
  for (const name of HEAVY) assert.ok(!run.loaded(name), `${name} was loaded`);
});

test('weft agent --kafka loads Kafka, and not the ingest tier\'s packages', () => {
  const run = runWeft(['agent', '--kafka', 'not a broker list']);
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /--kafka/);
  assert.ok(run.loaded('kafkajs'));
  for (const name of HEAVY) assert.ok(!run.loaded(name), `${name} was loaded`);
});

test('weft api loads NestJS and the store, not the BPF addon', () => {
  const run = runWeft(['api', '--api-addr', 'nope']);
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /--api-addr/);
  assert.ok(run.loaded('@nestjs/core'));
  assert.ok(!run.loaded('@weft/native'), '@weft/native was loaded');
});

test('weft ingest loads the ingest, not the BPF addon', () => {
  const run = runWeft(['ingest']);
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /--kafka/);
  assert.ok(run.loaded('@weft/ingest'));
  assert.ok(!run.loaded('@weft/native'), '@weft/native was loaded');
});
