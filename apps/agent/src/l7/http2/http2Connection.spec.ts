import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { RouteTable } from '../http1/routeTemplate.js';
import { emptyParserCounters, type CompletedRequest, type ParserCounters } from '../l7Types.js';
import { Http2Connection, MAX_OPEN_STREAMS } from './http2Connection.js';
import { Flag, FrameType } from './http2Frame.js';
import { call, gap } from '../testCalls.js';
import { data, frame, HeaderWriter, PREFACE, rst, settings } from './http2TestWire.js';

interface Harness {
  c: Http2Connection;
  done: CompletedRequest[];
  counters: ParserCounters;
  /** The client's encoder (requests) and the server's (responses). */
  req: HeaderWriter;
  res: HeaderWriter;
}

function harness(): Harness {
  const done: CompletedRequest[] = [];
  const counters = emptyParserCounters();
  return { c: new Http2Connection(new RouteTable(100), counters, (r) => done.push(r)), done, counters, req: new HeaderWriter(), res: new HeaderWriter() };
}

const get = (path: string): Record<string, string> => ({ ':method': 'GET', ':scheme': 'http', ':authority': 'shop:8080', ':path': path });
const grpcCall = (path: string): Record<string, string> => ({ ':method': 'POST', ':scheme': 'http', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
const summary = (done: CompletedRequest[]): string[] => done.map((r) => `${r.protocol} ${r.method} ${r.route} ${r.status} ${r.outcome} ${r.durationUs}`);

/** The client end of a fresh connection, past the prefaces (this end sent the preface). */
function clientEnd(): Harness {
  const h = harness();
  h.c.push('send', call(Buffer.concat([PREFACE, settings([[4, 65_535]])]), 0));
  h.c.push('recv', call(Buffer.concat([settings([[3, 100]]), frame(FrameType.SETTINGS, Flag.ACK, 0)]), 1));
  return h;
}

describe('Http2Connection', () => {
  it('pairs streams by id (answered out of order), timed from the HEADERS call to the END_STREAM call, dynamic table entries decoded per direction', () => {
    const h = clientEnd();
    h.c.push('send', call(Buffer.concat([h.req.headers(1, get('/users/123/orders'), true), h.req.headers(3, get('/users/456/orders'), true)]), 10));
    h.c.push('send', call(h.req.headers(5, { ...get('/users/789/orders'), ':method': 'DELETE' }, true), 12));
    h.c.push('recv', call(Buffer.concat([h.res.headers(3, { ':status': '503' }), data(3, 20, true)]), 40));
    h.c.push('recv', call(Buffer.concat([h.res.headers(1, { ':status': '200', 'content-type': 'text/plain' }), data(1, 100)]), 50));
    h.c.push('recv', call(data(1, 50, true), 55));
    h.c.push('recv', call(h.res.headers(5, { ':status': '404' }, true), 60));
    assert.equal(h.c.side, 'client');
    assert.deepEqual(summary(h.done), [
      'http2 GET /users/{n}/orders 503 error 30000',
      'http2 GET /users/{n}/orders 200 ok 45000',
      'http2 DELETE /users/{n}/orders 404 client_error 48000',
    ]);
    assert.deepEqual({ ...h.counters }, emptyParserCounters());
  });

  it('takes the server role from a received preface, and reads frames and headers split across calls (a gap call inside a DATA payload)', () => {
    const h = harness();
    const request = Buffer.concat([PREFACE, settings(), h.req.headers(1, { ...get('/items'), ':method': 'POST' }), data(1, 3000, true)]);
    // The HEADERS frame's header is cut after 5 bytes; the DATA payload runs over three calls, one of them unreadable.
    const cut = PREFACE.length + 9 + 5;
    h.c.push('recv', call(request.subarray(0, cut), 0));
    h.c.push('recv', call(request.subarray(cut, cut + 600), 1));
    h.c.push('recv', gap(1000, 2));
    h.c.push('recv', call(request.subarray(cut + 1600), 3));
    h.c.push('send', call(settings(), 4));
    const response = Buffer.concat([h.res.headers(1, { ':status': '201' }), data(1, 2, true)]);
    h.c.push('send', call(response.subarray(0, 10), 20));
    h.c.push('send', call(response.subarray(10), 25));
    assert.equal(h.c.side, 'server');
    assert.deepEqual(summary(h.done), ['http2 POST /items 201 ok 25000']);
    assert.equal(h.counters.framingLost, 0);
  });

  it('joins HEADERS and CONTINUATION frames into one block', () => {
    const h = clientEnd();
    const fields = { ...get('/catalog/books'), 'x-trace': 'a'.repeat(200), 'user-agent': 'spec' };
    h.c.push('send', call(h.req.headers(1, fields, true, 3), 10));
    h.c.push('recv', call(h.res.headers(1, { ':status': '200', 'x-big': 'b'.repeat(100) }, true, 2), 17));
    assert.deepEqual(summary(h.done), ['http2 GET /catalog/books 200 ok 7000']);
  });

  it('reads gRPC outcomes from trailers, a trailers-only response, and a server stream ended by its trailers', () => {
    const h = clientEnd();
    const message = (stream: number, end = false): Buffer => data(stream, 5 + 12, end);
    // Unary OK.
    h.c.push('send', call(Buffer.concat([h.req.headers(1, grpcCall('/shop.v1.Orders/Get')), message(1, true)]), 10));
    h.c.push('recv', call(Buffer.concat([h.res.headers(1, { ':status': '200', 'content-type': 'application/grpc' }), message(1), h.res.headers(1, { 'grpc-status': '0' }, true)]), 20));
    // Unary NOT_FOUND in its trailers.
    h.c.push('send', call(Buffer.concat([h.req.headers(3, grpcCall('/shop.v1.Orders/Get')), message(3, true)]), 30));
    h.c.push('recv', call(Buffer.concat([h.res.headers(3, { ':status': '200', 'content-type': 'application/grpc' }), h.res.headers(3, { 'grpc-status': '5', 'grpc-message': 'no such order' }, true)]), 33));
    // Trailers-only UNAVAILABLE.
    h.c.push('send', call(Buffer.concat([h.req.headers(5, grpcCall('/shop.v1.Orders/Get')), message(5, true)]), 40));
    h.c.push('recv', call(h.res.headers(5, { ':status': '200', 'content-type': 'application/grpc', 'grpc-status': '14' }, true), 41));
    // Server streaming: three messages, then the trailers.
    h.c.push('send', call(Buffer.concat([h.req.headers(7, grpcCall('/shop.v1.Orders/Watch')), message(7, true)]), 50));
    h.c.push('recv', call(Buffer.concat([h.res.headers(7, { ':status': '200', 'content-type': 'application/grpc' }), message(7)]), 55));
    h.c.push('recv', call(Buffer.concat([message(7), message(7)]), 60));
    assert.equal(h.done.length, 3, 'the stream is not done before its trailers');
    h.c.push('recv', call(h.res.headers(7, { 'grpc-status': '0' }, true), 80));
    assert.deepEqual(summary(h.done), [
      'grpc POST /shop.v1.Orders/Get 200 ok 10000',
      'grpc POST /shop.v1.Orders/Get 200 error 3000',
      'grpc POST /shop.v1.Orders/Get 200 error 1000',
      'grpc POST /shop.v1.Orders/Watch 200 ok 30000',
    ]);
  });

  it('ends a reset stream as an error, and one the connection closed on as an unanswered error', () => {
    const h = clientEnd();
    h.c.push('send', call(h.req.headers(1, get('/slow'), true), 10));
    h.c.push('send', call(h.req.headers(3, get('/never'), true), 11));
    h.c.push('recv', call(rst(1, 2), 30));
    h.c.close();
    assert.deepEqual(summary(h.done), ['http2 GET /slow null error 20000', 'http2 GET /never null error null']);
  });

  it('loses a direction\'s framing at a header the kernel did not copy: its HPACK state and the open streams go (counted), streams are still counted and timed after a call of whole frames', () => {
    const h = clientEnd();
    h.c.push('send', call(h.req.headers(1, get('/a/1'), true), 10));
    // A long DATA frame and then the next frame header, past the 512 bytes copied.
    h.c.push('recv', call(Buffer.concat([h.res.headers(1, { ':status': '200' }), data(1, 1000), data(1, 10, true)]), 20));
    assert.equal(h.counters.framingLost, 1);
    assert.equal(h.counters.hpackLost, 1);
    assert.equal(h.counters.requestsLost, 1, 'stream 1 ended among the bytes not seen: its outcome is unknown');
    assert.equal(h.done.length, 0);
    h.c.push('recv', call(data(1, 40), 21)); // a call that is whole frames: the boundary is proven
    assert.equal(h.counters.framingResyncs, 1);
    h.c.push('send', call(h.req.headers(3, get('/a/2'), true), 30));
    h.c.push('recv', call(Buffer.concat([h.res.headers(3, { ':status': '500' }), data(3, 8, true)]), 42));
    assert.deepEqual(summary(h.done), ['http2 GET /a/{n} null unknown 12000'], 'the response\'s headers cannot be decoded: status unknown, not guessed');
    assert.equal(h.counters.stateUnknown, 1);
  });

  it('joined mid-stream (the connection predates the agent): no HPACK state, streams counted and timed with method, route and outcome unknown', () => {
    const h = harness();
    // Blocks encoded before the agent: the tables hold entries the parser never saw.
    h.req.block(get('/before/1'));
    h.res.block({ ':status': '200', 'content-type': 'text/plain' });
    // A call cut mid-frame: no proven boundary yet.
    h.c.push('recv', call(Buffer.alloc(30, 0x7a), 0, true));
    h.c.push('send', call(Buffer.concat([h.req.headers(5, get('/before/2'), true)]), 10, true));
    h.c.push('recv', call(Buffer.concat([h.res.headers(5, { ':status': '200', 'content-type': 'text/plain' }), data(5, 4, true)]), 30, true));
    h.c.push('send', call(h.req.headers(7, get('/before/3'), true), 40, true));
    h.c.push('recv', call(Buffer.concat([h.res.headers(7, { ':status': '503' }), data(7, 4, true)]), 45, true));
    assert.equal(h.c.side, 'client', 'the first stream seen both ways was opened by this end');
    assert.deepEqual(summary(h.done), ['http2 UNKNOWN {unknown} null unknown 20000', 'http2 UNKNOWN {unknown} null unknown 5000']);
    assert.equal(h.counters.stateUnknown, 2);
    assert.equal(h.counters.hpackLost, 0, 'never had a state to lose');
  });

  it('gives up the open streams when the kernel lost calls, and bounds the streams it follows', () => {
    const h = clientEnd();
    h.c.push('send', call(h.req.headers(1, get('/x'), true), 10));
    h.c.lose();
    assert.equal(h.counters.requestsLost, 1);
    h.c.push('send', call(h.req.headers(3, get('/x'), true), 20));
    h.c.push('recv', call(Buffer.concat([h.res.headers(3, { ':status': '200' }), data(3, 1, true)]), 30));
    assert.deepEqual(summary(h.done), ['http2 UNKNOWN {unknown} null unknown 10000']);

    const b = clientEnd();
    for (let i = 0; i <= MAX_OPEN_STREAMS; i++) b.c.push('send', call(b.req.headers(1 + 2 * i, get('/y'), true), 1));
    assert.equal(b.counters.streamOverflows, 1);
  });
});
