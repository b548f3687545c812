import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { OpenAPIObject } from '@nestjs/swagger';
import { startApiServer, type ApiServer } from '../apiServer.js';
import { MapQuerySchema } from '../map/mapDto.js';
import type { ServiceMapReader } from '../map/serviceMapReader.js';
import { OpenApiResponses } from '../testing/openApiResponses.js';
import { TIME_PATTERN } from '../time/timeWindow.js';

const reader: ServiceMapReader = {
  async readServiceMap() {
    return {
      resolution: 60,
      services: [
        { service: 'k8s:shop/Deployment/web', name: 'web', namespace: 'shop', kind: 'Deployment' },
        { service: 'host:nginx', name: 'nginx', namespace: '', kind: '' },
      ],
      edges: [
        {
          client_service: 'k8s:shop/Deployment/web', server_service: 'host:nginx', server_port: 443,
          connections_opened: 3, connections_failed: 1, connections_active: 0.5, bytes_sent: 300, bytes_received: 9000,
          retransmits: 2, resets: 0, rtt_p50_us: null, rtt_p99_us: 900.5,
        },
      ],
    };
  },
};

let api: ApiServer;
let document: OpenAPIObject;
let responses: OpenApiResponses;
before(async () => {
  api = await startApiServer(reader, { host: '127.0.0.1', port: 0, health: [{ name: 'store', check: () => ({ ok: true, details: { ping_ms: 1 } }) }] });
  const served = await fetch(`${api.url}/api/v1/openapi.json`);
  assert.equal(served.status, 200);
  assert.match(served.headers.get('content-type') ?? '', /^application\/json/);
  document = (await served.json()) as OpenAPIObject;
  responses = new OpenApiResponses(document);
});
after(async () => api.close());

async function get(path: string): Promise<{ status: number; contentType: string | null; body: unknown }> {
  const response = await fetch(`${api.url}${path}`);
  const contentType = response.headers.get('content-type');
  const text = await response.text();
  return { status: response.status, contentType, body: contentType?.startsWith('application/json') ? JSON.parse(text) : text };
}

describe('GET /api/v1/openapi.json', () => {
  it('is the OpenAPI 3.1 document the server was started with, of every route', () => {
    assert.equal(document.openapi, '3.1.0');
    assert.deepEqual(JSON.parse(JSON.stringify(api.openApi)), document);
    assert.deepEqual(Object.keys(document.paths).sort(), ['/api/v1/map', '/healthz', '/metrics']);
    for (const item of Object.values(document.paths)) assert.deepEqual(Object.keys(item).filter((k) => k !== 'parameters'), ['get']);
    assert.deepEqual(Object.keys(document.paths['/api/v1/map']?.get?.responses ?? {}).sort(), ['200', '400']);
    assert.deepEqual(Object.keys(document.paths['/healthz']?.get?.responses ?? {}).sort(), ['200', '503']);
    assert.deepEqual(Object.keys(document.paths['/metrics']?.get?.responses ?? {}), ['200']);
  });

  it("documents the map's parameters as the controller validates them: from and to, optional strings of TIME_PATTERN", () => {
    const parameters = (document.paths['/api/v1/map']?.get?.parameters ?? []) as Array<{ name: string; in: string; required?: boolean; schema: { type: string; pattern: string } }>;
    assert.deepEqual(parameters.map((p) => p.name), Object.keys(MapQuerySchema.shape));
    for (const p of parameters) {
      assert.equal(p.in, 'query');
      assert.equal(p.required, false);
      assert.equal(p.schema.type, 'string');
      assert.equal(p.schema.pattern, TIME_PATTERN);
    }
  });

  it('a real 200 answer matches the MapResponse schema, and the schema refuses what is not one', async () => {
    const answer = await get('/api/v1/map?from=1795000000&to=1795003600');
    assert.equal(answer.status, 200);
    assert.equal(responses.mismatch('/api/v1/map', 'get', answer.status, answer.contentType, answer.body), undefined);
    const edgeless = structuredClone(answer.body) as { edges: Array<Record<string, unknown>>; window: Record<string, unknown> };
    const edge = edgeless.edges[0] as Record<string, unknown>;
    for (const [key, bad] of [['port', 70_000], ['rtt_p50_us', 'fast'], ['bytes_sent', -1], ['colour', 'red']] as const) {
      const changed = structuredClone(answer.body) as { edges: Array<Record<string, unknown>> };
      (changed.edges[0] as Record<string, unknown>)[key] = bad;
      assert.ok(responses.mismatch('/api/v1/map', 'get', 200, answer.contentType, changed), `${key}: ${String(bad)}`);
    }
    delete edge.source;
    assert.match(responses.mismatch('/api/v1/map', 'get', 200, answer.contentType, edgeless) ?? '', /source/);
    edgeless.window.resolution = 5;
    assert.ok(responses.mismatch('/api/v1/map', 'get', 200, answer.contentType, edgeless));
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

    const sick = await startApiServer(reader, { host: '127.0.0.1', port: 0, health: [{ name: 'store', check: () => ({ ok: false, reason: 'gone' }) }] });
    try {
      const response = await fetch(`${sick.url}/healthz`);
      assert.equal(response.status, 503);
      assert.equal(responses.mismatch('/healthz', 'get', 503, response.headers.get('content-type'), await response.json()), undefined);
    } finally {
      await sick.close();
    }
  });

  it('a method the document does not list on its path is a 405 with Allow', async () => {
    for (const path of ['/api/v1/map', '/healthz', '/metrics']) {
      const response = await fetch(`${api.url}${path}`, { method: 'POST' });
      assert.equal(response.status, 405, path);
      assert.equal(response.headers.get('allow'), 'GET, HEAD', path);
    }
    assert.equal((await fetch(`${api.url}/api/v1/map`, { method: 'HEAD' })).status, 200);
    assert.equal((await fetch(`${api.url}/api/v1/nothing`, { method: 'POST' })).status, 404);
  });
});
