import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { bearerKey, CachedIngestAuthenticator, type KeyLookup } from './ingestAuth.js';

/** A lookup over a fixed table of keys, counting its calls per key. */
function table(keys: Record<string, { tenantId: string; scopes: string[] }>): KeyLookup & { calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const lookup = async (key: string) => {
    calls.set(key, (calls.get(key) ?? 0) + 1);
    return keys[key] ?? null;
  };
  return Object.assign(lookup, { calls });
}

describe('CachedIngestAuthenticator', () => {
  const keys = { 'weft_a': { tenantId: 'tenant-a', scopes: ['ingest'] }, 'weft_r': { tenantId: 'tenant-a', scopes: ['read', 'admin'] } };

  it('answers tenant, unknown, no scope and missing key', async () => {
    const lookup = table(keys);
    const auth = new CachedIngestAuthenticator(lookup);
    assert.deepEqual(await auth.authenticate('weft_a'), { tenant: 'tenant-a' });
    assert.deepEqual(await auth.authenticate('weft_r'), { refused: 'no_ingest_scope' });
    assert.deepEqual(await auth.authenticate('weft_x'), { refused: 'unknown_key' });
    assert.deepEqual(await auth.authenticate(undefined), { refused: 'missing_key' });
    assert.deepEqual(await auth.authenticate(''), { refused: 'missing_key' });
    assert.equal(lookup.calls.get(''), undefined);
  });

  it('keeps a good answer 60 s and a refusal 5 s, and asks once for concurrent batches', async () => {
    let now = 0;
    const lookup = table(keys);
    const auth = new CachedIngestAuthenticator(lookup, { positiveTtlMs: 60_000, negativeTtlMs: 5_000, maxEntries: 100, now: () => now });
    await Promise.all(Array.from({ length: 20 }, () => auth.authenticate('weft_a')));
    await Promise.all(Array.from({ length: 20 }, () => auth.authenticate('weft_x')));
    assert.equal(lookup.calls.get('weft_a'), 1);
    assert.equal(lookup.calls.get('weft_x'), 1);
    now = 5_001;
    await auth.authenticate('weft_a');
    await auth.authenticate('weft_x');
    assert.equal(lookup.calls.get('weft_a'), 1, 'still trusted');
    assert.equal(lookup.calls.get('weft_x'), 2, 'refusal expired');
    now = 60_001;
    await auth.authenticate('weft_a');
    assert.equal(lookup.calls.get('weft_a'), 2);
  });

  it('does not cache a lookup that failed, and stays bounded', async () => {
    let failing = true;
    const lookup: KeyLookup = async (key) => {
      if (failing) throw new Error('control store down');
      return { tenantId: `t-${key}`, scopes: ['ingest'] };
    };
    const auth = new CachedIngestAuthenticator(lookup, { positiveTtlMs: 60_000, negativeTtlMs: 5_000, maxEntries: 3 });
    await assert.rejects(auth.authenticate('k1'), /control store down/);
    failing = false;
    assert.deepEqual(await auth.authenticate('k1'), { tenant: 't-k1' });
    for (let i = 0; i < 50; i++) await auth.authenticate(`key-${i}`);
    assert.ok((auth as unknown as { entries: Map<string, unknown> }).entries.size <= 3);
  });

  it('reads the key of an authorization value', () => {
    assert.equal(bearerKey('Bearer weft_abc'), 'weft_abc');
    assert.equal(bearerKey('bearer   weft_abc '), 'weft_abc');
    assert.equal(bearerKey('Basic weft_abc'), undefined);
    assert.equal(bearerKey('Bearer'), undefined);
    assert.equal(bearerKey(undefined), undefined);
    assert.equal(bearerKey(Buffer.from('Bearer x')), undefined);
  });
});
