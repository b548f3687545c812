import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { L7CallRecord } from '../kernel/l7CallRecord.js';
import { data, HeaderWriter, PREFACE, settings } from './http2/http2TestWire.js';
import { RequestTracker } from './requestTracker.js';

function call(socketId: string, direction: L7CallRecord['direction'], text: string, ms: number): L7CallRecord {
  const bytes = Buffer.from(text, 'latin1');
  return {
    socketId, tsNs: BigInt(ms) * 1_000_000n, tgid: 1, tid: 1, direction, length: bytes.length,
    head: bytes.subarray(0, 512), tail: bytes.subarray(Math.max(0, bytes.length - 16)),
    gap: false, classified: false, predates: false, afterLoss: false, tls: false, protocol: 'http1',
  };
}

const request = (path: string): string => `GET ${path} HTTP/1.1\r\n\r\n`;
const response = (status: number): string => `HTTP/1.1 ${status} X\r\nContent-Length: 0\r\n\r\n`;

describe('RequestTracker', () => {
  it('groups a connection\'s requests by method and route, errors and client errors apart', () => {
    const tracker = new RequestTracker({ maxStreams: 10, maxRoutes: 10, holdIntervals: 2 });
    const statuses = [200, 500, 404, 200, 503];
    tracker.push(statuses.flatMap((status, i) => [call('s1', 'send', request(`/u/${i}`), i * 10), call('s1', 'recv', response(status), i * 10 + 3)]));
    tracker.push([call('s2', 'recv', request('/other'), 0)]);
    const rows = tracker.take('s1')?.groups;
    assert.deepEqual(rows, [{ protocol: 'http1', method: 'GET', route: '/u/{n}', requests: 5, errors: 2, client_errors: 1, durations_us: [3000, 3000, 3000, 3000, 3000] }]);
    assert.equal(tracker.take('s1'), undefined, 'taken once');
    assert.equal(tracker.take('s2'), undefined, 'not answered yet');
  });

  it('counts a request the connection closed on as an error without a duration', () => {
    const tracker = new RequestTracker({ maxStreams: 10, maxRoutes: 10, holdIntervals: 2 });
    tracker.push([call('s', 'recv', request('/x'), 0), call('s', 'closed', '', 5)]);
    assert.deepEqual(tracker.take('s')?.groups, [{ protocol: 'http1', method: 'GET', route: '/x', requests: 1, errors: 1, client_errors: 0, durations_us: [] }]);
    assert.equal(tracker.stats().streams, 0, 'the closed connection\'s parser is gone');
  });

  it('drops requests no row takes within the hold, counted', () => {
    const tracker = new RequestTracker({ maxStreams: 10, maxRoutes: 10, holdIntervals: 2 });
    tracker.push([call('s', 'send', request('/x'), 0), call('s', 'recv', response(200), 1)]);
    tracker.endInterval();
    tracker.endInterval();
    assert.deepEqual(tracker.waitingSocketIds(), ['s']);
    tracker.endInterval();
    assert.deepEqual(tracker.waitingSocketIds(), []);
    assert.equal(tracker.stats().requestsUnclaimed, 1);
  });

  it('forgets the connection least recently active (by interval) beyond its bound', () => {
    const tracker = new RequestTracker({ maxStreams: 2, maxRoutes: 10, holdIntervals: 2 });
    tracker.push([call('a', 'send', request('/a'), 0), call('b', 'send', request('/b'), 0)]);
    // Activity counts per interval: a, active again in a later one, is the more recent.
    tracker.endInterval();
    tracker.push([call('a', 'send', request('/a'), 1), call('c', 'send', request('/c'), 2)]);
    const stats = tracker.stats();
    assert.equal(stats.streams, 2);
    assert.equal(stats.streamsEvicted, 1);
    tracker.push([call('a', 'recv', response(200), 3), call('a', 'recv', response(200), 3)]);
    assert.equal(tracker.take('a')?.groups[0]?.requests, 2, 'a, the most recent, was kept');
  });

  it('gives up the requests waiting when the kernel says calls were lost, and resumes at the next message', () => {
    const tracker = new RequestTracker({ maxStreams: 10, maxRoutes: 10, holdIntervals: 2 });
    tracker.push([
      call('s', 'send', request('/a'), 0),
      call('s', 'send', request('/b'), 1),
      // The responses to /a and /b, and whatever else, were lost; this call is the middle of a body.
      { ...call('s', 'recv', 'tail of some body', 9), afterLoss: true },
      call('s', 'send', request('/c'), 10),
      call('s', 'recv', response(503), 14),
    ]);
    assert.deepEqual(tracker.take('s')?.groups, [{ protocol: 'http1', method: 'GET', route: '/c', requests: 1, errors: 1, client_errors: 0, durations_us: [4000] }]);
    assert.equal(tracker.stats().requestsLost, 2, '/a and /b: outcome unknown, counted apart');
  });

  it('parses a connection the kernel classified as HTTP/2 with the HTTP/2 parser: gRPC errors by grpc-status, 4xx apart', () => {
    const tracker = new RequestTracker({ maxStreams: 10, maxRoutes: 10, holdIntervals: 2 });
    const req = new HeaderWriter();
    const res = new HeaderWriter();
    const h2 = (direction: L7CallRecord['direction'], bytes: Buffer, ms: number): L7CallRecord => ({ ...call('g', direction, bytes.toString('latin1'), ms), protocol: 'http2' });
    const rpc = { ':method': 'POST', ':scheme': 'http', ':path': '/shop.v1.Orders/Get', 'content-type': 'application/grpc' };
    tracker.push([h2('send', Buffer.concat([PREFACE, settings()]), 0), h2('recv', settings(), 1)]);
    [0, 13, 0].forEach((grpcStatus, i) => {
      const id = 1 + 2 * i;
      tracker.push([
        h2('send', Buffer.concat([req.headers(id, rpc), data(id, 8, true)]), 10 * i + 2),
        h2('recv', Buffer.concat([res.headers(id, { ':status': '200', 'content-type': 'application/grpc' }), data(id, 8), res.headers(id, { 'grpc-status': String(grpcStatus) }, true)]), 10 * i + 7),
      ]);
    });
    tracker.push([h2('send', req.headers(7, { ':method': 'GET', ':scheme': 'http', ':path': '/missing/1' }, true), 40), h2('recv', res.headers(7, { ':status': '404' }, true), 41)]);
    assert.deepEqual(tracker.take('g')?.groups, [
      { protocol: 'grpc', method: 'POST', route: '/shop.v1.Orders/Get', requests: 3, errors: 1, client_errors: 0, durations_us: [5000, 5000, 5000] },
      { protocol: 'http2', method: 'GET', route: '/missing/{n}', requests: 1, errors: 0, client_errors: 1, durations_us: [1000] },
    ]);
  });

  it('says which connections\' requests were read from TLS plaintext, also for those it closed on', () => {
    const tracker = new RequestTracker({ maxStreams: 10, maxRoutes: 10, holdIntervals: 2 });
    const tls = (c: L7CallRecord): L7CallRecord => ({ ...c, tls: true });
    tracker.push([tls(call('t', 'send', request('/a'), 0)), tls(call('t', 'recv', response(200), 2)), call('p', 'send', request('/b'), 0), call('p', 'recv', response(200), 1)]);
    assert.equal(tracker.take('t')?.tls, true);
    assert.equal(tracker.take('p')?.tls, false);
    tracker.push([tls(call('t', 'send', request('/c'), 5)), call('t', 'closed', '', 6)]);
    assert.deepEqual(tracker.take('t'), { groups: [{ protocol: 'http1', method: 'GET', route: '/c', requests: 1, errors: 1, client_errors: 0, durations_us: [] }], tls: true });
  });
});
