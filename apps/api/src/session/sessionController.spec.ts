/**
 * The web app's session: a key or a one-time login link becomes an http-only, SameSite=Strict
 * cookie that then authenticates every route as the key would; the cookie's tenant sees only
 * its own data; ending the session clears the cookie and revokes a login link's key.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { ALPHA_WEB, BETA_API, startApiSpecHarness, type ApiSpecHarness } from '../testing/apiSpecHarness.js';
import { SESSION_COOKIE } from './sessionCookie.js';

let h: ApiSpecHarness;
before(async () => {
  h = await startApiSpecHarness();
});
after(async () => h.close());

/** The cookie pair (name=value) a Set-Cookie header sets, and its attributes. */
function setCookie(headers: Headers): { pair: string; attributes: string[] } {
  const raw = headers.get('set-cookie');
  assert.ok(raw, 'a Set-Cookie header');
  const [pair, ...attributes] = raw.split(';').map((part) => part.trim());
  return { pair: pair!, attributes: attributes.map((a) => a.toLowerCase()) };
}

describe('web sessions', () => {
  it('a key of the read scope becomes an http-only, SameSite=Strict cookie that authenticates as the key', async () => {
    const started = await h.request('/api/v1/session', { method: 'POST', body: { credential: h.keys.alphaRead } });
    assert.equal(started.status, 200);
    assert.equal(started.body.tenant_id, h.alpha.id);
    assert.equal(started.body.tenant_name, 'alpha');
    assert.deepEqual(started.body.scopes, ['read']);
    assert.equal(started.body.expires_at, null);
    const cookie = setCookie(started.headers);
    assert.equal(cookie.pair, `${SESSION_COOKIE}=${encodeURIComponent(h.keys.alphaRead)}`);
    assert.ok(cookie.attributes.includes('httponly'));
    assert.ok(cookie.attributes.includes('samesite=strict'));
    assert.ok(cookie.attributes.includes('path=/'));
    assert.ok(!cookie.attributes.some((a) => a.startsWith('max-age')), 'a key that does not expire: a browser-session cookie');

    const map = await h.request('/api/v1/map?from=now-1h', { headers: { cookie: cookie.pair } });
    assert.equal(map.status, 200);
    assert.deepEqual(map.body.nodes.map((n: { id: string }) => n.id).sort(), [ALPHA_WEB, 'k8s:alpha/Deployment/cart'].sort());
    // The cookie's tenant sees nothing of another's.
    const other = await h.request(`/api/v1/services/${encodeURIComponent(BETA_API)}`, { headers: { cookie: cookie.pair } });
    assert.equal(other.status, 404);
    const session = await h.request('/api/v1/session', { headers: { cookie: cookie.pair } });
    assert.equal(session.status, 200);
    assert.equal(session.body.tenant_id, h.alpha.id);
    // The cookie carries the key's scopes, no more.
    assert.equal((await h.request('/api/v1/keys', { headers: { cookie: cookie.pair } })).status, 403);
    // A header, when sent, is what counts.
    assert.equal((await h.request('/api/v1/map?from=now-1h', { headers: { cookie: cookie.pair, authorization: 'Bearer hunter2' } })).status, 401);
  });

  it('refuses a key without read, a revoked or unknown key, and a body that is neither', async () => {
    for (const key of [h.keys.alphaWriteIngest, h.keys.alphaRevoked, 'weft_abcdefghijkl_' + 'A'.repeat(43)]) {
      const refused = await h.request('/api/v1/session', { method: 'POST', body: { credential: key } });
      assert.equal(refused.status, 401, key);
      assert.equal(refused.headers.get('set-cookie'), null);
    }
    for (const body of [{}, { credential: h.keys.alphaRead, key: 'x' }, { password: 'x' }, { credential: 7 }, 'not json']) {
      assert.equal((await h.request('/api/v1/session', { method: 'POST', body })).status, 400, JSON.stringify(body));
    }
    // A bad cookie is refused as a bad key is.
    assert.equal((await h.request('/api/v1/map?from=now-1h', { headers: { cookie: `${SESSION_COOKIE}=hunter2` } })).status, 401);
    assert.equal((await h.request('/api/v1/map?from=now-1h', { headers: { cookie: `${SESSION_COOKIE}=${encodeURIComponent(h.keys.alphaRevoked)}` } })).status, 401);
  });

  it('a login link is redeemed once for a cookie of a key that expires; ending the session revokes that key', async () => {
    const link = await h.control.createLoginLink({ tenantId: h.alpha.id, scopes: ['read', 'write'], ttlMs: 60_000 });
    const started = await h.request('/api/v1/session', { method: 'POST', body: { credential: link.plaintext } });
    assert.equal(started.status, 200);
    assert.deepEqual(started.body.scopes, ['read', 'write']);
    assert.ok(started.body.expires_at);
    const cookie = setCookie(started.headers);
    const maxAge = Number(cookie.attributes.find((a) => a.startsWith('max-age='))?.slice('max-age='.length));
    assert.ok(maxAge > 6 * 24 * 3600 && maxAge <= 7 * 24 * 3600, `the cookie lives as long as its key (${maxAge} s)`);
    assert.equal((await h.request('/api/v1/map?from=now-1h', { headers: { cookie: cookie.pair } })).status, 200);
    assert.equal((await h.request('/api/v1/session', { method: 'POST', body: { credential: link.plaintext } })).status, 401, 'used once');

    const ended = await h.request('/api/v1/session', { method: 'DELETE', headers: { cookie: cookie.pair } });
    assert.equal(ended.status, 204);
    const cleared = setCookie(ended.headers);
    assert.equal(cleared.pair, `${SESSION_COOKIE}=`);
    assert.ok(cleared.attributes.includes('max-age=0'));
    assert.equal((await h.request('/api/v1/map?from=now-1h', { headers: { cookie: cookie.pair } })).status, 401, "the login link's key is revoked");

    // Ending a session of a typed key leaves the key working.
    const typed = setCookie((await h.request('/api/v1/session', { method: 'POST', body: { credential: h.keys.alphaRead } })).headers);
    assert.equal((await h.request('/api/v1/session', { method: 'DELETE', headers: { cookie: typed.pair } })).status, 204);
    assert.equal((await h.request('/api/v1/map?from=now-1h', { key: h.keys.alphaRead })).status, 200);
    // And with no session at all.
    assert.equal((await h.request('/api/v1/session', { method: 'DELETE' })).status, 204);
  });
});
