import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { ALPHA_CART, ALPHA_WEB, startApiSpecHarness, type ApiSpecHarness } from '../testing/apiSpecHarness.js';

let h: ApiSpecHarness;
before(async () => {
  h = await startApiSpecHarness();
});
after(async () => h.close());

const get = (path: string) => h.request(path, { key: h.keys.alphaRead });

describe('GET /api/v1/map', () => {
  it('answers the window, nodes and edges of the tenant, source = client and target = server', async () => {
    const answer = await get('/api/v1/map?from=1795000000&to=1795003600');
    assert.equal(answer.status, 200);
    assert.deepEqual(h.queries.lastCall(), { method: 'readMap', tenant: h.alpha.id, query: { window: { from: 1795000000, to: 1795003600 } } });
    assert.deepEqual(answer.body.window, { from: '2026-11-18T11:06:40.000Z', to: '2026-11-18T12:06:40.000Z', resolution: 60 });
    assert.deepEqual(answer.body.nodes[0], { id: ALPHA_WEB, name: 'web', namespace: 'alpha', kind: 'Deployment', workload: 'web', members: 1 });
    assert.equal(answer.body.edges.length, 1);
    assert.equal(answer.body.edges[0].source, ALPHA_WEB);
    assert.equal(answer.body.edges[0].target, ALPHA_CART);
    assert.equal(answer.body.edges[0].port, 8080);
    assert.equal(answer.body.edges[0].bytes_received, 9000);
    assert.equal(answer.body.edges[0].rtt_p99_us, 900);
  });

  it('takes now-relative and ISO-8601 times', async () => {
    assert.equal((await get('/api/v1/map?from=now-1h&to=now')).status, 200);
    const { window } = h.queries.lastCall()?.query as { window: { from: number; to: number } };
    assert.equal(window.to - window.from, 3600);
    // An hour ends at the last whole minute (alignedNow): whole buckets only.
    assert.equal(window.to % 60, 0);
    assert.ok(Date.now() / 1000 - window.to >= 0 && Date.now() / 1000 - window.to < 65, `${window.to}`);
    assert.equal((await get('/api/v1/map?from=now-5m')).status, 200);
    const short = (h.queries.lastCall()?.query as { window: { from: number; to: number } }).window;
    assert.ok(Math.abs(short.to - Date.now() / 1000) < 5, 'a window under 10 minutes ends at now, to the second');
    assert.equal((await get('/api/v1/map?from=2026-11-23T00:00:00Z&to=2026-11-23T01:00:00%2B00:00')).status, 200);
    assert.deepEqual((h.queries.lastCall()?.query as { window: unknown }).window, { from: Date.UTC(2026, 10, 23) / 1000, to: Date.UTC(2026, 10, 23, 1) / 1000 });
  });

  it('hands the filters and the grouping to the store as given', async () => {
    const answer = await get('/api/v1/map?from=1795000000&to=1795003600&namespace=shop&service=cart*&min_rate=0.25&group_by=zone');
    assert.equal(answer.status, 200);
    assert.deepEqual(h.queries.lastCall()?.query, { window: { from: 1795000000, to: 1795003600 }, namespace: 'shop', service: 'cart*', minRate: 0.25, groupBy: 'zone' });
    assert.equal((await get('/api/v1/map?namespace=&service=')).status, 200);
    assert.deepEqual(Object.keys(h.queries.lastCall()?.query as object), ['window'], 'empty filters are no filters');
  });

  it('answers 400 naming the bad parameter', async () => {
    const cases: Array<[string, string]> = [
      ['from=yesterday', 'from'], ['to=soon', 'to'], ['from=now&to=now-1h', 'from'], ['colour=red', 'colour'], ['from=1&from=2', 'from'],
      ['min_rate=-1', 'min_rate'], ['min_rate=fast', 'min_rate'], ['min_rate=1e3', 'min_rate'], ['group_by=pod', 'group_by'], ['group_by=service&group_by=zone', 'group_by'],
      ['namespace=%00', 'namespace'], [`service=${'x'.repeat(1001)}`, 'service'], ['to=4294967296', 'to'],
    ];
    for (const [query, parameter] of cases) {
      const answer = await get(`/api/v1/map?${query}`);
      assert.equal(answer.status, 400, query);
      assert.equal(answer.body.parameter, parameter, query);
      assert.ok(answer.body.error, query);
    }
  });

  it('serves /healthz and Prometheus /metrics, routes labelled by their pattern, never by an id', async () => {
    assert.deepEqual(await (await fetch(`${h.api.url}/healthz`)).json(), { status: 'ok' });
    await get(`/api/v1/services/${encodeURIComponent('k8s:some/Deployment/secret-name')}`);
    const metrics = await (await fetch(`${h.api.url}/metrics`)).text();
    assert.match(metrics, /weft_api_requests_total\{route="\/api\/v1\/map",status="200"\}/);
    assert.match(metrics, /weft_api_requests_total\{route="\/api\/v1\/services\/:id",status="404"\}/);
    assert.doesNotMatch(metrics, /secret-name/);
  });
});
