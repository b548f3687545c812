/**
 * The scaled-out web map: `weft web --api URL` serves the web app and forwards /api/ to a
 * separate `weft api`, on one origin. Through it, a browser's requests (made here with fetch):
 * the pages with their security headers; POST /api/v1/session sets the cookie on the web's
 * origin, which then authenticates the map; a 401 for a wrong key; a 502 naming the API when
 * the API is gone.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openControlStore } from '@weft/control';
import { freeLoopbackPort } from '../fixtures/loopbackPort.js';
import { WeftProcess } from '../fixtures/weftProcess.js';

let root: string;
let api: WeftProcess | undefined;
let web: WeftProcess | undefined;
let webUrl: string;
let key: string;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'weft-web-command-'));
  const control = await openControlStore({ kind: 'sqlite', path: join(root, 'data', 'control.db') });
  try {
    await control.ensureFirstTenant();
    const tenant = (await control.firstTenant())!;
    key = (await control.createKey({ tenantId: tenant.id, name: 'web test', scopes: ['read'] })).plaintext;
  } finally {
    await control.close();
  }
  const [apiPort, grpcPort, webPort] = [await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort()];
  api = await WeftProcess.start(['api', '--data-dir', join(root, 'data'), '--api-addr', `127.0.0.1:${apiPort}`, '--api-grpc-addr', `127.0.0.1:${grpcPort}`], /API at http/);
  web = await WeftProcess.start(['web', '--api', `http://127.0.0.1:${apiPort}`, '--web-addr', `127.0.0.1:${webPort}`], /web map at http/);
  webUrl = `http://127.0.0.1:${webPort}`;
});

after(async () => {
  await web?.stop();
  await api?.stop();
  rmSync(root, { recursive: true, force: true });
});

test('weft web serves the pages and forwards the API on one origin; the session cookie works through it', async () => {
  const page = await fetch(`${webUrl}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<html/);
  assert.equal(page.headers.get('x-frame-options'), 'DENY');
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  assert.equal((await fetch(`${webUrl}/login/`)).status, 200);

  const refused = await fetch(`${webUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ credential: `weft_abcdefghijkl_${'A'.repeat(43)}` }) });
  assert.equal(refused.status, 401);
  const signedIn = await fetch(`${webUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ credential: key }) });
  assert.equal(signedIn.status, 200);
  const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0]!;
  assert.match(cookie, /^weft_key=/);
  const map = await fetch(`${webUrl}/api/v1/map?from=now-5m`, { headers: { cookie } });
  assert.equal(map.status, 200);
  assert.deepEqual(Object.keys((await map.json()) as object).sort(), ['edges', 'nodes', 'window']);
  assert.equal((await fetch(`${webUrl}/api/v1/map?from=now-5m`)).status, 401, 'no cookie, no map');

  await api?.stop();
  api = undefined;
  const gone = await fetch(`${webUrl}/api/v1/map?from=now-5m`, { headers: { cookie } });
  assert.equal(gone.status, 502);
  assert.match(((await gone.json()) as { error: string }).error, /does not answer/);
  assert.equal((await fetch(`${webUrl}/`)).status, 200, 'the pages are still served');
});
