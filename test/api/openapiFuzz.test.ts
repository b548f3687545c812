/**
 * `weft api` against its own OpenAPI document: Schemathesis (from PyPI,
 * installed by scripts/setup.sh into .weft/venv) generates requests from
 * /api/v1/openapi.json, a bounded number per operation and from a fixed seed,
 * and checks every answer against the document (--checks all: no 5xx,
 * documented statuses, content types and schemas, schema-invalid requests
 * refused, undocumented methods 405). Then the project's own hostile inputs:
 * each is a 400 naming the parameter (or a 200), never a 5xx, and its body
 * is what the document says that status answers with.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { OpenAPIObject } from '@nestjs/swagger';
import { OpenApiResponses } from '@weft/api/testing';
import { freeLoopbackPort } from '../fixtures/loopbackPort.js';
import { WeftProcess } from '../fixtures/weftProcess.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SCHEMATHESIS = join(repoRoot, '.weft/venv/bin/schemathesis');
const CONFIG = join(repoRoot, 'test/api/schemathesis.toml');
/** Examples per operation, and the seed: the same requests each run, done in seconds. */
const MAX_EXAMPLES = 50;
const SEED = 20261123;

let root: string;
let api: WeftProcess | undefined;
let url: string;
let responses: OpenApiResponses;

before(async () => {
  assert.ok(existsSync(SCHEMATHESIS), `${SCHEMATHESIS} is missing (scripts/setup.sh installs it)`);
  root = mkdtempSync(join(tmpdir(), 'weft-openapi-fuzz-'));
  const port = await freeLoopbackPort();
  api = await WeftProcess.start(['api', '--data-dir', join(root, 'data'), '--api-addr', `127.0.0.1:${port}`], /API at http/);
  url = `http://127.0.0.1:${port}`;
  const served = await fetch(`${url}/api/v1/openapi.json`);
  assert.equal(served.status, 200);
  responses = new OpenApiResponses((await served.json()) as OpenAPIObject);
});

after(async () => {
  await api?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

function run(command: string, args: string[], options: { cwd: string; timeoutMs: number }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    // Loopback only: no proxy from the environment, no telemetry, no colours.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(https?_proxy|all_proxy|no_proxy|SCHEMATHESIS_)/i.test(k)));
    const child = spawn(command, args, { cwd: options.cwd, env: { ...env, SCHEMATHESIS_TELEMETRY: 'false', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output });
    });
  });
}

test('Schemathesis finds nothing the document and the API disagree on', { timeout: 180_000 }, async (t) => {
  const args = [
    '--config-file', CONFIG,
    'run', `${url}/api/v1/openapi.json`,
    '--checks', 'all',
    '--max-examples', String(MAX_EXAMPLES),
    '--seed', String(SEED),
    '--generation-database', 'none',
    '--request-timeout', '10',
    '--no-color',
  ];
  const started = Date.now();
  const { code, output } = await run(SCHEMATHESIS, args, { cwd: root, timeoutMs: 150_000 });
  t.diagnostic(`schemathesis ${args.join(' ')}: exit ${code} in ${Date.now() - started} ms; ${/\d+ generated, [^\n]*/.exec(output)?.[0] ?? ''}`);
  assert.equal(code, 0, output.split('\n').slice(-80).join('\n'));
  assert.match(output, /Operations:\s+3 selected \/ 3 total/);
  assert.doesNotMatch(output, /\b[1-9]\d* (failed|errored)\b/);
});

type Pair = readonly [name: string, value: string];
/** A query of pairs, each name and value percent-encoded (as a client would send them). */
const query = (pairs: readonly Pair[]): string => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

/** [why, the query's pairs, the parameter its 400 names (null: a 200)]. */
const HOSTILE: Array<[string, Pair[], string | null]> = [
  ['SQL in from', [['from', "1' OR '1'='1"]], 'from'],
  ['SQL in to', [['to', '1; DROP TABLE edges_1s; --']], 'to'],
  ['SQL union', [['from', "now' UNION SELECT name FROM system.tables --"]], 'from'],
  ['SQL in a parameter name', [["from' OR 1=1 --", 'now']], "from' OR 1=1 --"],
  ['2^32 seconds', [['from', '4294967296']], 'from'],
  ['2^32 - 1 is the last second, 2^32 past it', [['from', '4294967295'], ['to', '4294967296']], 'to'],
  ['2^64', [['to', '18446744073709551616']], 'to'],
  ['2^64 as milliseconds of nothing', [['from', '18446744073709551616000']], 'from'],
  ['negative', [['from', '-4294967296']], 'from'],
  ['now minus 2^64 weeks', [['from', 'now-18446744073709551616w']], 'from'],
  ['month 13, day 45', [['from', '2026-13-45']], 'from'],
  ['0000-00-00', [['to', '0000-00-00']], 'to'],
  ['30 February', [['from', '2026-02-30T00:00:00Z']], 'from'],
  ['hour 25', [['from', '2026-11-23T25:00:00Z']], 'from'],
  ['before 1970', [['from', '1969-12-31T23:59:59Z']], 'from'],
  ['the year 275760', [['to', '+275760-09-13T00:00:00Z']], 'to'],
  ['fullwidth digits', [['from', '２０２６-11-23']], 'from'],
  ['Arabic-Indic digits', [['from', '١٧٩٥٠٠٠٠٠٠']], 'from'],
  ['emoji', [['to', '💩']], 'to'],
  ['right-to-left override', [['from', '\u202enow-1h']], 'from'],
  ['NUL', [['from', 'now\u0000']], 'from'],
  ['unicode parameter name', [['från', 'now']], 'från'],
  ['8000 digits', [['from', '9'.repeat(8000)]], 'from'],
  ['8000 letters', [['to', 'a'.repeat(8000)]], 'to'],
  ['a 4000-character parameter name', [['x'.repeat(4000), '1']], 'x'.repeat(4000)],
  ['repeated from', [['from', 'a'], ['from', 'b']], 'from'],
  ['repeated to, the same value', [['to', 'now'], ['to', 'now']], 'to'],
  ['repeated thrice', [['from', 'now-1h'], ['from', 'now-1h'], ['from', 'now-1h']], 'from'],
  ['unknown parameter', [['colour', 'red']], 'colour'],
  ['unknown beside known ones', [['from', 'now-1h'], ['to', 'now'], ['limit', '10']], 'limit'],
  ['FROM is not from', [['FROM', 'now-1h']], 'FROM'],
  ['__proto__', [['__proto__', 'x']], '__proto__'],
  ['constructor', [['constructor', 'x']], 'constructor'],
  ['brackets', [['from[]', 'now']], 'from[]'],
  ['an empty name', [['', 'now']], ''],
  ['the defaults', [], null],
  ['empty values are the defaults', [['from', ''], ['to', '']], null],
  ['an ordinary window', [['from', 'now-1h'], ['to', 'now']], null],
];

test("the project's hostile inputs: a 400 naming the parameter (or a 200), never a 5xx, each as documented", async () => {
  for (const [why, pairs, parameter] of HOSTILE) {
    const response = await fetch(`${url}/api/v1/map?${query(pairs)}`);
    const text = await response.text();
    const label = `${why}: ${response.status} ${text.slice(0, 200)}`;
    assert.ok(response.status < 500, label);
    assert.equal(response.status, parameter === null ? 200 : 400, label);
    const body = JSON.parse(text) as { parameter?: string };
    if (parameter !== null) assert.equal(body.parameter, parameter, label);
    assert.equal(responses.mismatch('/api/v1/map', 'get', response.status, response.headers.get('content-type'), body), undefined, label);
  }
  // Raw bytes no client library would send: broken percent-encodings, a bare %, invalid UTF-8 (an encoded lone surrogate).
  for (const raw of ['from=%', 'from=%ZZ', 'from=%E0%A4%A', 'from=%FF%FE', 'from=%ED%A0%80', '%=1', 'from=now&&&to=now-1h&']) {
    const response = await fetch(`${url}/api/v1/map?${raw}`);
    const body = (await response.json()) as { parameter?: string };
    assert.equal(response.status, 400, raw);
    assert.ok(body.parameter !== undefined, raw);
    assert.equal(responses.mismatch('/api/v1/map', 'get', 400, response.headers.get('content-type'), body), undefined, raw);
  }
  // A request line past Node's 16 KiB header limit is refused by the HTTP server before the API sees it: 431, not a 5xx.
  const huge = await fetch(`${url}/api/v1/map?from=${'9'.repeat(20_000)}`);
  assert.equal(huge.status, 431);
});
