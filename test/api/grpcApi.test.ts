/**
 * The gRPC API (weft.api.v1) through grpcurl (built from the Go module proxy by scripts/setup.sh
 * into .weft/bin), over a real store and a real control store: an embedded chdb and a SQLite
 * control database in a temp dir. The test writes known rows for two tenants that use the same
 * service ids, then:
 * - lists the services through server reflection (grpcurl has no .proto files);
 * - calls every method with a key and checks each answer against the rows it wrote;
 * - calls every method without a key (Unauthenticated), with a key lacking the scope
 *   (PermissionDenied) and with the other tenant's key (NotFound for ids, nothing of this tenant);
 * - bad arguments are InvalidArgument naming the field.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { createApiServices, startApiGrpcServer, type ApiGrpcServer } from '@weft/api';
import { openControlStore, sqliteControlStoreIn, type ControlStore } from '@weft/control';
import { openEdgeStore, type EdgeRow, type EdgeStore, type RouteSample } from '@weft/store';
import { makeTestCertificates } from '../fixtures/tlsCertificates.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const GRPCURL = join(repoRoot, '.weft/bin/grpcurl');
const BUF = join(repoRoot, 'node_modules/.bin/buf');

// --- The rows: ground truth ------------------------------------------------------------------
// Two minutes on minute boundaries, ten minutes back (well inside every table's retention), and
// the two minutes before them as the baseline of GetChanges.
const BASE = Math.floor(Date.now() / 1000 / 60) * 60 - 600;
const WINDOW = { from: String(BASE), to: String(BASE + 120) };
const BASELINE = { from: String(BASE - 120), to: String(BASE) };

type End = { service: string; display: string; version: string; instance: string };
const end = (name: string, version = 'v1', instance = `${name}-1`): End => ({ service: `host:${name}`, display: name, version, instance });

interface Flow {
  tenant: string;
  client: End;
  server: End;
  port: number;
  /** The seconds (from BASE) it has rows for, one row each. */
  seconds: number[];
  perSecond: { opened: number; failed: number; sent: number; received: number; retransmits: number };
  /** The requests of each second, by route. */
  routes?: RouteSample[];
}

function rows(flow: Flow): EdgeRow[] {
  return flow.seconds.map((s) => ({
    tenant: flow.tenant,
    ts: BASE + s,
    client_service: flow.client.service,
    client_display: flow.client.display,
    client_kind: 'host',
    client_instance: flow.client.instance,
    client_version: flow.client.version,
    client_node: 'node-1',
    client_zone: 'zone-a',
    client_process: flow.client.display,
    server_service: flow.server.service,
    server_display: flow.server.display,
    server_kind: 'host',
    server_instance: flow.server.instance,
    server_version: flow.server.version,
    server_node: 'node-2',
    server_zone: 'zone-b',
    server_process: flow.server.display,
    server_port: flow.port,
    connections_opened: flow.perSecond.opened,
    connections_closed: flow.perSecond.opened,
    connections_failed: flow.perSecond.failed,
    connection_seconds: flow.perSecond.opened,
    bytes_sent: flow.perSecond.sent,
    bytes_received: flow.perSecond.received,
    retransmits: flow.perSecond.retransmits,
    resets: 0,
    rtt_samples_us: [500],
    ...(flow.routes ? { routes: flow.routes } : {}),
  }));
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
const FIRST_MINUTE = range(0, 60);
const healthy = (sent: number) => ({ opened: 2, failed: 0, sent, received: sent * 2, retransmits: 0 });
/** Alpha's a -> b:80 (v1) each second: GET /orders/{n} three times (a 5xx, a 4xx, 20-22 ms), POST /cart once (5 ms). */
const ROUTES: RouteSample[] = [
  { protocol: 'http1', method: 'GET', route: '/orders/{n}', requests: 3, errors: 1, client_errors: 1, durations_us: [20_000, 21_000, 22_000] },
  { protocol: 'http1', method: 'POST', route: '/cart', requests: 1, errors: 0, client_errors: 0, durations_us: [5_000] },
];

let alpha: string;
let beta: string;
let flows: Flow[];

/**
 * Tenant alpha: a -> b:80 (server versions v1 healthy, v2 failing), b -> c:5432 (new in the
 * window), a -> d:6379 (only in the baseline). Tenant beta: the same ids a -> b:80 with other
 * numbers, and b -> secret:443, a service alpha never had.
 */
function topology(): Flow[] {
  const a = end('a');
  return [
    { tenant: alpha, client: a, server: end('b', 'v1', 'b-1'), port: 80, seconds: FIRST_MINUTE, perSecond: healthy(1000), routes: ROUTES },
    { tenant: alpha, client: a, server: end('b', 'v2', 'b-2'), port: 80, seconds: FIRST_MINUTE, perSecond: { opened: 1, failed: 1, sent: 10, received: 0, retransmits: 0 } },
    { tenant: alpha, client: a, server: end('b', 'v1', 'b-1'), port: 80, seconds: range(-120, -60), perSecond: healthy(1000) },
    { tenant: alpha, client: end('b', 'v1', 'b-1'), server: end('c'), port: 5432, seconds: FIRST_MINUTE, perSecond: healthy(300) },
    { tenant: alpha, client: a, server: end('d'), port: 6379, seconds: range(-120, -60), perSecond: healthy(50) },
    { tenant: beta, client: a, server: end('b'), port: 80, seconds: FIRST_MINUTE, perSecond: healthy(7) },
    { tenant: beta, client: end('b'), server: end('secret'), port: 443, seconds: FIRST_MINUTE, perSecond: healthy(9) },
  ];
}

/** Sums of the flows of one tenant's edge within [from, to) seconds of BASE. */
function truth(tenant: string, source: string, target: string, port: number, from = 0, to = 120) {
  const sum = { opened: 0, failed: 0, sent: 0, received: 0 };
  for (const f of flows) {
    if (f.tenant !== tenant || f.client.service !== `host:${source}` || f.server.service !== `host:${target}` || f.port !== port) continue;
    const n = f.seconds.filter((s) => s >= from && s < to).length;
    sum.opened += n * f.perSecond.opened;
    sum.failed += n * f.perSecond.failed;
    sum.sent += n * f.perSecond.sent;
    sum.received += n * f.perSecond.received;
  }
  return sum;
}

// --- The API and grpcurl -------------------------------------------------------------------------

let root: string;
let store: EdgeStore | undefined;
let control: ControlStore | undefined;
let grpc: ApiGrpcServer | undefined;
let services: ReturnType<typeof createApiServices>;
const keys = {} as Record<'alphaAdmin' | 'alphaRead' | 'alphaIngest' | 'betaAdmin', string>;

before(async () => {
  assert.ok(existsSync(GRPCURL), `${GRPCURL} is missing (scripts/setup.sh builds it)`);
  root = mkdtempSync(join(tmpdir(), 'weft-grpc-api-'));
  store = await openEdgeStore({ mode: 'embedded', dataDir: join(root, 'store') });
  control = await openControlStore(sqliteControlStoreIn(root));
  const firstKey = await control.ensureFirstTenant('alpha');
  assert.ok(firstKey !== null);
  keys.alphaAdmin = firstKey;
  const operator = await control.firstTenant();
  assert.ok(operator !== null);
  alpha = operator.id;
  beta = (await control.createTenant('beta')).id;
  keys.alphaRead = (await control.createKey({ tenantId: alpha, name: 'reader', scopes: ['read'] })).plaintext;
  keys.alphaIngest = (await control.createKey({ tenantId: alpha, name: 'agent', scopes: ['ingest'] })).plaintext;
  keys.betaAdmin = (await control.createKey({ tenantId: beta, name: 'beta admin', scopes: ['read', 'admin'] })).plaintext;
  flows = topology();
  await store.writeEdgeRows(flows.flatMap(rows));
  services = createApiServices(store.queries, control, { registry: new Registry() });
  grpc = await startApiGrpcServer(services, { host: '127.0.0.1', port: 0 });
});

after(async () => {
  await grpc?.close();
  await control?.close();
  await store?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

interface GrpcurlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function grpcurl(args: string[]): Promise<GrpcurlResult> {
  return new Promise((resolvePromise, reject) => {
    // Loopback only: no proxy from the environment.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(https?_proxy|all_proxy|no_proxy|grpc_proxy)$/i.test(k)));
    const child = spawn(GRPCURL, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** A call's answer (JSON, every field shown), or its status: the code as grpcurl names it and the message. */
type Answer = { ok: true; body: Record<string, any> } | { ok: false; code: string; message: string };

async function call(method: string, request: object, key: string | null): Promise<Answer> {
  const args = ['-plaintext', '-emit-defaults', '-format-error', '-d', JSON.stringify(request)];
  if (key !== null) args.push('-H', `authorization: Bearer ${key}`);
  const { code, stdout, stderr } = await grpcurl([...args, grpc!.address, `weft.api.v1.${method}`]);
  if (code === 0) return { ok: true, body: JSON.parse(stdout) as Record<string, any> };
  // -format-error: the status as JSON ({code, message}) on stderr; grpcurl exits 64 + the code.
  let status: { code?: number; message?: string };
  try {
    status = JSON.parse(stderr) as { code?: number; message?: string };
    assert.equal(code, 64 + (status.code ?? 0), `grpcurl's exit code for ${stderr}`);
  } catch {
    throw new Error(`grpcurl ${method} exited ${code}: ${stdout} ${stderr}`);
  }
  return { ok: false, code: CODE_NAMES[status.code ?? 2] ?? String(status.code), message: status.message ?? '' };
}

const CODE_NAMES: Record<number, string> = { 2: 'Unknown', 3: 'InvalidArgument', 5: 'NotFound', 6: 'AlreadyExists', 7: 'PermissionDenied', 13: 'Internal', 14: 'Unavailable', 16: 'Unauthenticated' };

async function ok(method: string, request: object, key: string): Promise<Record<string, any>> {
  const answer = await call(method, request, key);
  assert.ok(answer.ok, `${method}: ${answer.ok ? '' : `${answer.code}: ${answer.message}`}`);
  return answer.body;
}

async function refused(method: string, request: object, key: string | null, code: string, message?: RegExp): Promise<void> {
  const answer = await call(method, request, key);
  assert.ok(!answer.ok, `${method} answered ${JSON.stringify(answer.ok ? answer.body : null).slice(0, 300)}`);
  assert.equal(answer.code, code, `${method}: ${answer.message}`);
  if (message) assert.match(answer.message, message, method);
}

type ProtoEdge = { source: string; target: string; port: number; stats: Record<string, string | number> };
const edgeIds = (edges: ProtoEdge[]): string[] => edges.map((e) => `${e.source}->${e.target}:${e.port}`).sort();
const n = (value: string | number | undefined): number => Number(value ?? 0);

/** Every method with a request that is valid for tenant alpha's rows. */
const EVERY_METHOD: Array<[string, object, 'read' | 'admin']> = [
  ['MapService/GetMap', { ...WINDOW }, 'read'],
  ['ServicesService/SearchServices', {}, 'read'],
  ['ServicesService/GetService', { id: 'host:b', ...WINDOW }, 'read'],
  ['ServicesService/GetNeighborhood', { id: 'host:a', depth: 2, ...WINDOW }, 'read'],
  ['EdgesService/GetEdgeSeries', { source: 'host:a', target: 'host:b', port: 80, stepSeconds: 60, ...WINDOW }, 'read'],
  ['EdgesService/GetEdgeBreakdown', { source: 'host:a', target: 'host:b', by: 'BREAKDOWN_DIMENSION_SERVER_VERSION', ...WINDOW }, 'read'],
  ['EdgesService/GetEdgeRoutes', { source: 'host:a', target: 'host:b', port: 80, limit: 5, ...WINDOW }, 'read'],
  ['ChangesService/GetChanges', { ...WINDOW, baselineFrom: BASELINE.from, baselineTo: BASELINE.to }, 'read'],
  ['AdminService/CreateKey', { name: 'never made', scopes: ['SCOPE_READ'] }, 'admin'],
  ['AdminService/ListKeys', {}, 'admin'],
  ['AdminService/RevokeKey', { id: 'abcdefghijkl' }, 'admin'],
  ['AdminService/CreateTenant', { name: 'never made' }, 'admin'],
  ['AdminService/ListTenants', {}, 'admin'],
];

test('grpcurl lists the services and describes their methods through reflection', async () => {
  const listed = await grpcurl(['-plaintext', grpc!.address, 'list']);
  assert.equal(listed.code, 0, listed.stderr);
  const services = listed.stdout.split('\n').filter((l) => l.startsWith('weft.'));
  assert.deepEqual(services.sort(), ['weft.api.v1.AdminService', 'weft.api.v1.ChangesService', 'weft.api.v1.EdgesService', 'weft.api.v1.MapService', 'weft.api.v1.ServicesService']);
  for (const [method] of EVERY_METHOD) {
    const described = await grpcurl(['-plaintext', grpc!.address, 'describe', `weft.api.v1.${method.replace('/', '.')}`]);
    assert.equal(described.code, 0, `${method}: ${described.stderr}`);
    assert.match(described.stdout, /is a method:/, method);
  }
  // Messages and enums of the imported types.proto resolve too.
  const stats = await grpcurl(['-plaintext', grpc!.address, 'describe', 'weft.api.v1.EdgeStats']);
  assert.equal(stats.code, 0, stats.stderr);
  assert.match(stats.stdout, /connections_failed/);
});

describe('every method with a key answers what the test wrote', () => {
  test('GetMap: the window\'s edges of the tenant, with their totals', async () => {
    const map = await ok('MapService/GetMap', { ...WINDOW }, keys.alphaRead);
    assert.deepEqual(edgeIds(map.edges), ['host:a->host:b:80', 'host:b->host:c:5432']);
    for (const edge of map.edges as ProtoEdge[]) {
      const expected = truth(alpha, edge.source.slice(5), edge.target.slice(5), edge.port);
      assert.equal(n(edge.stats.bytesSent), expected.sent, `${edge.source}->${edge.target} bytes_sent`);
      assert.equal(n(edge.stats.bytesReceived), expected.received);
      assert.equal(n(edge.stats.connectionsOpened), expected.opened);
      assert.equal(n(edge.stats.connectionsFailed), expected.failed);
    }
    // Requests: a -> b:80 carries the routes' 60 seconds, b -> c none.
    const ab = (map.edges as ProtoEdge[]).find((e) => e.target === 'host:b')!.stats;
    assert.deepEqual([n(ab.requests), n(ab.requestErrors), n(ab.requestClientErrors), ab.protocol, ab.protocols], [240, 60, 60, 'EDGE_PROTOCOL_HTTP1', ['REQUEST_PROTOCOL_HTTP1']]);
    assert.ok(Math.abs(n(ab.requestLatencyP50Ms) - 21) <= 21 * 0.1, `p50 ${ab.requestLatencyP50Ms} ms`);
    const bc = (map.edges as ProtoEdge[]).find((e) => e.target === 'host:c')!.stats;
    assert.deepEqual([n(bc.requests), bc.protocol, bc.protocols, bc.requestLatencyP50Ms], [0, 'EDGE_PROTOCOL_UNSPECIFIED', [], undefined]);
    assert.deepEqual((map.nodes as Array<{ id: string }>).map((x) => x.id).sort(), ['host:a', 'host:b', 'host:c']);
    assert.equal(map.window.from, new Date(BASE * 1000).toISOString());
    assert.equal(map.window.to, new Date((BASE + 120) * 1000).toISOString());
    // Filters and grouping go through.
    const filtered = await ok('MapService/GetMap', { ...WINDOW, service: 'host:c' }, keys.alphaRead);
    assert.deepEqual(edgeIds(filtered.edges), ['host:b->host:c:5432']);
    const byZone = await ok('MapService/GetMap', { ...WINDOW, groupBy: 'MAP_GROUPING_ZONE' }, keys.alphaRead);
    assert.deepEqual((byZone.nodes as Array<{ id: string }>).map((x) => x.id).sort(), ['zone:zone-a', 'zone:zone-b']);
  });

  test('SearchServices: every service of the tenant, a page at a time', async () => {
    const all = await ok('ServicesService/SearchServices', {}, keys.alphaRead);
    assert.deepEqual((all.services as Array<{ id: string }>).map((s) => s.id).sort(), ['host:a', 'host:b', 'host:c', 'host:d']);
    assert.equal(all.nextCursor, '');
    const first = await ok('ServicesService/SearchServices', { limit: 3 }, keys.alphaRead);
    assert.equal(first.services.length, 3);
    assert.notEqual(first.nextCursor, '');
    const second = await ok('ServicesService/SearchServices', { limit: 3, cursor: first.nextCursor }, keys.alphaRead);
    assert.deepEqual([...first.services, ...second.services].map((s: { id: string }) => s.id).sort(), ['host:a', 'host:b', 'host:c', 'host:d']);
    const found = await ok('ServicesService/SearchServices', { q: 'c' }, keys.alphaRead);
    assert.ok((found.services as Array<{ id: string }>).some((s) => s.id === 'host:c'));
  });

  test('GetService: the service with its inbound and outbound edges and versions', async () => {
    const view = await ok('ServicesService/GetService', { id: 'host:b', ...WINDOW }, keys.alphaRead);
    assert.equal(view.service.id, 'host:b');
    assert.equal(view.service.name, 'b');
    assert.deepEqual([...view.service.versions].sort(), ['v1', 'v2']);
    assert.deepEqual(edgeIds(view.inbound), ['host:a->host:b:80']);
    assert.deepEqual(edgeIds(view.outbound), ['host:b->host:c:5432']);
    assert.equal(n(view.inbound[0].stats.bytesSent), truth(alpha, 'a', 'b', 80).sent);
  });

  test('GetNeighborhood: each node with its hop distance', async () => {
    const hops = (body: Record<string, any>) => Object.fromEntries((body.nodes as Array<{ id: string; hops: number }>).map((x) => [x.id, x.hops]));
    assert.deepEqual(hops(await ok('ServicesService/GetNeighborhood', { id: 'host:a', depth: 2, direction: 'DIRECTION_OUT', ...WINDOW }, keys.alphaRead)), { 'host:a': 0, 'host:b': 1, 'host:c': 2 });
    assert.deepEqual(hops(await ok('ServicesService/GetNeighborhood', { id: 'host:a', depth: 1, direction: 'DIRECTION_OUT', ...WINDOW }, keys.alphaRead)), { 'host:a': 0, 'host:b': 1 });
    assert.deepEqual(hops(await ok('ServicesService/GetNeighborhood', { id: 'host:c', depth: 2, direction: 'DIRECTION_IN', ...WINDOW }, keys.alphaRead)), { 'host:c': 0, 'host:b': 1, 'host:a': 2 });
    const both = await ok('ServicesService/GetNeighborhood', { id: 'host:b', ...WINDOW }, keys.alphaRead);
    assert.equal(both.center, 'host:b');
    assert.deepEqual(edgeIds(both.edges), ['host:a->host:b:80', 'host:b->host:c:5432']);
  });

  test('GetEdgeSeries: one point per step, the totals where the rows were and zeros after', async () => {
    const series = await ok('EdgesService/GetEdgeSeries', { source: 'host:a', target: 'host:b', port: 80, stepSeconds: 60, ...WINDOW }, keys.alphaRead);
    assert.equal(series.stepSeconds, 60);
    assert.deepEqual((series.points as Array<{ ts: string }>).map((p) => p.ts), [new Date(BASE * 1000).toISOString(), new Date((BASE + 60) * 1000).toISOString()]);
    const first = truth(alpha, 'a', 'b', 80, 0, 60);
    assert.equal(n(series.points[0].stats.bytesSent), first.sent);
    assert.equal(n(series.points[0].stats.connectionsFailed), first.failed);
    assert.equal(n(series.points[1].stats.bytesSent), 0);
    assert.equal(n(series.points[1].stats.connectionsOpened), 0);
  });

  test('GetEdgeBreakdown: the failing server version ranks first', async () => {
    const breakdown = await ok('EdgesService/GetEdgeBreakdown', { source: 'host:a', target: 'host:b', by: 'BREAKDOWN_DIMENSION_SERVER_VERSION', ...WINDOW }, keys.alphaRead);
    assert.equal(breakdown.by, 'BREAKDOWN_DIMENSION_SERVER_VERSION');
    assert.deepEqual((breakdown.groups as Array<{ value: string }>).map((g) => g.value), ['v2', 'v1']);
    assert.equal(n(breakdown.groups[0].stats.connectionsFailed), 60);
    assert.equal(breakdown.groups[0].errorShare, 0.5);
    assert.equal(breakdown.groups[1].errorShare, 0);
  });

  test('GetEdgeRoutes: the busiest route first with its exact counts and latency; beyond the limit, the rest summed', async () => {
    const all = await ok('EdgesService/GetEdgeRoutes', { source: 'host:a', target: 'host:b', port: 80, ...WINDOW }, keys.alphaRead);
    assert.equal(all.window.from, new Date(BASE * 1000).toISOString());
    const routes = all.routes as Array<Record<string, string | number>>;
    assert.deepEqual(
      routes.map((r) => [r.protocol, r.method, r.route, n(r.requests), n(r.requestErrors), n(r.requestClientErrors)]),
      [['REQUEST_PROTOCOL_HTTP1', 'GET', '/orders/{n}', 180, 60, 60], ['REQUEST_PROTOCOL_HTTP1', 'POST', '/cart', 60, 0, 0]],
    );
    assert.ok(Math.abs(n(routes[0]!.requestLatencyP50Ms) - 21) <= 2.1, `GET p50 ${routes[0]!.requestLatencyP50Ms} ms`);
    assert.ok(Math.abs(n(routes[1]!.requestLatencyP99Ms) - 5) <= 0.5, `POST p99 ${routes[1]!.requestLatencyP99Ms} ms`);
    assert.deepEqual(all.others, { routes: '0', requests: '0', requestErrors: '0', requestClientErrors: '0' });
    const one = await ok('EdgesService/GetEdgeRoutes', { source: 'host:a', target: 'host:b', limit: 1, ...WINDOW }, keys.alphaRead);
    assert.deepEqual((one.routes as Array<{ route: string }>).map((r) => r.route), ['/orders/{n}']);
    assert.deepEqual(one.others, { routes: '1', requests: '60', requestErrors: '0', requestClientErrors: '0' });
    const none = await ok('EdgesService/GetEdgeRoutes', { source: 'host:b', target: 'host:c', ...WINDOW }, keys.alphaRead);
    assert.deepEqual(none.routes, []);
  });

  test('GetChanges: the edge that appeared, the one that vanished, the one that got worse', async () => {
    const changes = await ok('ChangesService/GetChanges', { ...WINDOW, baselineFrom: BASELINE.from, baselineTo: BASELINE.to }, keys.alphaRead);
    const kinds = Object.fromEntries((changes.changes as Array<{ kind: string; source: string; target: string; port: number }>).map((c) => [`${c.source}->${c.target}:${c.port}`, c.kind]));
    assert.deepEqual(kinds, { 'host:b->host:c:5432': 'CHANGE_KIND_APPEARED', 'host:a->host:d:6379': 'CHANGE_KIND_VANISHED', 'host:a->host:b:80': 'CHANGE_KIND_WORSE' });
    const worse = (changes.changes as Array<{ kind: string; reasons: string[]; baseline: object; current: object }>).find((c) => c.kind === 'CHANGE_KIND_WORSE');
    assert.deepEqual(worse?.reasons, ['WORSE_REASON_FAILURE_RATE']);
    assert.equal(changes.baseline.from, new Date((BASE - 120) * 1000).toISOString());
    assert.deepEqual((changes.services as Array<{ id: string }>).map((s) => s.id).sort(), ['host:a', 'host:b', 'host:c', 'host:d']);
  });

  test('AdminService: keys made, listed, used and revoked; tenants listed and made', async () => {
    const made = await ok('AdminService/CreateKey', { name: 'ci reader', scopes: ['SCOPE_READ'] }, keys.alphaAdmin);
    assert.match(made.plaintext, /^weft_[a-z2-7]{12}_/);
    assert.equal(made.key.tenantId, alpha);
    assert.deepEqual(made.key.scopes, ['SCOPE_READ']);
    assert.equal(made.key.revokedAt, '');
    await ok('MapService/GetMap', { ...WINDOW }, made.plaintext);
    await refused('AdminService/ListKeys', {}, made.plaintext, 'PermissionDenied', /admin/);

    const listed = await ok('AdminService/ListKeys', {}, keys.alphaAdmin);
    const names = (listed.keys as Array<{ name: string; tenantId: string }>).map((k) => k.name);
    assert.deepEqual(names.sort(), ['agent', 'ci reader', 'first admin key', 'reader']);
    assert.ok((listed.keys as Array<{ tenantId: string }>).every((k) => k.tenantId === alpha));
    assert.ok(!JSON.stringify(listed).includes(made.plaintext.split('_')[2]!), 'no secret is listed');

    const revoked = await ok('AdminService/RevokeKey', { id: made.key.id }, keys.alphaAdmin);
    assert.notEqual(revoked.key.revokedAt, '');
    await refused('MapService/GetMap', { ...WINDOW }, made.plaintext, 'Unauthenticated');

    const tenants = await ok('AdminService/ListTenants', {}, keys.alphaAdmin);
    assert.deepEqual((tenants.tenants as Array<{ id: string; name: string }>).map((t) => [t.id, t.name]), [[alpha, 'alpha']]);

    const gamma = await ok('AdminService/CreateTenant', { name: 'gamma' }, keys.alphaAdmin);
    assert.equal(gamma.tenant.name, 'gamma');
    assert.equal(gamma.adminKey.tenantId, gamma.tenant.id);
    assert.deepEqual(gamma.adminKey.scopes, ['SCOPE_READ', 'SCOPE_WRITE', 'SCOPE_INGEST', 'SCOPE_ADMIN']);
    // The new tenant's key works, and sees nothing of alpha's.
    const empty = await ok('MapService/GetMap', { ...WINDOW }, gamma.adminKeyPlaintext);
    assert.deepEqual(empty.edges, []);
    await refused('AdminService/CreateTenant', { name: 'gamma' }, keys.alphaAdmin, 'AlreadyExists');
  });
});

describe('refusals', () => {
  test('every method without a key is Unauthenticated, and with a wrong one', async () => {
    for (const [method, request] of EVERY_METHOD) {
      await refused(method, request, null, 'Unauthenticated');
      await refused(method, request, 'weft_abcdefghijkl_notthesecretofanykeyatall', 'Unauthenticated');
    }
  });

  test('every method with a key lacking its scope is PermissionDenied', async () => {
    for (const [method, request, scope] of EVERY_METHOD) {
      await refused(method, request, keys.alphaIngest, 'PermissionDenied', new RegExp(scope));
      if (scope === 'admin') await refused(method, request, keys.alphaRead, 'PermissionDenied', /admin/);
    }
  });

  test("another tenant's key sees nothing of this tenant", async () => {
    const key = keys.betaAdmin;
    // Its own rows, never alpha's numbers for the same ids.
    const map = await ok('MapService/GetMap', { ...WINDOW }, key);
    assert.deepEqual(edgeIds(map.edges), ['host:a->host:b:80', 'host:b->host:secret:443']);
    const ab = (map.edges as ProtoEdge[]).find((e) => e.target === 'host:b');
    assert.equal(n(ab?.stats.bytesSent), truth(beta, 'a', 'b', 80).sent);
    const search = await ok('ServicesService/SearchServices', {}, key);
    assert.deepEqual((search.services as Array<{ id: string }>).map((s) => s.id).sort(), ['host:a', 'host:b', 'host:secret']);
    // Alpha's ids are NotFound.
    await refused('ServicesService/GetService', { id: 'host:c', ...WINDOW }, key, 'NotFound');
    await refused('ServicesService/GetNeighborhood', { id: 'host:d', ...WINDOW }, key, 'NotFound');
    const b = await ok('ServicesService/GetService', { id: 'host:b', ...WINDOW }, key);
    assert.deepEqual(edgeIds(b.outbound), ['host:b->host:secret:443']);
    assert.deepEqual(b.service.versions, ['v1']);
    const hood = await ok('ServicesService/GetNeighborhood', { id: 'host:a', depth: 3, ...WINDOW }, key);
    assert.deepEqual((hood.nodes as Array<{ id: string }>).map((x) => x.id).sort(), ['host:a', 'host:b', 'host:secret']);
    // Alpha's edges: no points with data, no groups, no changes.
    const series = await ok('EdgesService/GetEdgeSeries', { source: 'host:b', target: 'host:c', port: 5432, stepSeconds: 60, ...WINDOW }, key);
    assert.ok((series.points as Array<{ stats: Record<string, string> }>).every((p) => n(p.stats.bytesSent) === 0 && n(p.stats.connectionsOpened) === 0));
    const breakdown = await ok('EdgesService/GetEdgeBreakdown', { source: 'host:a', target: 'host:b', by: 'BREAKDOWN_DIMENSION_SERVER_VERSION', ...WINDOW }, key);
    assert.deepEqual((breakdown.groups as Array<{ value: string }>).map((g) => g.value), ['v1']);
    const routes = await ok('EdgesService/GetEdgeRoutes', { source: 'host:a', target: 'host:b', port: 80, ...WINDOW }, key);
    assert.deepEqual(routes.routes, [], JSON.stringify(routes));
    assert.equal(n(routes.others.requests), 0);
    assert.equal(n(map.edges.find((e: ProtoEdge) => e.target === 'host:b').stats.requests), 0, "beta's a -> b carries none of alpha's requests");
    const changes = await ok('ChangesService/GetChanges', { ...WINDOW, baselineFrom: BASELINE.from, baselineTo: BASELINE.to }, key);
    assert.ok((changes.changes as Array<{ target: string }>).every((c) => c.target !== 'host:c' && c.target !== 'host:d'), JSON.stringify(changes.changes));
    // Alpha's keys and tenant.
    const alphaKeys = await ok('AdminService/ListKeys', {}, keys.alphaAdmin);
    await refused('AdminService/RevokeKey', { id: alphaKeys.keys[0].id }, key, 'NotFound');
    const betaKeys = await ok('AdminService/ListKeys', {}, key);
    assert.ok((betaKeys.keys as Array<{ tenantId: string }>).every((k) => k.tenantId === beta));
    const tenants = await ok('AdminService/ListTenants', {}, key);
    assert.deepEqual((tenants.tenants as Array<{ id: string }>).map((t) => t.id), [beta]);
    // Only the operator's tenant makes tenants.
    await refused('AdminService/CreateTenant', { name: 'delta' }, key, 'PermissionDenied');
    // Alpha's key was not revoked by any of this.
    await ok('MapService/GetMap', { ...WINDOW }, keys.alphaRead);
  });

  test('bad arguments are InvalidArgument naming the field', async () => {
    const cases: Array<[string, object, string]> = [
      ['MapService/GetMap', { from: 'yesterday' }, 'from'],
      ['MapService/GetMap', { to: '4294967296' }, 'to'],
      ['MapService/GetMap', { from: 'now-1h', to: 'now-2h' }, 'from'],
      ['MapService/GetMap', { minRate: -1 }, 'min_rate'],
      ['MapService/GetMap', { groupBy: 9 }, 'group_by'],
      ['ServicesService/SearchServices', { limit: 5000 }, 'limit'],
      ['ServicesService/GetService', { id: '' }, 'id'],
      ['ServicesService/GetNeighborhood', { id: 'host:a', depth: 9 }, 'depth'],
      ['ServicesService/GetNeighborhood', { id: 'host:a', direction: 12 }, 'direction'],
      ['EdgesService/GetEdgeSeries', { target: 'host:b' }, 'source'],
      ['EdgesService/GetEdgeSeries', { source: 'host:a', target: 'host:b', port: 70000 }, 'port'],
      ['EdgesService/GetEdgeSeries', { source: 'host:a', target: 'host:b', stepSeconds: 1_000_000, ...WINDOW }, 'step_seconds'],
      ['EdgesService/GetEdgeBreakdown', { source: 'host:a', target: 'host:b' }, 'by'],
      ['EdgesService/GetEdgeRoutes', { target: 'host:b' }, 'source'],
      ['EdgesService/GetEdgeRoutes', { source: 'host:a', target: 'host:b', limit: 1001 }, 'limit'],
      ['EdgesService/GetEdgeRoutes', { source: 'host:a', target: 'host:b', port: 65536 }, 'port'],
      ['EdgesService/GetEdgeRoutes', { source: 'host:a', target: 'host:b', from: 'soon' }, 'from'],
      ['ChangesService/GetChanges', { baselineFrom: '2026-02-30' }, 'baseline_from'],
      ['AdminService/CreateKey', { name: 'x', scopes: [] }, 'scopes'],
      ['AdminService/CreateKey', { name: '', scopes: ['SCOPE_READ'] }, 'name'],
      ['AdminService/RevokeKey', { id: '' }, 'id'],
      ['AdminService/CreateTenant', { name: '' }, 'name'],
    ];
    for (const [method, request, field] of cases) {
      const answer = await call(method, request, keys.alphaAdmin);
      assert.ok(!answer.ok, `${method} ${JSON.stringify(request)} answered`);
      assert.equal(answer.code, 'InvalidArgument', `${method} ${JSON.stringify(request)}: ${answer.message}`);
      assert.ok(answer.message.startsWith(field), `${method} ${JSON.stringify(request)}: "${answer.message}" does not name ${field}`);
    }
  });
});

test('with TLS: grpcurl trusting the CA lists and calls; plaintext and an unknown CA are refused', async () => {
  const certs = makeTestCertificates();
  const tls = await startApiGrpcServer(services, { host: '127.0.0.1', port: 0, tls: { cert: certs.read(certs.serverCert), key: certs.read(certs.serverKey) } });
  try {
    const listed = await grpcurl(['-cacert', certs.caCert, tls.address, 'list']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /weft\.api\.v1\.MapService/);
    const map = await grpcurl(['-cacert', certs.caCert, '-H', `authorization: Bearer ${keys.alphaRead}`, '-d', JSON.stringify(WINDOW), tls.address, 'weft.api.v1.MapService/GetMap']);
    assert.equal(map.code, 0, map.stderr);
    assert.deepEqual(edgeIds((JSON.parse(map.stdout) as { edges: ProtoEdge[] }).edges), ['host:a->host:b:80', 'host:b->host:c:5432']);
    const plaintext = await grpcurl(['-plaintext', tls.address, 'list']);
    assert.notEqual(plaintext.code, 0, plaintext.stdout);
    const otherCa = await grpcurl(['-cacert', certs.otherCaCert, tls.address, 'list']);
    assert.notEqual(otherCa.code, 0, otherCa.stdout);
    assert.match(otherCa.stderr, /certificate/);
  } finally {
    await tls.close();
    certs.remove();
  }
});

test('the protos are buf lint clean and the generated TypeScript is what they generate now', async () => {
  const run = (args: string[], cwd: string) =>
    new Promise<{ code: number | null; output: string }>((resolvePromise, reject) => {
      const child = spawn(BUF, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      child.once('error', reject);
      child.once('exit', (code) => resolvePromise({ code, output }));
    });
  const lint = await run(['lint'], join(repoRoot, 'proto'));
  assert.equal(lint.code, 0, lint.output);
  const out = mkdtempSync(join(tmpdir(), 'weft-api-gen-'));
  try {
    const generated = await run(['generate', '-o', out], join(repoRoot, 'apps/api'));
    assert.equal(generated.code, 0, generated.output);
    const committed = join(repoRoot, 'apps/api/src/grpc/gen/weft/api/v1');
    const fresh = join(out, 'src/grpc/gen/weft/api/v1');
    assert.deepEqual(readdirSync(fresh).sort(), readdirSync(committed).sort());
    for (const file of readdirSync(fresh)) {
      assert.equal(readFileSync(join(committed, file), 'utf8'), readFileSync(join(fresh, file), 'utf8'), `${file} differs from what proto/weft/api generates: run npm run generate -w @weft/api`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
