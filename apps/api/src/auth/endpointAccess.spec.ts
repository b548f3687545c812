/**
 * Every endpoint, with a real control store (SQLite in a temp dir) and a fake store answering
 * per tenant: no key, a malformed, unknown or revoked key: 401 with WWW-Authenticate; a key
 * without the route's scope: 403; none of them reaches the store. A key of another tenant
 * sees only its own tenant: the store is asked for that tenant, and the other tenant's data
 * never comes back (404 for its ids).
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Controller, Get } from '@nestjs/common';
import { ALPHA_CART, ALPHA_WEB, BETA_API, BETA_DB, startApiSpecHarness, type ApiSpecHarness } from '../testing/apiSpecHarness.js';
import { assertEveryRouteDeclaresAccess, OpenRoute, RequiresScope, UndeclaredRouteAccessError } from './routeAccess.js';
import { API_CONTROLLERS } from '../apiServer.js';

let h: ApiSpecHarness;
before(async () => {
  h = await startApiSpecHarness();
});
after(async () => h.close());

const enc = encodeURIComponent;
interface Endpoint {
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  scope: 'read' | 'admin';
  /** The path for the alpha tenant's data (its ids). */
  path: () => string;
  body?: unknown;
}

const READ: Endpoint[] = [
  { name: 'map', method: 'GET', scope: 'read', path: () => '/api/v1/map?from=now-1h' },
  { name: 'services', method: 'GET', scope: 'read', path: () => '/api/v1/services?q=' },
  { name: 'service', method: 'GET', scope: 'read', path: () => `/api/v1/services/${enc(ALPHA_WEB)}` },
  { name: 'neighborhood', method: 'GET', scope: 'read', path: () => `/api/v1/services/${enc(ALPHA_WEB)}/neighborhood?depth=2` },
  { name: 'series', method: 'GET', scope: 'read', path: () => `/api/v1/edges/series?source=${enc(ALPHA_WEB)}&target=${enc(ALPHA_CART)}&port=8080&from=now-1h` },
  { name: 'breakdown', method: 'GET', scope: 'read', path: () => `/api/v1/edges/breakdown?source=${enc(ALPHA_WEB)}&target=${enc(ALPHA_CART)}&by=server_version` },
  { name: 'routes', method: 'GET', scope: 'read', path: () => `/api/v1/edges/routes?source=${enc(ALPHA_WEB)}&target=${enc(ALPHA_CART)}&port=8080&limit=5` },
  { name: 'changes', method: 'GET', scope: 'read', path: () => '/api/v1/changes?from=now-15m' },
];
const ADMIN: Endpoint[] = [
  { name: 'create key', method: 'POST', scope: 'admin', path: () => '/api/v1/keys', body: { name: 'ci', scopes: ['read'] } },
  { name: 'list keys', method: 'GET', scope: 'admin', path: () => '/api/v1/keys' },
  { name: 'revoke key', method: 'DELETE', scope: 'admin', path: () => '/api/v1/keys/abcdefghijkl' },
  { name: 'create tenant', method: 'POST', scope: 'admin', path: () => '/api/v1/tenants', body: { name: 'gamma' } },
  { name: 'list tenants', method: 'GET', scope: 'admin', path: () => '/api/v1/tenants' },
];

describe('every endpoint refuses a request without a valid key of its scope, before the store is asked', () => {
  for (const endpoint of [...READ, ...ADMIN]) {
    it(`${endpoint.name}: ${endpoint.method} ${endpoint.path().split('?')[0]}`, async () => {
      const calls = h.queries.calls.length;
      const unknown = `weft_${'abcdefghijkl'}_${randomBytes(32).toString('base64url')}`;
      const cases: Array<[string, Record<string, string>, number, string]> = [
        ['no key', {}, 401, 'missing'],
        ['not bearer', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }, 401, 'malformed'],
        ['not a key', { authorization: 'Bearer hunter2' }, 401, 'malformed'],
        ['an unknown key', { authorization: `Bearer ${unknown}` }, 401, 'unknown'],
        ['a revoked key', { authorization: `Bearer ${h.keys.alphaRevoked}` }, 401, 'unknown'],
        ['a key without the scope', { authorization: `Bearer ${endpoint.scope === 'read' ? h.keys.alphaWriteIngest : h.keys.alphaRead}` }, 403, 'scope'],
      ];
      for (const [why, headers, status, reason] of cases) {
        const answer = await h.request(endpoint.path(), { method: endpoint.method, headers, ...(endpoint.body ? { body: endpoint.body } : {}) });
        assert.equal(answer.status, status, `${why}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.reason, reason, why);
        assert.equal(answer.body.scope, endpoint.scope, why);
        assert.equal(typeof answer.body.error, 'string', why);
        const challenge = answer.headers.get('www-authenticate') ?? '';
        assert.match(challenge, /^Bearer realm="weft"/, why);
        if (status === 403) assert.match(challenge, new RegExp(`error="insufficient_scope", scope="${endpoint.scope}"`), why);
      }
      assert.equal(h.queries.calls.length, calls, 'no refused request reached the store');
    });
  }

  it('the refusals are counted by reason', async () => {
    const metrics = await (await fetch(`${h.api.url}/metrics`)).text();
    const count = (reason: string): number => Number(new RegExp(`weft_api_auth_failures_total\\{reason="${reason}",transport="http"\\} (\\d+)`).exec(metrics)?.[1]);
    const endpoints = READ.length + ADMIN.length;
    assert.equal(count('missing'), endpoints);
    assert.equal(count('malformed'), 2 * endpoints);
    assert.equal(count('unknown'), 2 * endpoints);
    assert.equal(count('scope'), endpoints);
  });
});

describe("a key of another tenant sees nothing of this one", () => {
  it('the read endpoints answer for the key\'s tenant only', async () => {
    for (const endpoint of READ) {
      const own = await h.request(endpoint.path(), { key: h.keys.alphaRead });
      assert.equal(own.status, 200, `${endpoint.name}: ${JSON.stringify(own.body)}`);
      assert.equal(h.queries.lastCall()?.tenant, h.alpha.id, endpoint.name);
      // The series names no service: alpha's edge shows as its 300 bytes.
      const alphaData = endpoint.name === 'series' ? /"bytes_sent":300/ : /k8s:alpha\//;
      assert.match(JSON.stringify(own.body), alphaData, `${endpoint.name}: the owner sees its data`);

      const other = await h.request(endpoint.path(), { key: h.keys.betaRead });
      assert.equal(h.queries.lastCall()?.tenant, h.beta.id, endpoint.name);
      if (endpoint.name === 'service' || endpoint.name === 'neighborhood') {
        // Exactly what a service that exists nowhere gets: the id asked for, echoed, and nothing else.
        assert.equal(other.status, 404, endpoint.name);
        assert.deepEqual(other.body, { error: `no service ${JSON.stringify(ALPHA_WEB)}` });
        const nowhere = await h.request(endpoint.path().replace(enc(ALPHA_WEB), enc('k8s:alpha/Deployment/nowhere')), { key: h.keys.alphaRead });
        assert.deepEqual(nowhere, { ...nowhere, status: 404, body: { error: `no service ${JSON.stringify('k8s:alpha/Deployment/nowhere')}` } });
      } else {
        assert.equal(other.status, 200, endpoint.name);
        assert.doesNotMatch(JSON.stringify(other.body), /alpha|"bytes_sent":300/, `${endpoint.name}: ${JSON.stringify(other.body).slice(0, 300)}`);
      }
    }
    // And the other way round: beta's own ids are beta's.
    const beta = await h.request(`/api/v1/services/${enc(BETA_API)}`, { key: h.keys.betaRead });
    assert.equal(beta.status, 200);
    assert.deepEqual(beta.body.outbound.map((e: { target: string }) => e.target), [BETA_DB]);
    assert.equal((await h.request(`/api/v1/services/${enc(BETA_API)}`, { key: h.keys.alphaRead })).status, 404);
  });

  it("keys: an admin lists, and revokes, only its own tenant's keys", async () => {
    const alphaKeys = await h.request('/api/v1/keys', { key: h.keys.alphaAdmin });
    const betaKeys = await h.request('/api/v1/keys', { key: h.keys.betaAdmin });
    assert.equal(alphaKeys.status, 200);
    assert.ok(alphaKeys.body.keys.length >= 4);
    assert.ok(alphaKeys.body.keys.every((k: { tenant_id: string }) => k.tenant_id === h.alpha.id));
    assert.ok(betaKeys.body.keys.length >= 2);
    assert.ok(betaKeys.body.keys.every((k: { tenant_id: string }) => k.tenant_id === h.beta.id));
    assert.ok(JSON.stringify([alphaKeys.body, betaKeys.body]).match(/weft_[a-z2-7]{12}_/) === null, 'no plaintext is ever listed');

    const created = await h.request('/api/v1/keys', { method: 'POST', key: h.keys.alphaAdmin, body: { name: 'reader', scopes: ['read'] } });
    assert.equal(created.status, 201);
    assert.equal(created.body.key.tenant_id, h.alpha.id);
    assert.deepEqual(created.body.key.scopes, ['read']);
    const plaintext = created.body.plaintext as string;
    assert.equal((await h.request('/api/v1/map', { key: plaintext })).status, 200);

    // Beta's admin cannot revoke alpha's key: 404, and the key still works.
    const stolen = await h.request(`/api/v1/keys/${created.body.key.id}`, { method: 'DELETE', key: h.keys.betaAdmin });
    assert.equal(stolen.status, 404);
    assert.deepEqual(Object.keys(stolen.body), ['error']);
    assert.equal((await h.request('/api/v1/map', { key: plaintext })).status, 200);

    // Alpha's admin can; the key stops at once in this process (the cache forgets it).
    const revoked = await h.request(`/api/v1/keys/${created.body.key.id}`, { method: 'DELETE', key: h.keys.alphaAdmin });
    assert.equal(revoked.status, 200);
    assert.ok(revoked.body.revoked_at);
    assert.equal((await h.request('/api/v1/map', { key: plaintext })).status, 401);
    assert.equal((await h.request('/api/v1/keys/abcdefghijkl', { method: 'DELETE', key: h.keys.alphaAdmin })).status, 404);
  });

  it("tenants: a key sees its own; only the operator's (first) tenant creates tenants, whose key sees nothing of the others", async () => {
    const own = await h.request('/api/v1/tenants', { key: h.keys.betaAdmin });
    assert.equal(own.status, 200);
    assert.deepEqual(own.body.tenants, [{ id: h.beta.id, name: 'beta', created_at: h.beta.createdAt }]);

    const refused = await h.request('/api/v1/tenants', { method: 'POST', key: h.keys.betaAdmin, body: { name: 'gamma' } });
    assert.equal(refused.status, 403);
    assert.equal(typeof refused.body.error, 'string');

    const created = await h.request('/api/v1/tenants', { method: 'POST', key: h.keys.alphaAdmin, body: { name: 'gamma' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.tenant.name, 'gamma');
    assert.equal(created.body.admin_key.key.tenant_id, created.body.tenant.id);
    assert.deepEqual(created.body.admin_key.key.scopes, ['read', 'write', 'ingest', 'admin']);
    const gammaKey = created.body.admin_key.plaintext as string;
    const gammaMap = await h.request('/api/v1/map', { key: gammaKey });
    assert.equal(gammaMap.status, 200);
    assert.equal(h.queries.lastCall()?.tenant, created.body.tenant.id);
    assert.deepEqual(gammaMap.body.nodes, []);
    assert.deepEqual((await h.request('/api/v1/tenants', { key: gammaKey })).body.tenants.map((t: { name: string }) => t.name), ['gamma']);
    assert.equal((await h.request('/api/v1/tenants', { method: 'POST', key: gammaKey, body: { name: 'delta' } })).status, 403);

    const taken = await h.request('/api/v1/tenants', { method: 'POST', key: h.keys.alphaAdmin, body: { name: 'gamma' } });
    assert.equal(taken.status, 409);
  });
});

describe('open routes and declared scopes', () => {
  it('/healthz, /metrics and the OpenAPI document need no key', async () => {
    for (const path of ['/healthz', '/metrics', '/api/v1/openapi.json']) assert.equal((await fetch(`${h.api.url}${path}`)).status, 200, path);
  });

  it('a route that declares no scope stops the server at start-up', () => {
    assert.doesNotThrow(() => assertEveryRouteDeclaresAccess(API_CONTROLLERS));
    @Controller('x')
    class Careless {
      @Get('open')
      @OpenRoute('a test')
      open(): string {
        return '';
      }
      @Get('read')
      @RequiresScope('read')
      read(): string {
        return '';
      }
      @Get('forgot')
      forgot(): string {
        return '';
      }
    }
    assert.throws(() => assertEveryRouteDeclaresAccess([Careless]), (err: unknown) => err instanceof UndeclaredRouteAccessError && /Careless\.forgot/.test(err.message) && !/Careless\.read/.test(err.message));
  });
});
