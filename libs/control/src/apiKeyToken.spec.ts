import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { hashSecret, newApiKeyToken, parseApiKeyToken, randomId, secretMatches } from './apiKeyToken.js';

test('a new key splits back into its id and secret by the first two underscores', () => {
  for (let i = 0; i < 200; i++) {
    const token = newApiKeyToken();
    const parsed = parseApiKeyToken(token.plaintext);
    assert.ok(parsed, token.plaintext);
    assert.equal(parsed.id, token.id);
    assert.equal(token.plaintext, `weft_${parsed.id}_${parsed.secret}`);
    assert.equal(Buffer.from(parsed.secret, 'base64url').length, 32);
    assert.equal(token.secretHash, createHash('sha256').update(parsed.secret).digest('hex'));
    assert.ok(secretMatches(parsed.secret, token.secretHash));
  }
});

test('ids are 12 characters of lowercase base32 and differ', () => {
  const ids = new Set(Array.from({ length: 1000 }, randomId));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, /^[a-z2-7]{12}$/);
});

test('a secret with a wrong character does not match; neither does a malformed hash', () => {
  const secret = 'A'.repeat(43);
  const hash = hashSecret(secret);
  assert.ok(secretMatches(secret, hash));
  assert.ok(!secretMatches(`${'A'.repeat(42)}B`, hash));
  assert.ok(!secretMatches(secret, hash.slice(0, 62)));
  assert.ok(!secretMatches(secret, ''));
});

test('what is not a key parses to null', () => {
  const secret = 'a'.repeat(43);
  for (const candidate of ['', 'weft_', `weft_abcdefghijkl_${secret}x`, `weft_abcdefghijk_${secret}`, `weft_ABCDEFGHIJKL_${secret}`, `wefx_abcdefghijkl_${secret}`, `weft_abcdefghijkl_${'a'.repeat(42)}=`, `weft_abcdefghijkl_${secret}\n`, null, 7]) {
    assert.equal(parseApiKeyToken(candidate), null, JSON.stringify(candidate));
  }
  assert.deepEqual(parseApiKeyToken(`weft_abcdefghijkl_${'_'.repeat(43)}`), { id: 'abcdefghijkl', secret: '_'.repeat(43) });
});
