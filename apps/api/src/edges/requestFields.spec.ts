/** The request (L7) fields as the API answers them: milliseconds to the microsecond, the protocol, the routes and the rest summed. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { MapService } from '../map/mapService.js';
import { edge, FakeEdgeQueries } from '../testing/fakeEdgeQueries.js';
import { EdgesService } from './edgesService.js';

const requests = { requests: 30, request_errors: 6, request_client_errors: 4, request_p50_us: 21_204, request_p95_us: 25_000.4, request_p99_us: 30_001 };
const queries = new FakeEdgeQueries({
  t: {
    services: [],
    edges: [
      edge('host:curl', 'host:web', 80, { ...requests, request_protocols: ['http1'] }),
      edge('host:curl', 'host:web', 8443, { ...requests, request_protocols: ['http2', 'grpc'] }),
      edge('host:curl', 'host:db', 5432, { connections_opened: 3 }),
    ],
  },
});

describe('request fields', () => {
  it('an edge: counts as stored, latency in milliseconds to the microsecond, its protocols and the one protocol (mixed for several, null without requests)', async () => {
    const map = await new MapService(queries).readMap('t', {});
    const [http1, mixed, none] = map.edges;
    const { requests, request_errors, request_client_errors, request_latency_p50_ms, request_latency_p95_ms, request_latency_p99_ms, protocols, protocol } = http1!;
    assert.deepEqual(
      { requests, request_errors, request_client_errors, request_latency_p50_ms, request_latency_p95_ms, request_latency_p99_ms, protocols, protocol },
      { requests: 30, request_errors: 6, request_client_errors: 4, request_latency_p50_ms: 21.204, request_latency_p95_ms: 25, request_latency_p99_ms: 30.001, protocols: ['http1'], protocol: 'http1' },
    );
    assert.ok(!('request_p50_us' in http1!), 'the store\'s microsecond fields are not answered');
    assert.deepEqual([mixed?.protocols, mixed?.protocol], [['http2', 'grpc'], 'mixed']);
    assert.deepEqual(
      [none?.requests, none?.request_client_errors, none?.protocols, none?.protocol, none?.request_latency_p50_ms, none?.request_latency_p99_ms],
      [0, 0, [], null, null, null],
    );
  });

  it('routes: each with its protocol, method, template and request fields; the rest summed', async () => {
    const answer = await new EdgesService(queries).routes('t', { source: 'host:curl', target: 'host:web', limit: 1, from: '1795000000', to: '1795000060' });
    assert.deepEqual(queries.lastCall(), { method: 'readEdgeRoutes', tenant: 't', query: { source: 'host:curl', target: 'host:web', window: { from: 1795000000, to: 1795000060 }, limit: 1 } });
    assert.deepEqual(answer, {
      window: { from: '2026-11-18T11:06:40.000Z', to: '2026-11-18T11:07:40.000Z' },
      routes: [{ protocol: 'http1', method: 'GET', route: '/from/host:curl', requests: 30, request_errors: 6, request_client_errors: 4, request_latency_p50_ms: 21.204, request_latency_p95_ms: 25, request_latency_p99_ms: 30.001 }],
      others: { routes: 1, requests: 0, request_errors: 0, request_client_errors: 0 },
    });
  });
});
