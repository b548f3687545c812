import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { emptyParserCounters, type CallBytes, type CompletedRequest } from '../l7Types.js';
import { Http1Stream } from './http1Stream.js';
import { RouteTable } from './routeTemplate.js';
import { call, gap } from '../testCalls.js';

function stream(): { s: Http1Stream; done: CompletedRequest[]; counters: ReturnType<typeof emptyParserCounters> } {
  const done: CompletedRequest[] = [];
  const counters = emptyParserCounters();
  return { s: new Http1Stream(new RouteTable(100), counters, (r) => done.push(r)), done, counters };
}

const get = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: shop\r\n\r\n`;
const ok = (body: string, status = 200): string => `HTTP/1.1 ${status} X\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
const summary = (done: CompletedRequest[]): string[] => done.map((r) => `${r.method} ${r.route} ${r.status} ${r.durationUs}`);

describe('Http1Stream', () => {
  it('pairs keep-alive requests with their responses, timed to the response\'s last byte', () => {
    const { s, done } = stream();
    s.push('send', call(get('/users/17/orders?x=1'), 1000));
    s.push('recv', call(ok('hello'), 1020));
    s.push('send', call(get('/users/18/orders'), 1030));
    const big = 'a'.repeat(3000);
    const response = ok(big, 503);
    s.push('recv', call(response.slice(0, 1000), 1040));
    s.push('recv', call(response.slice(1000), 1055));
    assert.equal(s.side, 'client');
    assert.deepEqual(summary(done), ['GET /users/{n}/orders 200 20000', 'GET /users/{n}/orders 503 25000']);
  });

  it('takes the server\'s role from a received request', () => {
    const { s, done } = stream();
    s.push('recv', call(`POST /items HTTP/1.1\r\nContent-Length: 4\r\n\r\nab`, 0));
    s.push('recv', call('cd', 2));
    s.push('send', call(ok('{}', 201), 12));
    assert.equal(s.side, 'server');
    assert.deepEqual(summary(done), ['POST /items 201 12000']);
  });

  it('answers pipelined requests in order', () => {
    const { s, done } = stream();
    s.push('send', call(get('/a/1') + get('/a/2') + get('/a/3'), 0));
    s.push('recv', call(ok('x'), 30));
    s.push('recv', call(ok('y') + ok('z', 404), 90));
    assert.deepEqual(summary(done), ['GET /a/{n} 200 30000', 'GET /a/{n} 200 90000', 'GET /a/{n} 404 90000']);
  });

  it('walks chunk headers it can see, and ends a chunked body at the last chunk', () => {
    const { s, done } = stream();
    s.push('send', call(get('/c'), 0));
    s.push('recv', call('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 5));
    const chunk = `2000\r\n${'b'.repeat(0x2000)}\r\n`;
    s.push('recv', call(chunk, 6));
    s.push('recv', call(chunk + chunk, 7)); // the second chunk's header is past the copied bytes
    s.push('recv', call(chunk, 8));
    assert.equal(done.length, 0, 'not ended inside the body');
    s.push('recv', call(`${chunk}0\r\n\r\n`, 9));
    s.push('send', call(get('/c'), 10));
    s.push('recv', call(`HTTP/1.1 502 Bad\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`, 14));
    assert.deepEqual(summary(done), ['GET /c 200 9000', 'GET /c 502 4000']);
  });

  it('ends a chunked body it lost sight of at its last call before the next message, or the close', () => {
    const { s, done } = stream();
    // A writev of many chunks: the head is its first iovec, the last byte beyond the iovecs looked at (no tail).
    const blind = (length: number, ms: number): CallBytes => ({ ...call('2000\r\n', ms), length, tail: Buffer.alloc(0) });
    s.push('recv', call(get('/w'), 0));
    s.push('send', call('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 20));
    s.push('send', blind(30_000, 21));
    s.push('send', blind(30_000, 23));
    assert.equal(done.length, 0);
    s.push('recv', call(get('/w'), 40));
    s.push('send', call('HTTP/1.1 500 X\r\nTransfer-Encoding: chunked\r\n\r\n', 45));
    assert.deepEqual(summary(done), ['GET /w 200 23000'], 'ended by the next response');
    s.push('send', blind(30_000, 47));
    s.close();
    assert.deepEqual(summary(done), ['GET /w 200 23000', 'GET /w 500 7000'], 'ended by the close');
  });

  it('reads chunked trailers and chunk extensions', () => {
    const { s, done } = stream();
    s.push('send', call(get('/t'), 0));
    s.push('recv', call('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nX-Sum: 1\r\n', 3));
    assert.equal(done.length, 0);
    s.push('recv', call('\r\n', 4));
    assert.deepEqual(summary(done), ['GET /t 200 4000']);
  });

  it('gives HEAD, 204 and 304 responses no body, and waits past 1xx for the final response', () => {
    const { s, done } = stream();
    s.push('send', call(`HEAD /h HTTP/1.1\r\n\r\n`, 0));
    s.push('recv', call('HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n', 2));
    s.push('send', call(`PUT /p HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n`, 3));
    s.push('recv', call('HTTP/1.1 100 Continue\r\n\r\n', 4));
    s.push('send', call('abc', 5));
    s.push('recv', call('HTTP/1.1 204 No Content\r\n\r\n', 9));
    s.push('send', call(get('/etag'), 10));
    s.push('recv', call('HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n', 11));
    assert.deepEqual(summary(done), ['HEAD /h 200 2000', 'PUT /p 204 6000', 'GET /etag 304 1000']);
  });

  it('ends a close-delimited response at its last bytes, and requests left at close unanswered', () => {
    const { s, done } = stream();
    s.push('send', call(`GET /old HTTP/1.0\r\n\r\n`, 0));
    s.push('recv', call('HTTP/1.0 200 OK\r\n\r\nsome', 3));
    s.push('recv', call('more', 7));
    s.close();
    assert.deepEqual(summary(done), ['GET /old 200 7000']);

    const second = stream();
    second.s.push('send', call(get('/never'), 0));
    second.s.close();
    assert.deepEqual(summary(second.done), ['GET /never null null']);
  });

  it('counts a Content-Length body through calls whose bytes it cannot read (sendfile)', () => {
    const { s, done } = stream();
    s.push('recv', call(get('/file'), 0));
    s.push('send', call('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n', 1));
    s.push('send', gap(60_000, 2));
    assert.equal(done.length, 0);
    s.push('send', gap(40_000, 4));
    s.push('recv', call(get('/file'), 5));
    s.push('send', call(ok('k'), 6));
    assert.deepEqual(summary(done), ['GET /file 200 4000', 'GET /file 200 1000']);
  });

  it('joins headers split across calls', () => {
    const { s, done } = stream();
    s.push('send', call('GET /split/9 HT', 0));
    s.push('send', call('TP/1.1\r\nHost: a\r\n', 0));
    s.push('send', call('\r\n', 1));
    s.push('recv', call('HTTP/1.1 200 OK\r\nContent-', 5));
    s.push('recv', call('Length: 2\r\n\r\nok', 6));
    assert.deepEqual(summary(done), ['GET /split/{n} 200 6000']);
  });

  it('resynchronises at the next message after bytes it cannot frame', () => {
    const { s, done, counters } = stream();
    s.push('recv', call('tail of an earlier body', 0));
    assert.equal(s.side, null);
    s.push('send', call(get('/x'), 1));
    s.push('recv', call('HTTP/1.1 200 OK\r\nContent-Length: zz\r\n\r\n', 2)); // unframeable: until close
    s.push('recv', call('garbage', 3));
    s.close();
    assert.deepEqual(summary(done), ['GET /x 200 2000']);
    assert.equal(counters.desyncs, 1);
  });

  it('stops at a protocol switch', () => {
    const { s, done, counters } = stream();
    s.push('send', call('GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n', 0));
    s.push('recv', call('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello', 3));
    s.push('send', call('\x81\x05GET / HTTP/1.1', 4));
    s.close();
    assert.deepEqual(summary(done), ['GET /ws 101 3000']);
    assert.equal(counters.upgrades, 1);
  });

  it('counts a response with no request waiting', () => {
    const { s, done, counters } = stream();
    s.push('recv', call(ok('late'), 0));
    assert.equal(done.length, 0);
    assert.equal(counters.orphanResponses, 1);
  });
});
