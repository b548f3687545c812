import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { ApiKeyAuthenticator, Caller } from './apiControl.js';
import { AuthenticationCache } from './authenticationCache.js';

/** Answers from a table and counts the calls (the ground truth the cache is held to). */
function counting(keys: Record<string, Caller>): ApiKeyAuthenticator & { calls: number } {
  return {
    calls: 0,
    async authenticate(plaintext) {
      this.calls++;
      return keys[plaintext] ?? null;
    },
  };
}
const caller = (keyId: string): Caller => ({ tenantId: 't', keyId, scopes: ['read'] });

describe('the authentication cache', () => {
  it('reuses a good answer for its ttl, then asks again', async () => {
    let now = 0;
    const inner = counting({ a: caller('a') });
    const cache = new AuthenticationCache(inner, { ttlMs: 1000, now: () => now });
    assert.deepEqual(await cache.authenticate('a'), caller('a'));
    now = 999;
    assert.deepEqual(await cache.authenticate('a'), caller('a'));
    assert.equal(inner.calls, 1);
    now = 1000;
    await cache.authenticate('a');
    assert.equal(inner.calls, 2);
  });

  it('never remembers a refusal, and forgets a revoked key at once', async () => {
    const keys: Record<string, Caller> = { a: caller('a') };
    const inner = counting(keys);
    const cache = new AuthenticationCache(inner);
    assert.equal(await cache.authenticate('nope'), null);
    assert.equal(await cache.authenticate('nope'), null);
    assert.equal(inner.calls, 2);
    await cache.authenticate('a');
    delete keys.a;
    cache.forget('a');
    assert.equal(await cache.authenticate('a'), null);
  });

  it('holds at most maxEntries keys, dropping the oldest', async () => {
    const keys = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, caller(`k${i}`)]));
    const inner = counting(keys);
    const cache = new AuthenticationCache(inner, { maxEntries: 3 });
    for (let i = 0; i < 10; i++) await cache.authenticate(`k${i}`);
    assert.equal(cache.size, 3);
    const before = inner.calls;
    await cache.authenticate('k9');
    assert.equal(inner.calls, before, 'the newest is kept');
    await cache.authenticate('k0');
    assert.equal(inner.calls, before + 1, 'the oldest went');
  });
});
