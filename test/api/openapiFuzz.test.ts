/**
 * `weft api` against its own OpenAPI document, over a real store (embedded
 * ClickHouse) and a real control store (SQLite) whose first tenant's admin key
 * (every scope) the test makes: Schemathesis (from PyPI, installed by
 * scripts/setup.sh into .weft/venv) generates requests from
 * /api/v1/openapi.json, a bounded number per operation and from a fixed seed,
 * with that key, and checks every answer against the document (--checks all:
 * no 5xx, documented statuses, content types and schemas, schema-invalid
 * requests refused, requests without the key refused, undocumented methods
 * 405). Then the project's own hostile inputs on every endpoint: each is a 400
 * naming the parameter (or the endpoint's answer), never a 5xx, and its body is
 * what the document says that status answers with.
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
import { openControlStore } from '@weft/control';
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
/** The first tenant's admin key: every scope. */
let key: string;
/** A key of the same tenant with the read scope only. */
let readOnlyKey: string;

before(async () => {
  assert.ok(existsSync(SCHEMATHESIS), `${SCHEMATHESIS} is missing (scripts/setup.sh installs it)`);
  root = mkdtempSync(join(tmpdir(), 'weft-openapi-fuzz-'));
  // The keys, made in the control store `weft api` then opens (<data dir>/control.db), as `weft up` would on its first start.
  const control = await openControlStore({ kind: 'sqlite', path: join(root, 'data', 'control.db') });
  try {
    key = (await control.ensureFirstTenant()) ?? assert.fail('a fresh control store has a first tenant to make');
    const tenant = (await control.firstTenant()) ?? assert.fail('the first tenant');
    readOnlyKey = (await control.createKey({ tenantId: tenant.id, name: 'fuzz reader', scopes: ['read'] })).plaintext;
  } finally {
    await control.close();
  }
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

test('Schemathesis finds nothing the document and the API disagree on', { timeout: 600_000 }, async (t) => {
  const args = [
    '--config-file', CONFIG,
    'run', `${url}/api/v1/openapi.json`,
    '--header', `Authorization: Bearer ${key}`,
    '--checks', 'all',
    '--max-examples', String(MAX_EXAMPLES),
    '--seed', String(SEED),
    '--generation-database', 'none',
    '--request-timeout', '10',
    '--no-color',
  ];
  const started = Date.now();
  const { code, output } = await run(SCHEMATHESIS, args, { cwd: root, timeoutMs: 570_000 });
  // The key is not repeated in the test's output.
  const shown = (text: string): string => text.replaceAll(key, 'weft_<first admin key>');
  t.diagnostic(shown(`schemathesis ${args.join(' ')}: exit ${code} in ${Date.now() - started} ms; ${/\d+ generated, [^\n]*/.exec(output)?.[0] ?? ''}`));
  assert.equal(code, 0, shown(output.split('\n').slice(-120).join('\n')));
  assert.match(output, /Operations:\s+18 selected \/ 18 total/);
  assert.doesNotMatch(output, /\b[1-9]\d* (failed|errored)\b/);
});

type Pair = readonly [name: string, value: string];
/** A query of pairs, each name and value percent-encoded (as a client would send them). */
const query = (pairs: readonly Pair[]): string => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

/** Of the time parameters: [why, the query's pairs, the parameter its 400 names (null: the endpoint's answer)]. */
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


/** Of the parameters that are names, numbers and cursors. */
const SQL = ["x' OR '1'='1", "x'; DROP TABLE edges_1s; --", "x' UNION SELECT name FROM system.tables --", 'x\\\' OR 1=1 --', '%', '_', '*'];
const UNICODE = ['２０２６', '١٧٩٥', '💩', '\u202ecart', 'ﬁ', 'İstanbul', 'a\u0301'];
const HUGE = ['4294967296', '18446744073709551616', '-1', '1e3', '0x10', '9'.repeat(8000)];

interface Endpoint {
  path: string;
  /** Pairs every request has (required parameters). */
  base: Pair[];
  /** What it answers to an ordinary request on an empty store. */
  ok: number;
  /** Takes from and to. */
  times: boolean;
  /** [why, pairs, parameter or null] of its own. */
  own: Array<[string, Pair[], string | null]>;
  /** Parameters it takes that the time cases use as unknown ones (there, a request it answers). */
  takes?: string[];
}

const EDGE: Pair[] = [['source', 'k8s:shop/Deployment/web'], ['target', 'k8s:shop/Deployment/cart']];
const ENDPOINTS: Endpoint[] = [
  {
    path: '/api/v1/map', base: [], ok: 200, times: true,
    own: [
      ...SQL.map((v): [string, Pair[], null] => [`SQL in service ${v}`, [['service', v]], null]),
      ...SQL.map((v): [string, Pair[], null] => [`SQL in namespace ${v}`, [['namespace', v]], null]),
      ...UNICODE.map((v): [string, Pair[], null] => [`unicode service ${v}`, [['service', v]], null]),
      ...HUGE.map((v): [string, Pair[], string | null] => [`min_rate ${v.slice(0, 20)}`, [['min_rate', v]], v === '4294967296' ? null : 'min_rate']),
      ['NUL in namespace', [['namespace', 'a\u0000b']], 'namespace'],
      ['group_by SQL', [['group_by', "zone' OR 1=1"]], 'group_by'],
      ['group_by twice', [['group_by', 'zone'], ['group_by', 'zone']], 'group_by'],
      ['every filter', [['namespace', 'shop'], ['service', 'cart*'], ['min_rate', '0.5'], ['group_by', 'namespace']], null],
    ],
  },
  {
    path: '/api/v1/services', base: [], ok: 200, times: false,
    own: [
      ...SQL.map((v): [string, Pair[], null] => [`SQL in q ${v}`, [['q', v]], null]),
      ...UNICODE.map((v): [string, Pair[], null] => [`unicode q ${v}`, [['q', v]], null]),
      ...HUGE.map((v): [string, Pair[], string] => [`limit ${v.slice(0, 20)}`, [['limit', v]], 'limit']),
      ['NUL in q', [['q', 'a\u0000']], 'q'],
      ['8000 letters of q', [['q', 'a'.repeat(8000)]], 'q'],
      ['SQL in cursor', [['cursor', "1' OR '1'='1"]], 'cursor'],
      ['a cursor never given', [['cursor', 'bm90IGEgY3Vyc29y']], 'cursor'],
      ['unicode cursor', [['cursor', '💩']], 'cursor'],
      ['from is not a search parameter', [['from', 'now-1h']], 'from'],
      ['limit twice', [['limit', '1'], ['limit', '1']], 'limit'],
      ['the defaults', [], null],
      ['the most', [['q', ''], ['limit', '1000']], null],
    ],
  },
  ...[`/api/v1/services/${encodeURIComponent("k8s:shop/Deployment/web' OR '1'='1")}`, `/api/v1/services/${encodeURIComponent('💩')}`, `/api/v1/services/${encodeURIComponent('x'.repeat(1000))}`].map((path): Endpoint => ({ path, base: [], ok: 404, times: true, own: [] })),
  {
    path: `/api/v1/services/${encodeURIComponent('host:curl')}/neighborhood`, base: [], ok: 404, times: true,
    own: [
      ...HUGE.map((v): [string, Pair[], string] => [`depth ${v.slice(0, 20)}`, [['depth', v]], 'depth']),
      ['depth 0', [['depth', '0']], 'depth'],
      ['depth 6', [['depth', '6']], 'depth'],
      ['direction SQL', [['direction', "in' OR 1=1"]], 'direction'],
      ['depth 5 both ways', [['depth', '5'], ['direction', 'both']], null],
    ],
  },
  {
    path: '/api/v1/edges/series', base: EDGE, ok: 200, times: true,
    own: [
      ...SQL.map((v): [string, Pair[], null] => [`SQL in source ${v}`, [['source', v], ['target', 'b']], null]),
      ...UNICODE.map((v): [string, Pair[], null] => [`unicode target ${v}`, [['source', 'a'], ['target', v]], null]),
      ...HUGE.map((v): [string, Pair[], string] => [`port ${v.slice(0, 20)}`, [...EDGE, ['port', v]], 'port']),
      ...HUGE.map((v): [string, Pair[], string] => [`step ${v.slice(0, 20)}`, [...EDGE, ['step', v]], 'step']),
      ['no source', [['target', 'b']], 'source'],
      ['step 1 over a week', [...EDGE, ['from', 'now-7d'], ['step', '1']], 'step'],
      ['a week of hours', [...EDGE, ['from', 'now-7d'], ['step', '3600'], ['port', '443']], null],
      ['up to the last second, in weeks', [...EDGE, ['from', '4294000000'], ['to', '4294967295'], ['step', '604800']], 'to'],
    ],
  },
  {
    path: '/api/v1/edges/breakdown', base: [...EDGE, ['by', 'server_version']], ok: 200, times: true,
    own: [
      ...SQL.map((v): [string, Pair[], null] => [`SQL in target ${v}`, [['source', 'a'], ['target', v], ['by', 'client_node']], null]),
      ['by SQL', [...EDGE, ['by', "server_version' OR 1=1"]], 'by'],
      ['by unicode', [...EDGE, ['by', 'server_versión']], 'by'],
      ['no by', EDGE, 'by'],
      ...['client_version', 'server_version', 'client_instance', 'server_instance', 'client_zone', 'server_zone', 'client_node', 'server_node', 'client_process', 'server_process', 'server_port'].map((by): [string, Pair[], null] => [`by ${by}`, [...EDGE, ['by', by]], null]),
    ],
  },
  {
    path: '/api/v1/edges/routes', base: EDGE, ok: 200, times: true, takes: ['limit'],
    own: [
      ...SQL.map((v): [string, Pair[], null] => [`SQL in source ${v}`, [['source', v], ['target', 'b']], null]),
      ...UNICODE.map((v): [string, Pair[], null] => [`unicode target ${v}`, [['source', 'a'], ['target', v]], null]),
      ...HUGE.map((v): [string, Pair[], string] => [`limit ${v.slice(0, 20)}`, [...EDGE, ['limit', v]], 'limit']),
      ...HUGE.map((v): [string, Pair[], string] => [`port ${v.slice(0, 20)}`, [...EDGE, ['port', v]], 'port']),
      ['limit 0', [...EDGE, ['limit', '0']], 'limit'],
      ['limit 1001', [...EDGE, ['limit', '1001']], 'limit'],
      ['limit twice', [...EDGE, ['limit', '1'], ['limit', '1']], 'limit'],
      ['limit SQL', [...EDGE, ['limit', "1' OR 1=1"]], 'limit'],
      ['no target', [['source', 'a']], 'target'],
      ['by is the breakdown\'s', [...EDGE, ['by', 'server_version']], 'by'],
      ['limit 1, every port', [...EDGE, ['limit', '1']], null],
      ['the most, a week back', [...EDGE, ['limit', '1000'], ['port', '443'], ['from', 'now-7d']], null],
    ],
  },
  {
    path: '/api/v1/changes', base: [], ok: 200, times: true,
    own: [
      ...HOSTILE.filter(([, pairs]) => pairs.length === 1 && (pairs[0]?.[0] === 'from' || pairs[0]?.[0] === 'to')).map(([why, pairs, parameter]): [string, Pair[], string | null] => [`baseline: ${why}`, pairs.map(([k, v]) => [`baseline_${k}`, v] as const), parameter === null ? null : `baseline_${parameter}`]),
      ['a reversed baseline', [['baseline_from', 'now-1h'], ['baseline_to', 'now-2h']], 'baseline_from'],
      ['no time before from for a baseline', [['from', '0'], ['to', '60']], 'from'],
      ['a baseline a day back', [['from', 'now-1h'], ['baseline_from', 'now-25h'], ['baseline_to', 'now-24h']], null],
    ],
  },
];

test("the project's hostile inputs on every endpoint: a 400 naming the parameter (or its answer), never a 5xx, each as documented", async () => {
  for (const endpoint of ENDPOINTS) {
    const documentedPath = endpoint.path.startsWith('/api/v1/services/') ? (endpoint.path.endsWith('/neighborhood') ? '/api/v1/services/{id}/neighborhood' : '/api/v1/services/{id}') : endpoint.path;
    // A parameter the endpoint takes is no unknown one there: the case is a request it answers.
    const known = (parameter: string | null): string | null => (parameter !== null && endpoint.takes?.includes(parameter) ? null : parameter);
    const cases = [...(endpoint.times ? HOSTILE.map(([why, pairs, parameter]): [string, Pair[], string | null] => [why, [...endpoint.base, ...pairs], known(parameter)]) : []), ...endpoint.own];
    for (const [why, pairs, parameter] of cases) {
      const response = await fetch(`${url}${endpoint.path}?${query(pairs)}`, { headers: { authorization: `Bearer ${readOnlyKey}` } });
      const text = await response.text();
      const label = `${endpoint.path.slice(0, 80)} ${why}: ${response.status} ${text.slice(0, 200)}`;
      assert.ok(response.status < 500, label);
      assert.equal(response.status, parameter === null ? endpoint.ok : 400, label);
      const body = JSON.parse(text) as { parameter?: string };
      if (parameter !== null) assert.equal(body.parameter, parameter, label);
      assert.equal(responses.mismatch(documentedPath, 'get', response.status, response.headers.get('content-type'), body), undefined, label);
    }
  }
  // Raw bytes no client library would send: broken percent-encodings, a bare %, invalid UTF-8 (an encoded lone surrogate).
  const auth = { headers: { authorization: `Bearer ${readOnlyKey}` } };
  for (const raw of ['from=%', 'from=%ZZ', 'from=%E0%A4%A', 'from=%FF%FE', 'from=%ED%A0%80', '%=1', 'from=now&&&to=now-1h&']) {
    const response = await fetch(`${url}/api/v1/map?${raw}`, auth);
    const body = (await response.json()) as { parameter?: string };
    assert.equal(response.status, 400, raw);
    assert.ok(body.parameter !== undefined, raw);
    assert.equal(responses.mismatch('/api/v1/map', 'get', 400, response.headers.get('content-type'), body), undefined, raw);
  }
  for (const raw of ['%', '%ZZ', '%E0%A4%A', '%FF%FE', '%ED%A0%80']) {
    const response = await fetch(`${url}/api/v1/services/${raw}`, auth);
    const body = (await response.json()) as { parameter?: string };
    assert.equal(response.status, 400, raw);
    assert.equal(body.parameter, 'id', raw);
    assert.equal(responses.mismatch('/api/v1/services/{id}', 'get', 400, response.headers.get('content-type'), body), undefined, raw);
  }
  // A request line past Node's 16 KiB header limit is refused by the HTTP server before the API sees it: 431, not a 5xx.
  const huge = await fetch(`${url}/api/v1/map?from=${'9'.repeat(20_000)}`, auth);
  assert.equal(huge.status, 431);
});

test('hostile bodies and keys: a 400 naming the field, a 401 or 403, never a 5xx, each as documented', async () => {
  const post = async (path: string, body: string, bearer: string | null): Promise<{ status: number; body: Record<string, unknown>; contentType: string | null }> => {
    const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(bearer === null ? {} : { authorization: bearer }) }, body });
    return { status: response.status, body: (await response.json()) as Record<string, unknown>, contentType: response.headers.get('content-type') };
  };
  const bodies: Array<[string, string, string, number, string | null]> = [
    ['/api/v1/keys', JSON.stringify({ name: "x' OR '1'='1", scopes: ['read'] }), 'SQL in a name is a name', 201, null],
    ['/api/v1/keys', JSON.stringify({ name: '💩 \u202e ﬁ', scopes: ['read'] }), 'unicode in a name', 201, null],
    ['/api/v1/keys', JSON.stringify({ name: 'nul\u0000', scopes: ['read'] }), 'NUL in a name', 400, 'name'],
    ['/api/v1/keys', JSON.stringify({ name: 'x'.repeat(8000), scopes: ['read'] }), '8000 letters', 400, 'name'],
    ['/api/v1/keys', JSON.stringify({ name: 'x', scopes: ["read' OR 1=1"] }), 'SQL in a scope', 400, 'scopes'],
    ['/api/v1/keys', '{"name":"x","scopes":["read"],"__proto__":{"admin":true}}', '__proto__', 400, '__proto__'],
    ['/api/v1/keys', '{"name":"x","scopes":["read"],"constructor":{"prototype":{}}}', 'constructor', 400, 'constructor'],
    ['/api/v1/keys', JSON.stringify({ name: { $ne: '' }, scopes: ['read'] }), 'an object for a name', 400, 'name'],
    ['/api/v1/keys', JSON.stringify({ name: 'x', scopes: Array.from({ length: 10_000 }, () => 'read') }), '10,000 scopes', 400, 'scopes'],
    ['/api/v1/keys', '{"name":"x","name":"y","scopes":["read"]}', 'a repeated field (JSON keeps the last)', 201, null],
    ['/api/v1/keys', '[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]', 'deep nesting', 400, 'body'],
    ['/api/v1/keys', '"weft"', 'a string body', 400, 'body'],
    ['/api/v1/keys', '', 'an empty body (no fields)', 400, 'name'],
    ['/api/v1/tenants', JSON.stringify({ name: "acme'; DROP TABLE tenants; --" }), 'SQL in a tenant name is a name', 201, null],
    ['/api/v1/tenants', JSON.stringify({ name: "acme'; DROP TABLE tenants; --" }), 'the same name again', 409, null],
    ['/api/v1/tenants', JSON.stringify({ name: 4294967296 }), 'a number for a name', 400, 'name'],
  ];
  for (const [path, body, why, status, parameter] of bodies) {
    const answer = await post(path, body, `Bearer ${key}`);
    const label = `${path} ${why}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`;
    assert.equal(answer.status, status, label);
    if (parameter !== null) assert.equal(answer.body.parameter, parameter, label);
    assert.equal(responses.mismatch(path, 'post', answer.status, answer.contentType, answer.body), undefined, label);
  }
  const someKey = `weft_abcdefghijkl_${'A'.repeat(43)}`;
  const credentials: Array<[string | null, number]> = [
    [null, 401], ['', 401], ['Bearer', 401], ['Bearer ', 401], [`Bearer ${someKey}`, 401], [`bearer ${someKey}`, 401], [`Basic ${someKey}`, 401],
    [`Bearer ${key}x`, 401], [`Bearer ${key.slice(0, -1)}`, 401], [`Bearer ${key} ${key}`, 401], ["Bearer ' OR '1'='1", 401], [`Bearer weft_${'a'.repeat(12)}_${'é'.repeat(43)}`, 401],
    [`Bearer ${readOnlyKey}`, 403],
  ];
  for (const [authorization, status] of credentials) {
    const answer = await post('/api/v1/keys', JSON.stringify({ name: 'x', scopes: ['read'] }), authorization);
    const label = `${JSON.stringify(authorization?.replaceAll(key, '<key>').slice(0, 60))}: ${answer.status} ${JSON.stringify(answer.body)}`;
    assert.equal(answer.status, status, label);
    assert.equal(responses.mismatch('/api/v1/keys', 'post', answer.status, answer.contentType, answer.body), undefined, label);
  }
});
