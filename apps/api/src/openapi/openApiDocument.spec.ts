import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { OpenAPIObject } from '@nestjs/swagger';
import { startApiServer } from '../apiServer.js';
import { FakeEdgeQueries } from '../testing/fakeEdgeQueries.js';
import { MapQuerySchema } from '../map/mapDto.js';
import { ServiceIdParamSchema } from '../services/servicesDto.js';
import { startApiSpecHarness, type ApiSpecHarness } from '../testing/apiSpecHarness.js';
import type { ApiServer } from '../apiServer.js';
import { OpenApiResponses } from '../testing/openApiResponses.js';
import { TIME_PATTERN } from '../time/timeWindow.js';

let h: ApiSpecHarness;
let api: ApiServer;
let document: OpenAPIObject;
let responses: OpenApiResponses;
before(async () => {
  h = await startApiSpecHarness({ health: [{ name: 'store', check: () => ({ ok: true, details: { ping_ms: 1 } }) }] });
  api = h.api;
  const served = await fetch(`${api.url}/api/v1/openapi.json`);
  assert.equal(served.status, 200);
  assert.match(served.headers.get('content-type') ?? '', /^application\/json/);
  document = (await served.json()) as OpenAPIObject;
  responses = new OpenApiResponses(document);
});
after(async () => h.close());

async function get(path: string): Promise<{ status: number; contentType: string | null; body: unknown }> {
  const response = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${h.keys.alphaRead}` } });
  const contentType = response.headers.get('content-type');
  const text = await response.text();
  return { status: response.status, contentType, body: contentType?.startsWith('application/json') ? JSON.parse(text) : text };
}

describe('GET /api/v1/openapi.json', () => {
  it('is apps/api/openapi.json, which the web app\'s types are generated from (after a change: npm run openapi -w @weft/api, then npm run generate -w @weft/web)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8')) as unknown;
    assert.deepEqual(committed, document);
  });

  it('is the OpenAPI 3.1 document the server was started with, of every route', () => {
    assert.equal(document.openapi, '3.1.0');
    assert.deepEqual(JSON.parse(JSON.stringify(api.openApi)), document);
    const operations = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).filter((k) => k !== 'parameters').map((method) => `${method.toUpperCase()} ${path}`));
    assert.deepEqual(operations.sort(), [
      'DELETE /api/v1/keys/{id}', 'GET /api/v1/changes', 'GET /api/v1/edges/breakdown', 'GET /api/v1/edges/routes', 'GET /api/v1/edges/series', 'GET /api/v1/keys', 'GET /api/v1/map',
      'GET /api/v1/services', 'GET /api/v1/services/{id}', 'GET /api/v1/services/{id}/neighborhood', 'GET /api/v1/tenants', 'GET /healthz', 'GET /metrics',
      'POST /api/v1/keys', 'POST /api/v1/tenants', 'DELETE /api/v1/session', 'GET /api/v1/session', 'POST /api/v1/session',
    ].sort());
    assert.deepEqual(Object.keys(document.paths['/api/v1/map']?.get?.responses ?? {}).sort(), ['200', '400', '401', '403', '503']);
    assert.deepEqual(Object.keys(document.paths['/api/v1/services/{id}']?.get?.responses ?? {}).sort(), ['200', '400', '401', '403', '404', '503']);
    assert.deepEqual(Object.keys(document.paths['/api/v1/keys']?.post?.responses ?? {}).sort(), ['201', '400', '401', '403', '503']);
    assert.deepEqual(Object.keys(document.paths['/healthz']?.get?.responses ?? {}).sort(), ['200', '503']);
    assert.deepEqual(Object.keys(document.paths['/metrics']?.get?.responses ?? {}), ['200']);
  });

  it('declares the bearer key (or the web session cookie) on every /api/v1 operation but the session\'s start and end, and none on /healthz and /metrics', () => {
    assert.deepEqual(document.components?.securitySchemes?.apiKey, { type: 'http', scheme: 'bearer', bearerFormat: 'weft_<id>_<secret>', description: 'An API key of the tenant whose data is asked for, with the scope the operation needs' });
    assert.deepEqual(document.components?.securitySchemes?.webSession, { type: 'apiKey', in: 'cookie', name: 'weft_key', description: "The web app's session: the key POST /api/v1/session set in an http-only cookie" });
    const open = ['post /api/v1/session', 'delete /api/v1/session'];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item as Record<string, { security?: unknown }>)) {
        if (open.includes(`${method} ${path}`)) assert.equal(operation.security, undefined, `${method} ${path}`);
        else if (path.startsWith('/api/v1/')) assert.deepEqual(operation.security, [{ apiKey: [] }, { webSession: [] }], `${method} ${path}`);
        else assert.equal(operation.security, undefined, `${method} ${path}`);
      }
    }
  });

  it("documents the map's parameters as the controller validates them; its times are optional strings of TIME_PATTERN", () => {
    const parameters = (document.paths['/api/v1/map']?.get?.parameters ?? []) as Array<{ name: string; in: string; required?: boolean; schema: { type: string; pattern: string } }>;
    assert.deepEqual(parameters.map((p) => p.name), Object.keys(MapQuerySchema.shape));
    for (const p of parameters) {
      assert.equal(p.in, 'query');
      assert.equal(p.required, false);
      if (p.name === 'from' || p.name === 'to') {
        assert.equal(p.schema.type, 'string');
        assert.equal(p.schema.pattern, TIME_PATTERN);
      }
    }
    const minRate = parameters.find((p) => p.name === 'min_rate')?.schema as { type?: string; minimum?: number } | undefined;
    assert.equal(minRate?.type, 'number');
    assert.equal(minRate?.minimum, 0);
  });

  it('a real 200 answer matches the MapResponse schema, and the schema refuses what is not one', async () => {
    const answer = await get('/api/v1/map?from=1795000000&to=1795003600');
    assert.equal(answer.status, 200);
    assert.equal(responses.mismatch('/api/v1/map', 'get', answer.status, answer.contentType, answer.body), undefined);
    const edgeless = structuredClone(answer.body) as { edges: Array<Record<string, unknown>>; window: Record<string, unknown> };
    const edge = edgeless.edges[0] as Record<string, unknown>;
    for (const [key, bad] of [['port', 70_000], ['rtt_p50_us', 'fast'], ['bytes_sent', -1]] as const) {
      const changed = structuredClone(answer.body) as { edges: Array<Record<string, unknown>> };
      (changed.edges[0] as Record<string, unknown>)[key] = bad;
      assert.ok(responses.mismatch('/api/v1/map', 'get', 200, answer.contentType, changed), `${key}: ${String(bad)}`);
    }
    delete edge.source;
    assert.match(responses.mismatch('/api/v1/map', 'get', 200, answer.contentType, edgeless) ?? '', /source/);
    edgeless.window.resolution = 5;
    assert.ok(responses.mismatch('/api/v1/map', 'get', 200, answer.contentType, edgeless));
  });

  it("a page of services matches its schema, the last page's null next_cursor included: a string or null", async () => {
    const first = await get('/api/v1/services?limit=1');
    const last = await get('/api/v1/services');
    assert.equal(typeof (first.body as { next_cursor: unknown }).next_cursor, 'string');
    assert.equal((last.body as { next_cursor: unknown }).next_cursor, null);
    for (const answer of [first, last]) assert.equal(responses.mismatch('/api/v1/services', 'get', 200, answer.contentType, answer.body), undefined);
    for (const bad of [5, ['x'], {}]) assert.ok(responses.mismatch('/api/v1/services', 'get', 200, last.contentType, { ...(last.body as object), next_cursor: bad }), JSON.stringify(bad));
  });

  it('no DTO has a top-level field that zod writes with a list of types (the document generator would make it an array)', async () => {
    // nestjs-zod hands a DTO's top-level fields to @nestjs/swagger one by one, which reads type: ['string', 'null'] as
    // "an array of string"; such a field belongs in a registered component (servicesDto.ts, PageCursorSchema).
    const dist = fileURLToPath(new URL('..', import.meta.url));
    const modules = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => /Dto\.js$/.test(f));
    assert.ok(modules.length >= 8, modules.join(', '));
    const listed: string[] = [];
    for (const file of modules) {
      for (const [name, value] of Object.entries((await import(pathToFileURL(join(dist, file)).href)) as Record<string, unknown>)) {
        if (typeof value !== 'function' || !('isZodDto' in value) || !('schema' in value)) continue;
        for (const io of ['input', 'output'] as const) {
          const json = z.toJSONSchema(value.schema as z.ZodType, { io, unrepresentable: 'any' }) as { properties?: Record<string, { type?: unknown }> };
          for (const [field, schema] of Object.entries(json.properties ?? {})) if (Array.isArray(schema.type)) listed.push(`${name}.${field} (${io})`);
        }
      }
    }
    assert.deepEqual(listed, []);
  });

  it('documents /services/{id} with the pattern its validator applies: any id without control characters but the dot segments . and ..', () => {
    for (const path of ['/api/v1/services/{id}', '/api/v1/services/{id}/neighborhood']) {
      const parameter = ((document.paths[path]?.get?.parameters ?? []) as Array<{ name: string; in: string; schema: { pattern: string; minLength: number; maxLength: number } }>).find((p) => p.name === 'id');
      if (parameter === undefined) assert.fail(`${path} documents no id`);
      assert.equal(parameter.in, 'path', path);
      const pattern = new RegExp(parameter.schema.pattern, 'u');
      for (const id of ['.', '..', '...', '.a', 'a.', '..a', 'a', 'k8s:shop/Deployment/web', '%', '/', '💩', 'a\u0000', '\u007f', 'x'.repeat(1000), 'x'.repeat(1001), '']) {
        const documented: boolean = pattern.test(id) && id.length >= parameter.schema.minLength && id.length <= parameter.schema.maxLength;
        assert.equal(documented, ServiceIdParamSchema.safeParse({ id }).success, `${path} ${JSON.stringify(id.slice(0, 20))}`);
      }
      assert.equal(pattern.test('.') || pattern.test('..'), false);
    }
  });

  it('every 400 names the parameter and matches the error schema; what the pattern refuses is refused', async () => {
    const pattern = new RegExp(TIME_PATTERN);
    const queries: Array<[string, string]> = [
      ['colour=red', 'colour'], ['from=1&from=2', 'from'], ['to=now&to=now&to=now', 'to'], ['from=yesterday', 'from'], ['to=%20now', 'to'],
      ['from=2026-13-45', 'from'], ['from=2026-02-30', 'from'], ['to=4294967296', 'to'], ['from=now&to=now-1h', 'from'], ['from[a]=1', 'from[a]'],
    ];
    for (const [query, parameter] of queries) {
      const answer = await get(`/api/v1/map?${query}`);
      assert.equal(answer.status, 400, query);
      assert.equal((answer.body as { parameter: string }).parameter, parameter, query);
      assert.equal(responses.mismatch('/api/v1/map', 'get', 400, answer.contentType, answer.body), undefined, query);
      const value = new URLSearchParams(query).get(parameter);
      if (Object.keys(MapQuerySchema.shape).includes(parameter) && value !== null && !pattern.test(value)) assert.match((answer.body as { error: string }).error, /cannot read/, query);
    }
  });

  it('/healthz (200 and 503) and /metrics answer as documented', async () => {
    const healthy = await get('/healthz');
    assert.equal(healthy.status, 200);
    assert.equal(responses.mismatch('/healthz', 'get', 200, healthy.contentType, healthy.body), undefined);
    const metrics = await get('/metrics');
    assert.equal(metrics.status, 200);
    assert.equal(responses.mismatch('/metrics', 'get', 200, metrics.contentType, metrics.body), undefined);

    const sick = await startApiServer(new FakeEdgeQueries({}), h.control, { host: '127.0.0.1', port: 0, health: [{ name: 'store', check: () => ({ ok: false, reason: 'gone' }) }] });
    try {
      const response = await fetch(`${sick.url}/healthz`);
      assert.equal(response.status, 503);
      assert.equal(responses.mismatch('/healthz', 'get', 503, response.headers.get('content-type'), await response.json()), undefined);
    } finally {
      await sick.close();
    }
  });

  it('a method the document does not list on its path is a 405 with Allow', async () => {
    for (const path of ['/api/v1/map', '/healthz', '/metrics', '/api/v1/services/x', '/api/v1/tenants']) {
      const response = await fetch(`${api.url}${path}`, { method: 'PUT' });
      assert.equal(response.status, 405, path);
      assert.equal(response.headers.get('allow'), path === '/api/v1/tenants' ? 'GET, POST, HEAD' : 'GET, HEAD', path);
    }
    assert.equal((await fetch(`${api.url}/api/v1/keys/abcdefghijkl`, { method: 'GET' })).headers.get('allow'), 'DELETE');
    assert.equal((await fetch(`${api.url}/api/v1/map`, { method: 'HEAD', headers: { authorization: `Bearer ${h.keys.alphaRead}` } })).status, 200);
    assert.equal((await fetch(`${api.url}/api/v1/nothing`, { method: 'POST' })).status, 404);
  });
});
