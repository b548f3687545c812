/**
 * Each endpoint's parameters: what it refuses is a 400 naming the parameter (query, path or
 * body field), before the store is asked; what it takes reaches the store as the spec expects.
 */
import { strict as assert } from 'node:assert';
import { get as httpGet } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { toPageCursor } from '../services/pageCursor.js';
import { ALPHA_CART, ALPHA_WEB, startApiSpecHarness, type ApiSpecHarness } from '../testing/apiSpecHarness.js';

let h: ApiSpecHarness;
// A fixed now, on the hour, so defaults are exact.
const NOW_S = Date.UTC(2030, 0, 1, 12) / 1000;
before(async () => {
  h = await startApiSpecHarness({ nowMs: () => NOW_S * 1000 });
});
after(async () => h.close());

const enc = encodeURIComponent;
const EDGE = `source=${enc(ALPHA_WEB)}&target=${enc(ALPHA_CART)}`;

async function refused(path: string, parameter: string, init: { method?: string; body?: unknown; key?: string } = {}): Promise<void> {
  const calls = h.queries.calls.length;
  const answer = await h.request(path, { key: init.key ?? h.keys.alphaRead, ...(init.method ? { method: init.method } : {}), ...(init.body !== undefined ? { body: init.body } : {}) });
  assert.equal(answer.status, 400, `${path}: ${JSON.stringify(answer.body)}`);
  assert.equal(answer.body.parameter, parameter, `${path}: ${JSON.stringify(answer.body)}`);
  assert.equal(typeof answer.body.error, 'string', path);
  assert.equal(h.queries.calls.length, calls, `${path}: the store was not asked`);
}

/** A GET of the path exactly as given (fetch, and new URL(), would resolve %2E segments). */
function rawGet(path: string, key: string): Promise<{ status: number; body: { parameter?: string } }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(h.api.url);
    const request = httpGet({ hostname, port, path, headers: { authorization: `Bearer ${key}` } }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as { parameter?: string } }));
    });
    request.on('error', reject);
  });
}

async function asked(path: string): Promise<unknown> {
  const answer = await h.request(path, { key: h.keys.alphaRead });
  assert.equal(answer.status, 200, `${path}: ${JSON.stringify(answer.body)}`);
  return h.queries.lastCall()?.query;
}

const COMMON: Array<[string, string]> = [['colour=red', 'colour'], ['from=yesterday', 'from'], ['to=4294967296', 'to'], ['from=now&to=now-1h', 'from'], ['from=1&from=2', 'from']];

describe('parameters of each endpoint', () => {
  it('GET /services: q, limit (1..1000, default 50), cursor', async () => {
    assert.deepEqual(await asked('/api/v1/services'), { limit: 50 });
    // The store's cursor (the fake's: an offset) reaches the client with its check tag, and comes back without it.
    const page = await h.request('/api/v1/services?limit=1', { key: h.keys.alphaRead });
    assert.equal(page.body.services.length, 1);
    assert.match(page.body.next_cursor, /^1\.[A-Za-z0-9_-]{12}$/);
    assert.equal(page.body.next_cursor, toPageCursor(h.alpha.id, '1'));
    assert.deepEqual(await asked(`/api/v1/services?q=cart&limit=1000&cursor=${enc(page.body.next_cursor)}`), { limit: 1000, q: 'cart', cursor: '1' });
    // A cursor the API never returned, or returned to another tenant, is refused before the store is asked.
    const betaPage = await h.request('/api/v1/services?limit=1', { key: h.keys.betaRead });
    for (const cursor of ['zz', '1', '1.', `1.${'A'.repeat(12)}`, `.${page.body.next_cursor}`, `${page.body.next_cursor}x`, betaPage.body.next_cursor]) {
      await refused(`/api/v1/services?cursor=${enc(cursor)}`, 'cursor');
    }
    // One it returned that the store no longer takes: the store's 400, after being asked.
    const stale = await h.request(`/api/v1/services?cursor=${enc(toPageCursor(h.alpha.id, 'zz'))}`, { key: h.keys.alphaRead });
    assert.deepEqual([stale.status, stale.body.parameter], [400, 'cursor']);
    for (const [query, parameter] of [['limit=0', 'limit'], ['limit=1001', 'limit'], ['limit=ten', 'limit'], ['limit=-1', 'limit'], ['limit=1.5', 'limit'], ['limit=1&limit=2', 'limit'], [`q=${'q'.repeat(201)}`, 'q'], ['q=%07', 'q'], ['colour=red', 'colour']] as const) {
      await refused(`/api/v1/services?${query}`, parameter);
    }
  });

  it('GET /services/{id}: the id decoded, from and to', async () => {
    assert.deepEqual(await asked(`/api/v1/services/${enc(ALPHA_WEB)}?from=now-1h`), { service: ALPHA_WEB, window: { from: NOW_S - 3600, to: NOW_S } });
    for (const [query, parameter] of COMMON) await refused(`/api/v1/services/${enc(ALPHA_WEB)}?${query}`, parameter);
    await refused('/api/v1/services/a%00b', 'id');
    await refused('/api/v1/services/%E0%A4%A', 'id');
    await refused(`/api/v1/services/${'x'.repeat(1001)}`, 'id');
    // Dot segments, sent encoded (clients remove them unencoded, and fetch's URL parser encoded too, so node:http): no id, as the document's pattern says.
    for (const dots of ['%2E', '%2e%2E']) {
      for (const path of [`/api/v1/services/${dots}`, `/api/v1/services/${dots}/neighborhood`]) {
        const calls = h.queries.calls.length;
        const answer = await rawGet(path, h.keys.alphaRead);
        assert.deepEqual([answer.status, answer.body.parameter], [400, 'id'], path);
        assert.equal(h.queries.calls.length, calls, `${path}: the store was not asked`);
      }
    }
    const view = await h.request(`/api/v1/services/${enc(ALPHA_WEB)}?from=${NOW_S - 60}&to=${NOW_S}`, { key: h.keys.alphaRead });
    assert.deepEqual(view.body.window, { from: '2030-01-01T11:59:00.000Z', to: '2030-01-01T12:00:00.000Z' });
    assert.equal(view.body.service.last_seen, '2030-01-01T11:59:59.000Z');
    assert.deepEqual(view.body.outbound.map((e: { target: string }) => e.target), [ALPHA_CART]);
    assert.deepEqual(view.body.inbound, []);
  });

  it('GET /services/{id}/neighborhood: depth 1..5 (default 1), direction in|out|both (default both)', async () => {
    const path = `/api/v1/services/${enc(ALPHA_WEB)}/neighborhood`;
    assert.deepEqual(await asked(path), { window: { from: NOW_S - 900, to: NOW_S }, service: ALPHA_WEB, depth: 1, direction: 'both' });
    assert.deepEqual(await asked(`${path}?depth=5&direction=in`), { window: { from: NOW_S - 900, to: NOW_S }, service: ALPHA_WEB, depth: 5, direction: 'in' });
    for (const [query, parameter] of [...COMMON, ['depth=0', 'depth'], ['depth=6', 'depth'], ['depth=4294967297', 'depth'], ['depth=two', 'depth'], ['direction=up', 'direction'], ['direction=in&direction=out', 'direction']] as const) {
      await refused(`${path}?${query}`, parameter);
    }
    const out = await h.request(`${path}?direction=out`, { key: h.keys.alphaRead });
    assert.deepEqual(out.body.nodes.map((n: { id: string; hops: number }) => [n.id, n.hops]), [[ALPHA_WEB, 0], [ALPHA_CART, 1]]);
  });

  it('GET /edges/series: source and target required, port 0..65535, step (default: <= 300 points), the window widened to whole steps', async () => {
    assert.deepEqual(await asked(`/api/v1/edges/series?${EDGE}&from=now-1h`), { source: ALPHA_WEB, target: ALPHA_CART, window: { from: NOW_S - 3600, to: NOW_S }, step: 60 });
    assert.deepEqual(await asked(`/api/v1/edges/series?${EDGE}&port=8080&from=now-15m`), { source: ALPHA_WEB, target: ALPHA_CART, port: 8080, window: { from: NOW_S - 900, to: NOW_S }, step: 10 });
    assert.deepEqual(await asked(`/api/v1/edges/series?${EDGE}&from=now-24h`), { source: ALPHA_WEB, target: ALPHA_CART, window: { from: NOW_S - 86_400, to: NOW_S }, step: 300 });
    assert.deepEqual(await asked(`/api/v1/edges/series?${EDGE}&from=${NOW_S - 3599}&to=${NOW_S - 1}&step=60`), { source: ALPHA_WEB, target: ALPHA_CART, window: { from: NOW_S - 3600, to: NOW_S }, step: 60 });
    for (const [query, parameter] of [['target=b', 'source'], ['source=a', 'target'], ['source=&target=b', 'source'], [`${EDGE}&port=65536`, 'port'], [`${EDGE}&port=-1`, 'port'], [`${EDGE}&step=0`, 'step'], [`${EDGE}&step=604801`, 'step'], [`${EDGE}&step=1&from=now-1d`, 'step'], [`${EDGE}&colour=red`, 'colour'], [`${EDGE}&source=x`, 'source']] as const) {
      await refused(`/api/v1/edges/series?${query}`, parameter);
    }
    const series = await h.request(`/api/v1/edges/series?${EDGE}&from=${NOW_S - 180}&to=${NOW_S}&step=60`, { key: h.keys.alphaRead });
    assert.deepEqual(series.body.points.map((p: { ts: string; bytes_sent: number }) => [p.ts, p.bytes_sent]), [['2030-01-01T11:57:00.000Z', 300], ['2030-01-01T11:58:00.000Z', 0], ['2030-01-01T11:59:00.000Z', 0]]);
  });

  it('GET /edges/breakdown: by is one of the failure domains', async () => {
    assert.deepEqual(await asked(`/api/v1/edges/breakdown?${EDGE}&by=client_zone`), { source: ALPHA_WEB, target: ALPHA_CART, window: { from: NOW_S - 900, to: NOW_S }, by: 'client_zone' });
    for (const [query, parameter] of [[EDGE, 'by'], [`${EDGE}&by=version`, 'by'], [`${EDGE}&by=server_version&by=server_node`, 'by'], [`by=server_node&target=b`, 'source'], [`${EDGE}&by=server_node&port=x`, 'port']] as const) {
      await refused(`/api/v1/edges/breakdown?${query}`, parameter);
    }
  });

  it('GET /edges/routes: limit 1..1000 (default 20), the edge and the window as for the series', async () => {
    assert.deepEqual(await asked(`/api/v1/edges/routes?${EDGE}`), { source: ALPHA_WEB, target: ALPHA_CART, window: { from: NOW_S - 900, to: NOW_S }, limit: 20 });
    assert.deepEqual(await asked(`/api/v1/edges/routes?${EDGE}&port=8080&from=now-1h&limit=1000`), { source: ALPHA_WEB, target: ALPHA_CART, port: 8080, window: { from: NOW_S - 3600, to: NOW_S }, limit: 1000 });
    for (const [query, parameter] of [
      ['target=b', 'source'], ['source=a', 'target'], [`${EDGE}&limit=0`, 'limit'], [`${EDGE}&limit=1001`, 'limit'], [`${EDGE}&limit=-1`, 'limit'], [`${EDGE}&limit=2.5`, 'limit'],
      [`${EDGE}&limit=ten`, 'limit'], [`${EDGE}&limit=1&limit=2`, 'limit'], [`${EDGE}&port=65536`, 'port'], [`${EDGE}&from=yesterday`, 'from'], [`${EDGE}&by=server_zone`, 'by'],
    ] as const) {
      await refused(`/api/v1/edges/routes?${query}`, parameter);
    }
  });

  it('GET /changes: the default baseline is the window of equal length just before from', async () => {
    assert.deepEqual(await asked('/api/v1/changes?from=now-1h'), { window: { from: NOW_S - 3600, to: NOW_S }, baseline: { from: NOW_S - 7200, to: NOW_S - 3600 } });
    assert.deepEqual(await asked('/api/v1/changes?from=now-1h&baseline_to=now-1d'), { window: { from: NOW_S - 3600, to: NOW_S }, baseline: { from: NOW_S - 90_000, to: NOW_S - 86_400 } });
    assert.deepEqual(await asked('/api/v1/changes?baseline_from=now-7d&baseline_to=now-6d'), { window: { from: NOW_S - 900, to: NOW_S }, baseline: { from: NOW_S - 604_800, to: NOW_S - 518_400 } });
    for (const [query, parameter] of [...COMMON, ['baseline_from=now-1h&baseline_to=now-2h', 'baseline_from'], ['baseline_to=0', 'baseline_to'], ['from=0&to=60', 'from'], ['baseline_from=soon', 'baseline_from'], ['baseline_to=4294967296', 'baseline_to'], ['baseline_from=0', 'baseline_from']] as const) {
      await refused(`/api/v1/changes?${query}`, parameter);
    }
  });

  it('POST /keys and POST /tenants: a JSON object with exactly its fields', async () => {
    const key = h.keys.alphaAdmin;
    for (const [path, body, parameter] of [
      ['/api/v1/keys', { scopes: ['read'] }, 'name'],
      ['/api/v1/keys', { name: ' ', scopes: ['read'] }, 'name'],
      ['/api/v1/keys', { name: 'x'.repeat(201), scopes: ['read'] }, 'name'],
      ['/api/v1/keys', { name: 'tab\there', scopes: ['read'] }, 'name'],
      ['/api/v1/keys', { name: 'x' }, 'scopes'],
      ['/api/v1/keys', { name: 'x', scopes: [] }, 'scopes'],
      ['/api/v1/keys', { name: 'x', scopes: ['root'] }, 'scopes'],
      ['/api/v1/keys', { name: 'x', scopes: 'read' }, 'scopes'],
      ['/api/v1/keys', { name: 'x', scopes: ['read'], tenant_id: 'other' }, 'tenant_id'],
      ['/api/v1/keys', [], 'body'],
      ['/api/v1/keys', '{"name": ', 'body'],
      ['/api/v1/keys', 'null', 'body'],
      ['/api/v1/tenants', {}, 'name'],
      ['/api/v1/tenants', { name: 7 }, 'name'],
      ['/api/v1/tenants', { name: 'x', admin: true }, 'admin'],
    ] as const) {
      await refused(path, parameter, { method: 'POST', body, key });
    }
    await refused('/api/v1/keys?x=1', 'x', { key });
    await refused('/api/v1/tenants?x=1', 'x', { key });
    await refused('/api/v1/keys/NOT-A-KEY', 'id', { method: 'DELETE', key });
    const created = await h.request('/api/v1/keys', { method: 'POST', key, body: { name: '  trimmed  ', scopes: ['read', 'read', 'ingest'] } });
    assert.equal(created.status, 201);
    assert.equal(created.body.key.name, 'trimmed');
    assert.deepEqual(created.body.key.scopes, ['read', 'ingest']);
  });
});
