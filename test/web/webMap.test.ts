/// <reference lib="dom" />
/**
 * The web map in a real browser (Debian's chromium, driven by playwright-core) against
 * `weft up --demo`: the demo shop (libs/demo) under load, mapped by the whole product, shown by
 * the web app the API serves. Ground truth is the demo's own topology (shopTopology()): its
 * services, the edges between them, the canary's version, and one edge this test adds itself.
 * Signed in through the one-time login link `weft up` prints. Screenshots of the map, a
 * neighbourhood and the edge drawer, in both themes, go to test-output/web/.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { mapIdentityOf, serviceOf, shopTopology, type DemoService, type DemoTopology } from '@weft/demo';
import { AGENT_MAIN, assertAgentBuilt } from '../fixtures/agentProcess.js';
import { pollUntil, runCommand } from '../fixtures/commandRunner.js';
import { freeLoopbackPort } from '../fixtures/loopbackPort.js';
import { FIRST_START_KEY_LINE, type ServiceMapResponse } from '../fixtures/weftUpProcess.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const OUTPUT = join(repoRoot, 'test-output/web');
const CHROMIUM = process.env.WEFT_CHROMIUM ?? '/usr/bin/chromium';
const topology: DemoTopology = shopTopology();

const identity = (service: DemoService): string => {
  const { namespace, name } = mapIdentityOf(service);
  return `${namespace}/${name}`;
};
const expectedServices = topology.services.map(identity).sort();
const expectedPairs = [...new Set(topology.edges.map((e) => `${identity(serviceOf(topology, e.client))} -> ${identity(serviceOf(topology, e.server))}`))].sort();

/** The services within `depth` hops of `center` (both directions), by identity: the neighbourhood the page must show. */
function neighbourhood(center: string, depth: number): string[] {
  const links = topology.edges.map((e) => [identity(serviceOf(topology, e.client)), identity(serviceOf(topology, e.server))] as const);
  const seen = new Set([center]);
  let frontier = [center];
  for (let hop = 0; hop < depth; hop++) {
    const next: string[] = [];
    for (const s of frontier) {
      for (const [a, b] of links) {
        for (const [from, to] of [[a, b], [b, a]] as const) {
          if (from === s && !seen.has(to)) {
            seen.add(to);
            next.push(to);
          }
        }
      }
    }
    frontier = next;
  }
  return [...seen].sort();
}

let child: ChildProcess;
let stderr = '';
let apiUrl: string;
let adminKey: string;
let loginLink: string;
let browser: Browser;
let context: BrowserContext;
let root: string;
/** Map node ids by identity (namespace/name) and back, from the API's own answer. */
const idOf = new Map<string, string>();
const identityOf = new Map<string, string>();

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${adminKey}` } });
  assert.equal(response.status, 200, `GET ${path}`);
  return (await response.json()) as T;
}

async function waitForStderr(pattern: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray> {
  let match: RegExpExecArray | null = null;
  const seen = await pollUntil(() => ((match = pattern.exec(stderr)) ? true : child.exitCode !== null ? 'exited' : undefined), { timeoutMs, intervalMs: 100 });
  if (seen !== true || match === null) throw new Error(`weft up --demo: ${seen === 'exited' ? 'exited' : 'timed out'} waiting for ${what}; stderr:\n${stderr}`);
  return match;
}

/** The drawing's service nodes and edges, as identities. */
async function drawing(page: Page): Promise<{ nodes: string[]; pairs: string[]; appeared: string[]; edges: Map<string, { level: string; label: string }> }> {
  const probe = await page.evaluate(() => {
    const map = (window as unknown as { __weftMap: { nodes(): string[]; edges(): Array<{ source: string; target: string; change: string | null; level: string; label: string }> } }).__weftMap;
    return { nodes: map.nodes(), edges: map.edges() };
  });
  const name = (id: string): string => identityOf.get(id) ?? id;
  return {
    nodes: probe.nodes.map(name).sort(),
    pairs: probe.edges.map((e) => `${name(e.source)} -> ${name(e.target)}`).sort(),
    appeared: probe.edges.filter((e) => e.change === 'appeared').map((e) => `${name(e.source)} -> ${name(e.target)}`).sort(),
    edges: new Map(probe.edges.map((e) => [`${name(e.source)} -> ${name(e.target)}`, { level: e.level, label: e.label }])),
  };
}

async function openMap(page: Page, search: string): Promise<void> {
  await page.goto(`${apiUrl}/?${search}`);
  await page.waitForFunction(() => ((window as unknown as { __weftMap?: { layouts: number } }).__weftMap?.layouts ?? 0) > 0, null, { timeout: 30_000 });
}

/** Both themes; `prepare` runs after each switch (a theme redraws the charts, which can reset a scroll). */
async function shoot(page: Page, name: string, prepare?: () => Promise<void>): Promise<void> {
  for (const theme of ['dark', 'light'] as const) {
    // The page's own toggle, as a user switches: the drawing restyles with the page.
    if ((await page.evaluate(() => document.documentElement.dataset.theme)) !== theme) await page.getByRole('button', { name: `Switch to the ${theme} theme` }).click();
    await page.waitForTimeout(400);
    await prepare?.();
    await page.screenshot({ path: join(OUTPUT, `${name}-${theme}.png`) });
  }
}

before(async () => {
  assertAgentBuilt();
  mkdirSync(OUTPUT, { recursive: true });
  root = mkdtempSync(join(tmpdir(), 'weft-web-test-'));
  const [apiPort, grpcPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
  apiUrl = `http://127.0.0.1:${apiPort}`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WEFT_') && !k.startsWith('NODE_TEST')));
  child = spawn(process.execPath, [AGENT_MAIN, 'up', '--demo', '--data-dir', join(root, 'data'), '--api-addr', `127.0.0.1:${apiPort}`, '--api-grpc-addr', `127.0.0.1:${grpcPort}`], { stdio: ['ignore', 'ignore', 'pipe'], env });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  adminKey = (await waitForStderr(FIRST_START_KEY_LINE, 90_000, 'the admin key'))[2]!;
  loginLink = (await waitForStderr(/web map at \S+ +\(this link signs you in once, for 24 h: (\S+)\)/, 90_000, 'the login link'))[1]!;
  await waitForStderr(/weft demo: load started/, 90_000, 'the load');
  // The whole shop on the map (the API's answer) before the browser looks.
  const shown = await pollUntil(
    async () => {
      const map = await api<ServiceMapResponse>('/api/v1/map?from=now-2m');
      const byId = new Map(map.nodes.map((n) => [n.id, `${n.namespace}/${n.name}`]));
      const pairs = [...new Set(map.edges.map((e) => `${byId.get(e.source)} -> ${byId.get(e.target)}`))].sort();
      if (JSON.stringify(pairs) !== JSON.stringify(expectedPairs)) return undefined;
      for (const n of map.nodes) {
        idOf.set(`${n.namespace}/${n.name}`, n.id);
        identityOf.set(n.id, `${n.namespace}/${n.name}`);
      }
      return true;
    },
    { timeoutMs: 120_000, intervalMs: 2000 },
  );
  assert.equal(shown, true, `the demo's edges on the map; stderr:\n${stderr}`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
});

after(async () => {
  await browser?.close();
  if (child && child.exitCode === null) {
    child.kill('SIGINT');
    await new Promise<void>((done) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        done();
      }, 60_000);
      child.once('exit', () => {
        clearTimeout(timer);
        done();
      });
    });
  }
  if (root) rmSync(root, { recursive: true, force: true });
});

test('the login link signs in once; the map and its list view show exactly the demo\'s services and edges', async () => {
  const page = await context.newPage();
  await page.goto(loginLink);
  await page.waitForURL((url) => !url.pathname.startsWith('/login'), { timeout: 20_000 });
  assert.ok(!page.url().includes('token'), 'the token is gone from the address bar');
  // The link is spent: another browser gets the login page's refusal.
  const other = await browser.newContext();
  const again = await other.newPage();
  await again.goto(loginLink);
  await again.locator('p.error[role=alert]').waitFor({ timeout: 20_000 });
  await other.close();

  await openMap(page, 'range=5m&list=1');
  await pollUntil(async () => (JSON.stringify((await drawing(page)).pairs) === JSON.stringify(expectedPairs) ? true : undefined), { timeoutMs: 30_000, intervalMs: 500 });
  const drawn = await drawing(page);
  assert.deepEqual(drawn.nodes, expectedServices, 'the drawing: every service of the demo, nothing else');
  assert.deepEqual(drawn.pairs, expectedPairs, 'the drawing: every edge of the demo, nothing else');
  const list = page.getByTestId('list-view');
  const listedEdges = await list.locator('tbody tr[data-source]').evaluateAll((rows) => rows.map((r) => `${(r as HTMLElement).dataset.source} -> ${(r as HTMLElement).dataset.target}`));
  assert.deepEqual(listedEdges.map((e) => e.split(' -> ').map((id) => identityOf.get(id) ?? id).join(' -> ')).sort(), expectedPairs, 'the list view: the same edges');
  const listedServices = await list.locator('tbody tr[data-id]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.id ?? ''));
  assert.deepEqual(listedServices.map((id) => identityOf.get(id) ?? id).sort(), expectedServices, 'the list view: the same services');
  // The layout is stable: a live refresh moves nothing, and a reload shows every node where it was.
  const positions = (): Promise<Record<string, { x: number; y: number }>> =>
    page.evaluate(() => {
      const cy = (window as unknown as { __weftMap: { cy: { nodes(): { forEach(f: (n: { id(): string; isParent(): boolean; position(): { x: number; y: number } }) => void): void } } } }).__weftMap.cy;
      const out: Record<string, { x: number; y: number }> = {};
      cy.nodes().forEach((n) => {
        if (!n.isParent()) out[n.id()] = { ...n.position() };
      });
      return out;
    });
  const before = await positions();
  const refreshed = await page.evaluate(() => (window as unknown as { __weftMap: { layouts: number } }).__weftMap.layouts);
  await page.waitForFunction((n) => (window as unknown as { __weftMap: { layouts: number } }).__weftMap.layouts > n, refreshed, { timeout: 20_000 });
  assert.deepEqual(await positions(), before, 'a live refresh moves nothing');
  await page.reload();
  await page.waitForFunction(() => ((window as unknown as { __weftMap?: { layouts: number } }).__weftMap?.layouts ?? 0) > 0, null, { timeout: 30_000 });
  const reloaded = await positions();
  for (const [id, p] of Object.entries(before)) {
    const q = reloaded[id];
    assert.ok(q && Math.abs(q.x - p.x) <= 1 && Math.abs(q.y - p.y) <= 1, `${id} is where it was before the reload (${JSON.stringify(p)}, now ${JSON.stringify(q)})`);
  }
  // The list is keyboard navigable: focus a row, Enter selects it.
  await list.locator('tbody tr[data-id]').first().focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/service=/);
  await openMap(page, 'range=5m');
  await shoot(page, 'map');
  await page.close();
});

test('search selects a service; its neighbourhood at 1 and 2 hops is exactly the services that near', async () => {
  const page = await context.newPage();
  await openMap(page, 'range=5m');
  const checkout = serviceOf(topology, 'checkout');
  await page.getByRole('combobox', { name: 'Search services' }).fill(checkout.name);
  await page.getByRole('option', { name: new RegExp(`^${checkout.name}`) }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.waitForURL((url) => url.searchParams.get('service') === idOf.get(identity(checkout)), { timeout: 10_000 });
  for (const depth of [1, 2]) {
    await page.getByLabel('Hops').selectOption(String(depth));
    const expected = neighbourhood(identity(checkout), depth);
    const ok = await pollUntil(async () => (JSON.stringify((await drawing(page)).nodes) === JSON.stringify(expected) ? true : undefined), { timeoutMs: 20_000, intervalMs: 300 });
    assert.equal(ok, true, `depth ${depth}: drawn ${JSON.stringify((await drawing(page)).nodes)}, expected ${JSON.stringify(expected)}`);
  }
  await shoot(page, 'neighbourhood');
  await page.close();
});

test("the edge drawer's charts have data and its breakdown puts the canary's version first; a copied URL reopens the same view", async () => {
  const page = await context.newPage();
  const checkout = idOf.get(identity(serviceOf(topology, 'checkout')))!;
  const payment = serviceOf(topology, 'payment');
  const paymentId = idOf.get(identity(payment))!;
  await openMap(page, 'range=5m');
  // Open it the way a user does: from the list view.
  await page.getByRole('button', { name: 'List' }).click();
  await page.locator(`tbody tr[data-source="${checkout}"][data-target="${paymentId}"]`).click();
  const drawer = page.getByTestId('edge-drawer');
  await drawer.waitFor();
  for (const chart of ['Rate', 'Duration', 'TCP health']) {
    const host = drawer.getByTestId(`chart-${chart}`);
    await host.locator('canvas').waitFor({ timeout: 20_000 });
    assert.ok(Number(await host.getAttribute('data-points')) > 0, `${chart} has points`);
  }
  // The canary's refusals are of new connections: until one was refused, the versions tie. The
  // drawer reads the breakdown when it opens; reopened until the canary's first failures are in.
  const firstRow = (): ReturnType<Page['locator']> => page.getByTestId('breakdown').locator('tbody tr').first();
  const leader = await pollUntil(
    async () => {
      await firstRow().waitFor({ timeout: 20_000 });
      const version = await firstRow().locator('td').first().textContent();
      if (version === topology.canary.canaryVersion) return version;
      await page.reload();
      return undefined;
    },
    { timeoutMs: 90_000, intervalMs: 3000 },
  );
  assert.equal(leader, topology.canary.canaryVersion, 'the canary version leads the breakdown by server version');

  // RED: the drawer's totals carry the edge's requests, errors and latency, and its top routes
  // are the API's for the same edge and window (checkout charges through POST /charge).
  await drawer.getByTestId('edge-requests').waitFor({ timeout: 20_000 });
  assert.match((await drawer.getByTestId('edge-requests').textContent()) ?? '', /^[1-9][\d,]*$/, 'requests counted');
  assert.match((await drawer.getByTestId('edge-request-errors').textContent()) ?? '', /%/);
  assert.match((await drawer.getByTestId('edge-request-latency').textContent()) ?? '', /\d+(\.\d+)? (ms|s) \/ .+ \/ \d+(\.\d+)? (ms|s)$/, 'p50 / p95 / p99 measured');
  const routeRows = drawer.getByTestId('routes').locator('tbody tr[data-route]');
  await routeRows.first().waitFor({ timeout: 20_000 });
  const shownRoutes = await routeRows.evaluateAll((rows) => rows.map((r) => `${(r as HTMLElement).dataset.method} ${(r as HTMLElement).dataset.route}`));
  assert.ok(shownRoutes.includes('POST /charge'), `checkout's call to payment among the routes: ${JSON.stringify(shownRoutes)}`);
  const routes = await api<{ routes: Array<{ method: string; route: string; requests: number }> }>(`/api/v1/edges/routes?source=${encodeURIComponent(checkout)}&target=${encodeURIComponent(paymentId)}&from=now-5m&limit=10`);
  assert.deepEqual([...shownRoutes].sort(), routes.routes.map((r) => `${r.method} ${r.route}`).sort(), 'the table lists the API\'s routes');
  const cells = await routeRows.first().locator('td').allTextContents();
  assert.equal(cells.length, 5, `method, route, req/s, error %, p99: ${JSON.stringify(cells)}`);
  assert.match(cells[2]!, /^\d/, `req/s: ${cells[2]}`);
  assert.match(cells[3]!, /%$/, `error %: ${cells[3]}`);
  assert.match(cells[4]!, /\d (µs|ms|s)$/, `p99: ${cells[4]}`);
  // The canary's failures show: on the drawer's failure share and on the map's edge (colour and label).
  const failureCell = drawer.getByTestId('edge-totals').locator('tr', { hasText: 'Failure share' }).locator('td');
  assert.match((await failureCell.getAttribute('class')) ?? '', /level-(warn|bad)/, `failure share ${await failureCell.textContent()}`);
  const pair = `${identity(serviceOf(topology, 'checkout'))} -> ${identity(payment)}`;
  const drawn = (await drawing(page)).edges.get(pair);
  assert.ok(drawn && /^[\d.k]+ req\/s · [\d.<]+% · p99 [\d.]+ (µs|ms|s)$/.test(drawn.label), `the map labels ${pair} with its RED: ${JSON.stringify(drawn)}`);
  assert.match(drawn.level, /warn|bad/, `the canary's failures colour ${pair}`);
  await shoot(page, 'drawer');
  // The drawer scrolled to its top routes.
  await shoot(page, 'drawer-routes', async () => {
    await drawer.getByTestId('routes').evaluate((table) => table.scrollIntoView({ block: 'center' }));
    await page.waitForTimeout(200);
  });
  // The same drawer on a small screen.
  await page.setViewportSize({ width: 1024, height: 640 });
  await page.waitForTimeout(500);
  await shoot(page, 'drawer-small', async () => {
    await drawer.evaluate((aside) => aside.scrollTo({ top: 0 }));
    await page.waitForTimeout(200);
  });
  // With the list open too, the drawer lies over the list rather than squeezing the map to a sliver.
  assert.ok(await page.getByTestId('list-view').isVisible(), 'the list is open beside the drawer');
  const mapWidth = await page.locator('.canvas-wrap').evaluate((el) => el.getBoundingClientRect().width);
  assert.ok(mapWidth >= 0.4 * 1024, `the map keeps ${mapWidth} px of 1024`);
  await page.setViewportSize({ width: 1440, height: 900 });

  // The URL holds the whole view: a new page with it shows the same drawer and selection.
  const url = page.url();
  assert.match(url, /edge_source=/);
  const title = await drawer.locator('h2').first().textContent();
  const copy = await context.newPage();
  await copy.goto(url);
  await copy.getByTestId('edge-drawer').waitFor({ timeout: 20_000 });
  assert.equal(await copy.getByTestId('edge-drawer').locator('h2').first().textContent(), title);
  assert.equal(copy.url(), url);
  await copy.close();
  await page.close();
});

test('"what changed" marks the edge this test adds', async () => {
  const email = serviceOf(topology, 'email');
  const catalog = serviceOf(topology, 'catalog');
  assert.ok(catalog.serviceIp && catalog.servicePort, 'catalog has a Service VIP');
  const pid = child.pid!;
  const netns = `weftdemo${pid}-${email.pods[0]!.netnsLabel}`;
  const baselineFrom = Math.floor(Date.now() / 1000) - 60;
  const baselineTo = Math.floor(Date.now() / 1000);
  // email never calls catalog in the shop: this edge is the test's.
  const started = Date.now();
  while (Date.now() - started < 12_000) {
    await runCommand('ip', ['netns', 'exec', netns, 'curl', '-s', '-o', '/dev/null', '--max-time', '2', `http://${catalog.serviceIp}:${catalog.servicePort}/`]).catch(() => undefined);
    await new Promise((done) => setTimeout(done, 300));
  }
  await new Promise((done) => setTimeout(done, 4000));
  const to = Math.floor(Date.now() / 1000);
  const added = `${identity(email)} -> ${identity(catalog)}`;
  const page = await context.newPage();
  await openMap(page, `from=${baselineTo}&to=${to}&compare=custom&baseline_from=${baselineFrom}&baseline_to=${baselineTo}`);
  const marked = await pollUntil(async () => ((await drawing(page)).appeared.includes(added) ? true : undefined), { timeoutMs: 20_000, intervalMs: 500 });
  assert.equal(marked, true, `the added edge is marked as new on the drawing: ${JSON.stringify(await drawing(page))}`);
  const listed = page.getByTestId('changes').locator(`li[data-kind="appeared"][data-source="${idOf.get(identity(email))}"][data-target="${idOf.get(identity(catalog))}"]`);
  await listed.waitFor({ timeout: 10_000 });
  await shoot(page, 'changes');
  await page.close();
});
