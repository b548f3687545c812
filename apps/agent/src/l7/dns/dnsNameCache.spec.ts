import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DnsNameCache } from './dnsNameCache.js';

describe('DnsNameCache', () => {
  const q = (name: string) => ({ name, type: 'A' });

  it('names an answer\'s addresses by the name asked, through CNAMEs, for its TTL', () => {
    const cache = new DnsNameCache(10);
    cache.learn(q('api.stripe.com'), [
      { name: 'api.stripe.com', type: 'CNAME', data: 'edge.cdn.example', ttlSeconds: 300 },
      { name: 'edge.cdn.example', type: 'A', data: '192.0.2.10', ttlSeconds: 30 },
      { name: 'edge.cdn.example', type: 'AAAA', data: '2001:0db8:0000:0000:0000:0000:0000:0001', ttlSeconds: 30 },
    ], 1000);
    assert.equal(cache.nameOf('192.0.2.10', 1000), 'api.stripe.com');
    assert.equal(cache.nameOf('2001:db8::1', 30_999), 'api.stripe.com', 'IPv6 as the rows write it');
    assert.equal(cache.nameOf('edge.cdn.example', 1000), null);
    assert.equal(cache.nameOf('192.0.2.10', 31_000), null, 'expired');
    assert.equal(cache.stats().expirations, 1);
  });

  it('keeps a zero TTL a few seconds, and evicts the oldest beyond its bound (counted)', () => {
    const cache = new DnsNameCache(2);
    cache.learn(q('a.example'), [{ name: 'a.example', type: 'A', data: '192.0.2.1', ttlSeconds: 0 }], 0);
    assert.equal(cache.nameOf('192.0.2.1', 4_000), 'a.example');
    cache.learn(q('b.example'), [{ name: 'b.example', type: 'A', data: '192.0.2.2', ttlSeconds: 60 }], 0);
    cache.learn(q('c.example'), [{ name: 'c.example', type: 'A', data: '192.0.2.3', ttlSeconds: 60 }], 0);
    assert.equal(cache.nameOf('192.0.2.1', 0), null);
    assert.equal(cache.nameOf('192.0.2.3', 0), 'c.example');
    assert.deepEqual(cache.stats(), { entries: 2, evictions: 1, expirations: 0 });
  });
});
