import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { RouteTable } from '../http1/routeTemplate.js';
import { emptyParserCounters, type CompletedRequest } from '../l7Types.js';
import { call } from '../testCalls.js';
import type { DnsAnswer, DnsQuestion } from './dnsMessage.js';
import { parseDnsMessage } from './dnsMessage.js';
import { dnsRouteOf } from './dnsRoute.js';
import { DnsStream } from './dnsStream.js';
import { framed, query, response } from './dnsTestWire.js';

function stream(transport: 'udp' | 'tcp', timeoutNs = 5_000_000_000n) {
  const requests: CompletedRequest[] = [];
  const answers: Array<{ question: DnsQuestion; answers: readonly DnsAnswer[] }> = [];
  const counters = emptyParserCounters();
  const s = new DnsStream(transport, new RouteTable(100), counters, (r) => requests.push(r), (question, a) => answers.push({ question, answers: a }), timeoutNs);
  return { s, requests, answers, counters };
}

describe('DnsStream', () => {
  it('pairs UDP responses with their queries by id: type, name, rcode outcome, duration', () => {
    const { s, requests, answers } = stream('udp');
    s.push('send', call(query(1, 'api.example.com', 'A'), 0));
    s.push('send', call(query(2, 'api.example.com', 'AAAA'), 1));
    s.push('send', call(query(3, 'missing.example.com'), 2));
    s.push('send', call(query(4, 'broken.example.com'), 3));
    s.push('send', call(query(5, 'closed.example.com'), 4));
    // Out of order: by id, not by position.
    s.push('recv', call(response(2, 'api.example.com', 0, [{ type: 'AAAA', data: '2001:db8::1' }], 'AAAA'), 21));
    s.push('recv', call(response(1, 'api.example.com', 0, [{ type: 'A', data: '192.0.2.7' }]), 30));
    s.push('recv', call(response(3, 'missing.example.com', 3), 32));
    s.push('recv', call(response(4, 'broken.example.com', 2), 43));
    s.push('recv', call(response(5, 'closed.example.com', 5), 54));
    assert.deepEqual(
      requests.map((r) => [r.method, r.route, r.status, r.outcome, r.durationUs]),
      [
        ['AAAA', 'api.example.com', 0, 'ok', 20_000],
        ['A', 'api.example.com', 0, 'ok', 30_000],
        ['A', 'missing.example.com', 3, 'client_error', 30_000],
        ['A', 'broken.example.com', 2, 'error', 40_000],
        ['A', 'closed.example.com', 5, 'error', 50_000],
      ],
    );
    assert.ok(requests.every((r) => r.protocol === 'dns'));
    assert.deepEqual(answers.map((a) => [a.question.name, a.answers.map((x) => x.data)]), [['api.example.com', ['2001:db8::1']], ['api.example.com', ['192.0.2.7']]]);
  });

  it('times out an unanswered query as an error, counts orphans and retries', () => {
    const { s, requests, counters } = stream('udp', 1_000_000_000n);
    s.push('send', call(query(7, 'slow.example.com'), 0));
    s.push('send', call(query(7, 'slow.example.com'), 500));
    s.expire(999_000_000n);
    assert.equal(requests.length, 0);
    s.expire(1_000_000_000n);
    assert.deepEqual(requests.map((r) => [r.route, r.status, r.outcome, r.durationUs]), [['slow.example.com', null, 'error', null]]);
    s.push('recv', call(response(7, 'slow.example.com'), 1200));
    assert.equal(counters.dnsTimeouts, 1);
    assert.equal(counters.dnsRetransmits, 1);
    assert.equal(counters.orphanResponses, 1);
  });

  it('frames DNS over TCP: the length read apart from the body, two messages in one call', () => {
    const { s, requests } = stream('tcp');
    const both = Buffer.concat([framed(query(1, 'a.example.com')), framed(query(2, 'b.example.com', 'MX'))]);
    s.push('send', call(both, 0));
    const first = framed(response(1, 'a.example.com', 0, [{ type: 'A', data: '192.0.2.1' }]));
    s.push('recv', call(first.subarray(0, 2), 5));
    s.push('recv', call(first.subarray(2), 6));
    const second = framed(response(2, 'b.example.com', 5, [], 'MX'));
    s.push('recv', call(second.subarray(0, 9), 7));
    s.push('recv', call(second.subarray(9), 9));
    assert.deepEqual(requests.map((r) => [r.method, r.route, r.outcome, r.durationUs]), [['A', 'a.example.com', 'ok', 6000], ['MX', 'b.example.com', 'error', 9000]]);
  });

  it('a TCP connection that closes on a waiting query reports it as an error', () => {
    const { s, requests } = stream('tcp');
    s.push('send', call(framed(query(9, 'x.example.com')), 0));
    s.close();
    assert.deepEqual(requests.map((r) => [r.route, r.outcome]), [['x.example.com', 'error']]);
  });

  it('a server end pairs the query it receives with the response it sends', () => {
    const { s, requests } = stream('tcp');
    s.push('recv', call(framed(query(3, 'srv.example.com')), 0));
    s.push('send', call(framed(response(3, 'srv.example.com')), 4));
    assert.deepEqual(requests.map((r) => [r.route, r.outcome, r.durationUs]), [['srv.example.com', 'ok', 4000]]);
  });

  it('reads the records before the cut of a response the kernel copied in part', () => {
    const full = response(1, 'many.example.com', 0, Array.from({ length: 40 }, (_, i) => ({ type: 'A' as const, data: `192.0.2.${i}` })));
    const cut = parseDnsMessage(full.subarray(0, 440));
    assert.ok(cut);
    assert.equal(cut.question?.name, 'many.example.com');
    assert.ok(cut.answers.length > 10 && cut.answers.length < 40, `${cut.answers.length} answers before the cut`);
    assert.equal(parseDnsMessage(full.subarray(0, 11)), null);
  });
});

describe('dnsRouteOf', () => {
  it('collapses ids in labels and reverse lookups, keeps the zone', () => {
    assert.equal(dnsRouteOf('API.Stripe.com.'), 'api.stripe.com');
    assert.equal(dnsRouteOf('123456.cdn.example.com'), '{n}.cdn.example.com');
    assert.equal(dnsRouteOf('0f3c9a7e5b1d2c4e8f6a.cache.example.com'), '{hex}.cache.example.com');
    assert.equal(dnsRouteOf('7.2.0.192.in-addr.arpa'), '{ip}.in-addr.arpa');
    assert.equal(dnsRouteOf('a.b.c.d.e.f.g.h.i.j.k.example'), '{rest}.c.d.e.f.g.h.i.j.k.example');
    assert.equal(dnsRouteOf(''), '.');
  });
});
