import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { L7CallRecord } from '../kernel/l7CallRecord.js';
import { RequestTracker } from './requestTracker.js';

const SHAPE = { exact: 16, subBits: 3 };
/** Bucket 16 + 10 * 8 + 1 holds 18,432-20,479 us (20 ms; midpoint 19,456). */
const BUCKET_20MS = 16 + 10 * 8 + 1;

function record(socketId: string, direction: L7CallRecord['direction'], text: string, ms: number, extra: Partial<L7CallRecord> = {}): L7CallRecord {
  const bytes = Buffer.from(text, 'latin1');
  return {
    socketId, tsNs: BigInt(ms) * 1_000_000n, tgid: 1, tid: 1, direction, length: bytes.length,
    head: bytes, tail: Buffer.alloc(0), gap: false, classified: false, predates: false, afterLoss: false, tls: false, protocol: 'http1', ...extra,
  };
}

function tracker(): RequestTracker {
  return new RequestTracker({ maxStreams: 10, maxRoutes: 10, holdIntervals: 2, kernel: { histogram: SHAPE, maxPaths: 16 } });
}

describe('RequestTracker: HTTP/1 framed in the kernel', () => {
  it('reports aggregates under their path\'s route, in the same groups as parsed requests', () => {
    const t = tracker();
    t.push([record('s', 'path', '', 0, { path: { hash: 7n, text: '/users/1007/orders' } })]);
    t.pushAggregates([
      { socketId: 's', method: 'GET', pathHash: 7n, status: 200, count: 3, buckets: [{ index: BUCKET_20MS, count: 3 }] },
      { socketId: 's', method: 'GET', pathHash: 7n, status: 503, count: 1, buckets: [{ index: BUCKET_20MS, count: 1 }] },
      { socketId: 's', method: 'GET', pathHash: 7n, status: 404, count: 2, buckets: [{ index: BUCKET_20MS, count: 2 }] },
    ]);
    // The connection left the kernel's framing: its next request parsed here joins the group.
    t.push([record('s', 'send', 'GET /users/1014/orders HTTP/1.1\r\n\r\n', 10), record('s', 'recv', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 15)]);
    const groups = t.take('s')?.groups;
    assert.equal(groups?.length, 1);
    const [g] = groups ?? [];
    assert.deepEqual({ ...g, durations_us: undefined }, { protocol: 'http1', method: 'GET', route: '/users/{n}/orders', requests: 7, errors: 1, client_errors: 2, durations_us: undefined });
    assert.deepEqual(g?.durations_us, [19456, 19456, 19456, 19456, 19456, 19456, 5000]);
  });

  it('reports a request unanswered at the close (status 0) as an error without a duration, and an unknown path as {unknown}, counted', () => {
    const t = tracker();
    t.pushAggregates([{ socketId: 's', method: 'POST', pathHash: 9n, status: 0, count: 1, buckets: [] }]);
    assert.deepEqual(t.take('s')?.groups, [{ protocol: 'http1', method: 'POST', route: '{unknown}', requests: 1, errors: 1, client_errors: 0, durations_us: [] }]);
    assert.equal(t.stats().kernelRoutesUnknown, 1);
  });

  it('answers a request handed over mid-exchange from the parser, timed from the kernel\'s start', () => {
    const t = tracker();
    t.push([
      record('s', 'path', '', 0, { path: { hash: 5n, text: '/big' } }),
      record('s', 'handoff', '', 2, { handoff: { startNs: 1_000_000n, pathHash: 5n, method: 'GET', role: 'server', bodyRemaining: 0 } }),
      // The response the kernel did not frame (chunked), sent by this server end.
      record('s', 'send', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', 9),
    ]);
    assert.deepEqual(t.take('s')?.groups, [{ protocol: 'http1', method: 'GET', route: '/big', requests: 1, errors: 0, client_errors: 0, durations_us: [8000] }]);
  });

  it('skips the rest of a handed-over request\'s body before the next request', () => {
    const t = tracker();
    t.push([
      record('s', 'path', '', 0, { path: { hash: 5n, text: '/up' } }),
      record('s', 'handoff', '', 1, { handoff: { startNs: 1_000_000n, pathHash: 5n, method: 'POST', role: 'server', bodyRemaining: 4 } }),
      record('s', 'send', 'HTTP/1.1 100 Continue\r\n\r\n', 2),
      record('s', 'recv', 'body', 3),
      record('s', 'send', 'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n', 4),
      record('s', 'recv', 'GET /next HTTP/1.1\r\n\r\n', 5),
      record('s', 'send', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 6),
    ]);
    const groups = t.take('s')?.groups.map((g) => `${g.method} ${g.route} ${g.requests} ${g.durations_us.join(',')}`);
    assert.deepEqual(groups, ['POST /up 1 3000', 'GET /next 1 1000']);
    assert.equal(t.stats().desyncs, 0);
  });
});
