import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { startApiServer, type ApiServer } from '../apiServer.js';
import type { ServiceMapReader } from './serviceMapReader.js';

const asked: Array<{ from: number; to: number }> = [];
const reader: ServiceMapReader = {
  async readServiceMap(window) {
    asked.push(window);
    return {
      resolution: 60,
      services: [
        { service: 'k8s:shop/Deployment/web', name: 'web', namespace: 'shop', kind: 'Deployment' },
        { service: 'k8s:shop/Deployment/cart', name: 'cart', namespace: 'shop', kind: 'Deployment' },
      ],
      edges: [
        {
          client_service: 'k8s:shop/Deployment/web', server_service: 'k8s:shop/Deployment/cart', server_port: 8080,
          connections_opened: 3, connections_failed: 1, connections_active: 0.5, bytes_sent: 300, bytes_received: 9000,
          retransmits: 2, resets: 0, rtt_p50_us: 120, rtt_p99_us: 900,
        },
      ],
    };
  },
};

let api: ApiServer;
before(async () => {
  api = await startApiServer(reader, { host: '127.0.0.1', port: 0 });
});
after(async () => api.close());

describe('GET /api/v1/map', () => {
  it('answers the window, nodes and edges, source = client and target = server', async () => {
    const response = await fetch(`${api.url}/api/v1/map?from=1795000000&to=1795003600`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as Record<string, any>;
    assert.deepEqual(asked.at(-1), { from: 1795000000, to: 1795003600 });
    assert.deepEqual(body.window, { from: '2026-11-18T11:06:40.000Z', to: '2026-11-18T12:06:40.000Z', resolution: 60 });
    assert.equal(body.nodes.length, 2);
    assert.deepEqual(body.nodes[0], { id: 'k8s:shop/Deployment/web', name: 'web', namespace: 'shop', kind: 'Deployment' });
    assert.equal(body.edges[0].source, 'k8s:shop/Deployment/web');
    assert.equal(body.edges[0].target, 'k8s:shop/Deployment/cart');
    assert.equal(body.edges[0].port, 8080);
    assert.equal(body.edges[0].bytes_received, 9000);
  });

  it('takes now-relative and ISO-8601 times', async () => {
    const relative = await fetch(`${api.url}/api/v1/map?from=now-1h&to=now`);
    assert.equal(relative.status, 200);
    const window = asked.at(-1);
    assert.equal(window && window.to - window.from, 3600);
    assert.ok(window && Math.abs(window.to - Date.now() / 1000) < 5);
    const iso = await fetch(`${api.url}/api/v1/map?from=2026-11-23T00:00:00Z&to=2026-11-23T01:00:00%2B00:00`);
    assert.equal(iso.status, 200);
    assert.deepEqual(asked.at(-1), { from: Date.UTC(2026, 10, 23) / 1000, to: Date.UTC(2026, 10, 23, 1) / 1000 });
  });

  it('answers 400 naming the bad parameter', async () => {
    for (const [query, parameter] of [['from=yesterday', 'from'], ['to=soon', 'to'], ['from=now&to=now-1h', 'from'], ['colour=red', 'colour'], ['from=1&from=2', 'from']] as const) {
      const response = await fetch(`${api.url}/api/v1/map?${query}`);
      assert.equal(response.status, 400, query);
      const body = (await response.json()) as { parameter?: string; error?: string };
      assert.equal(body.parameter, parameter, query);
      assert.ok(body.error, query);
    }
  });

  it('serves /healthz and Prometheus /metrics', async () => {
    assert.deepEqual(await (await fetch(`${api.url}/healthz`)).json(), { status: 'ok' });
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    assert.match(metrics, /weft_api_requests_total\{route="\/api\/v1\/map",status="200"\}/);
  });
});
