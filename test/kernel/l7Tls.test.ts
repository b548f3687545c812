/**
 * HTTPS request metrics through OpenSSL (bpf/tls_capture.bpf.c: uprobes on
 * SSL_write/SSL_read and their _ex forms), held to the test's own server:
 * nginx (Debian's, dynamically linked to libssl.so.3) terminates TLS with a
 * self-signed certificate and proxies to the test's plain HTTP peer, which
 * answers each request after a planted delay with the status asked for and
 * says what it served and how long it took. Clients: curl (OpenSSL's
 * SSL_write/SSL_read) and Python's ssl + http.client (SSL_write_ex /
 * SSL_read_ex), each on one keep-alive connection. On both TLS ends (the
 * client and nginx) the agent's rows must carry exactly the requests, 5xx
 * and 4xx served, under one route template, p50 within 10 % of the peer's,
 * marked tls; the ciphertext sockets are not parsed as well (no desync, no
 * orphan responses). HTTP/2 over TLS (curl --http2, nginx with ALPN h2)
 * the same, its streams' HPACK decoded from the plaintext. nginx runs before the agent (its libssl already
 * mapped); a client started after the agent with a libssl file of its own
 * is found by the agent's rescan and measured too. A kernel that refuses
 * the uprobes: the test says why and checks the agent reports TLS capture
 * off with its reason (and, on any kernel, that a refusal is survived).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { AgentProcess } from '../fixtures/agentProcess.js';
import { median, requestTotal as total, type AgentRequestRow, type AgentRow } from '../fixtures/agentRows.js';
import { pollUntil } from '../fixtures/commandRunner.js';
import { freeLoopbackPort } from '../fixtures/loopbackPort.js';
import { NodeTopology } from '../fixtures/netnsTopology.js';
import { TcpPeerProcess } from '../fixtures/tcpPeerProcess.js';
import { makeTestCertificates, type TestCertificates } from '../fixtures/tlsCertificates.js';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures');
const HTTP_PEER = join(FIXTURES, 'httpPeer.js');
// The Python client is not compiled: it stays in the sources' fixtures.
const HTTPS_CLIENT = resolve(FIXTURES, '../../fixtures/httpsClient.py');
const TLS_PORT = 8443;
/** nginx's HTTP/2 over TLS (ALPN h2), to the same upstream. */
const H2_TLS_PORT = 8444;
const UPSTREAM_PORT = 8080;
const SYSTEM_LIBSSL = '/usr/lib/x86_64-linux-gnu/libssl.so.3';

let topology: NodeTopology;
let certificates: TestCertificates;
let work: string;
let upstream: TcpPeerProcess;
let nginx: ChildProcess | undefined;
let agent: AgentProcess | undefined;
let metricsAddr: string;
/** Why the kernel refused TLS capture (the agent's ready line), or null when it is on. */
let tlsRefused: string | null = null;

interface Served {
  method: string;
  path: string;
  status: number;
  elapsedMs: number;
}

/** An nginx server block terminating TLS on `listen` and proxying to the upstream over HTTP/1.1. */
function tlsServer(listen: string): string {
  return `  server {
    listen ${listen};
    ssl_certificate ${certificates.serverCert};
    ssl_certificate_key ${certificates.serverKey};
    location / {
      proxy_pass http://peer;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }`;
}

function nginxConfig(dir: string, listen: string): string {
  return `worker_processes 1;
user root;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 10000;
  upstream peer {
    server 127.0.0.1:${UPSTREAM_PORT};
    keepalive 4;
  }
${tlsServer(`${listen}:${TLS_PORT} ssl`)}
${tlsServer(`${listen}:${H2_TLS_PORT} ssl http2`)}
}
`;
}

before(async () => {
  topology = await NodeTopology.create({ pods: 2 });
  certificates = makeTestCertificates();
  work = mkdtempSync(join(tmpdir(), 'weft-l7tls-'));
  const pod2 = topology.pod(2);
  upstream = await TcpPeerProcess.startScript(HTTP_PEER, topology, pod2.netns, 'server', { listen: '127.0.0.1', port: UPSTREAM_PORT });
  writeFileSync(join(work, 'nginx.conf'), nginxConfig(work, pod2.ipv4));
  // Before the agent: its libssl is mapped already when the agent starts.
  nginx = topology.spawnIn(pod2.netns, '/usr/sbin/nginx', ['-e', join(work, 'error.log'), '-c', join(work, 'nginx.conf')]);
  let nginxStderr = '';
  nginx.stderr?.on('data', (chunk: Buffer) => (nginxStderr += chunk.toString()));
  const up = await pollUntil(async () => {
    try {
      await topology.exec(topology.pod(1).netns, 'curl', ['-sk', '-o', '/dev/null', '-m', '2', `https://${pod2.ipv4}:${TLS_PORT}/warmup?status=204`]);
      return true;
    } catch {
      return undefined;
    }
  }, { timeoutMs: 15_000, intervalMs: 200 });
  assert.equal(up, true, `nginx did not come up: ${nginxStderr}`);
  metricsAddr = `127.0.0.1:${await freeLoopbackPort()}`;
  agent = await AgentProcess.start({ netns: [topology.pod(1).netns, pod2.netns], metricsAddr });
  tlsRefused = /TLS: off \(refused by this kernel: (.*)\)\)?$/.exec(agent.readyLine)?.[1] ?? null;
  if (tlsRefused === null) assert.match(agent.readyLine, /TLS: on\)/, `TLS capture is on: ${agent.readyLine}`);
});

after(async () => {
  await agent?.kill();
  nginx?.kill('SIGTERM');
  await upstream?.stop();
  await topology?.teardown();
  certificates?.remove();
  if (work) rmSync(work, { recursive: true, force: true });
});

function served(prefix: string): Served[] {
  return upstream.records.filter((r) => r.event === 'served' && String(r.path).startsWith(prefix)) as unknown as Served[];
}

/** The rows of the TLS sockets on `side` of the client ports given. */
function tlsRows(rows: readonly AgentRow[], ports: ReadonlySet<number>, side: 'client' | 'server', tlsPort = TLS_PORT): AgentRow[] {
  return rows.filter((row) => (side === 'client' ? row.dport === tlsPort && ports.has(row.sport) : row.sport === tlsPort && ports.has(row.dport)));
}

/** The agent's /metrics samples of `name`, summed by the label value given (or all). */
async function metric(name: string, label?: string): Promise<number> {
  const text = await (await fetch(`http://${metricsAddr}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{') && (label === undefined || line.includes(label)))
    .reduce((sum, line) => sum + Number(line.trim().split(/\s+/).pop()), 0);
}

function paths(prefix: string, n: number, delayMs: number, statusOf: (i: number) => number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}/${1000 + i * 7}/orders?delay_ms=${delayMs}&status=${statusOf(i)}`);
}

/** On a kernel that refused TLS capture: says why, and checks the agent says it is off. */
async function refused(t: { diagnostic(message: string): void; skip(message: string): void }): Promise<boolean> {
  if (tlsRefused === null) return false;
  t.diagnostic(`TLS capture refused by this kernel: ${tlsRefused}`);
  assert.ok(agent);
  assert.equal(await metric('weft_agent_l7_tls_capture'), 0, 'the agent reports TLS capture off');
  t.skip(`uprobes refused here: ${tlsRefused}`);
  return true;
}

/** Both TLS ends' rows hold exactly what the upstream served under `prefix`, as one route, marked tls. */
async function assertMeasured(
  t: { diagnostic(message: string): void },
  label: string,
  prefix: string,
  ports: ReadonlySet<number>,
  route: string,
  plantedMs: number,
  n: number,
  { tlsPort = TLS_PORT, protocol = 'http1' }: { tlsPort?: number; protocol?: string } = {},
): Promise<void> {
  assert.ok(agent);
  await upstream.waitFor(() => served(prefix).length === n, 10_000, `${label}: the upstream served every request`);
  const truth = served(prefix);
  const errors = truth.filter((s) => s.status >= 500).length;
  const clientErrors = truth.filter((s) => s.status >= 400 && s.status < 500).length;
  const truthP50 = median(truth.map((s) => s.elapsedMs));
  assert.ok(truthP50 >= plantedMs, `${label}: the upstream's own p50 ${truthP50.toFixed(2)} ms is at least the planted ${plantedMs} ms`);
  for (const side of ['client', 'server'] as const) {
    const groupsOf = (rows: readonly AgentRow[]): AgentRequestRow[] => tlsRows(rows, ports, side, tlsPort).flatMap((row) => row.requests ?? []);
    await agent.waitForRows((rows) => total(groupsOf(rows), 'requests') >= n, 10_000);
    // One more interval: nothing may be counted twice.
    await new Promise((r) => setTimeout(r, 1_200));
    const rows = tlsRows(agent.rows, ports, side, tlsPort).filter((row) => row.requests);
    const groups = groupsOf(agent.rows);
    const where = `${label}, ${side} end`;
    t.diagnostic(`${where}: ${JSON.stringify(groups.map(({ durations_us, ...g }) => ({ ...g, p50_us: median(durations_us) })))} (comm ${[...new Set(rows.map((r) => r.comm))].join(',')})`);
    assert.equal(total(groups, 'requests'), n, `${where}: requests (truth: the upstream served ${truth.length})`);
    assert.equal(total(groups, 'errors'), errors, `${where}: 5xx (truth: ${errors})`);
    assert.equal(total(groups, 'client_errors'), clientErrors, `${where}: 4xx (truth: ${clientErrors})`);
    assert.deepEqual([...new Set(groups.map((g) => `${g.protocol} ${g.method} ${g.route}`))], [`${protocol} GET ${route}`], `${where}: one route template`);
    assert.ok(rows.every((row) => row.tls === true), `${where}: every row with requests is marked tls`);
    const p50Ms = median(groups.flatMap((g) => g.durations_us)) / 1000;
    assert.ok(Math.abs(p50Ms - truthP50) <= truthP50 * 0.1, `${where}: p50 ${p50Ms.toFixed(2)} ms, the upstream's own ${truthP50.toFixed(2)} ms (planted ${plantedMs} ms)`);
  }
}

/** Runs the Python client in pod 1 to its end; `env` for its own libssl, `onWaiting` once it waits for SIGUSR2. */
async function pythonClient(args: string[], env: NodeJS.ProcessEnv = {}, onWaiting?: (pid: number) => Promise<void>): Promise<{ localPorts: number[]; requests: number }> {
  const child = topology.spawnIn(topology.pod(1).netns, '/usr/bin/python3', [HTTPS_CLIENT, ...args], { env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const records: Array<Record<string, unknown>> = [];
  const lines = createInterface({ input: child.stdout! });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  for await (const line of lines) {
    const record = JSON.parse(line) as Record<string, unknown>;
    records.push(record);
    if (record.event === 'waiting' && onWaiting) await onWaiting(records.find((r) => r.event === 'ready')?.pid as number);
  }
  assert.equal(await exited, 0, `the Python client failed: ${stderr}`);
  const done = records.find((r) => r.event === 'done') as { localPorts: number[]; requests: number } | undefined;
  assert.ok(done, `the Python client said it was done: ${stderr}`);
  return done;
}

test('curl (SSL_write/SSL_read) through nginx: 20 requests on one connection, every 5th a 500, every 7th a 404', { timeout: 90_000 }, async (t) => {
  if (await refused(t)) return;
  const pod2 = topology.pod(2);
  const all = paths('/curl/users', 20, 30, (i) => (i % 5 === 0 ? 500 : i % 7 === 3 ? 404 : 200));
  const args = ['-sk', '--http1.1', '-w', '%{http_code} %{local_port}\\n'];
  for (const path of all) args.push('-o', '/dev/null', `https://${pod2.ipv4}:${TLS_PORT}${path}`);
  const { stdout } = await topology.exec(topology.pod(1).netns, 'curl', args, { timeoutMs: 60_000 });
  const answers = stdout.trim().split('\n').map((line) => line.split(' ').map(Number) as [number, number]);
  assert.equal(answers.length, all.length, 'curl got every response');
  const ports = new Set(answers.map(([, port]) => port));
  assert.equal(ports.size, 1, 'one keep-alive connection');
  await assertMeasured(t, 'curl', '/curl/users', ports, '/curl/users/{n}/orders', 30, all.length);
});

test('curl over HTTP/2 (ALPN h2) through nginx: 15 streams on one connection, every 4th a 500, the 7th a 404; HPACK decoded from the plaintext on both TLS ends', { timeout: 90_000 }, async (t) => {
  if (await refused(t)) return;
  const pod2 = topology.pod(2);
  const all = paths('/h2/users', 15, 30, (i) => (i % 4 === 1 ? 500 : i === 6 ? 404 : 200));
  const args = ['-sk', '--http2', '-w', '%{http_code} %{local_port} %{http_version}\\n'];
  for (const path of all) args.push('-o', '/dev/null', `https://${pod2.ipv4}:${H2_TLS_PORT}${path}`);
  const { stdout } = await topology.exec(topology.pod(1).netns, 'curl', args, { timeoutMs: 60_000 });
  const answers = stdout.trim().split('\n').map((line) => line.split(' '));
  assert.equal(answers.length, all.length, 'curl got every response');
  assert.ok(answers.every(([, , version]) => version === '2'), `every response over HTTP/2: ${stdout}`);
  const ports = new Set(answers.map(([, port]) => Number(port)));
  assert.equal(ports.size, 1, 'one connection');
  await assertMeasured(t, 'curl h2', '/h2/users', ports, '/h2/users/{n}/orders', 30, all.length, { tlsPort: H2_TLS_PORT, protocol: 'http2' });
});

test('Python ssl + http.client (SSL_write_ex/SSL_read_ex): 12 requests on one connection, 2 of them 503', { timeout: 90_000 }, async (t) => {
  if (await refused(t)) return;
  const all = paths('/py/items', 12, 25, (i) => (i === 3 || i === 8 ? 503 : 200));
  const done = await pythonClient(['--connect', topology.pod(2).ipv4, '--port', String(TLS_PORT), '--paths', all.join(',')]);
  assert.equal(done.requests, all.length);
  await assertMeasured(t, 'python', '/py/items', new Set(done.localPorts), '/py/items/{n}/orders', 25, all.length);
});

test('a client started after the agent, with a libssl file of its own: the agent finds and attaches it, its requests are measured', { timeout: 90_000 }, async (t) => {
  if (await refused(t)) return;
  assert.ok(agent);
  const lib = join(work, 'lib');
  mkdirSync(lib, { recursive: true });
  copyFileSync(SYSTEM_LIBSSL, join(lib, 'libssl.so.3'));
  const all = paths('/late/things', 6, 20, (i) => (i === 2 ? 502 : i === 4 ? 403 : 200));
  const running = agent;
  const done = await pythonClient(['--connect', topology.pod(2).ipv4, '--port', String(TLS_PORT), '--paths', all.join(','), '--wait', 'yes'], { LD_LIBRARY_PATH: lib }, async (pid) => {
    // Its libssl is mapped now (a file no process had when the agent started): the rescan must attach it.
    const attached = await pollUntil(() => running.stderr.includes(`TLS capture: attached to ${join(lib, 'libssl.so.3')} (pid ${pid}`) || undefined, { timeoutMs: 10_000, intervalMs: 100 });
    assert.equal(attached, true, `the agent attached to the client's own libssl; its stderr:\n${running.stderr}`);
    process.kill(pid, 'SIGUSR2');
  });
  await assertMeasured(t, 'started after the agent', '/late/things', new Set(done.localPorts), '/late/things/{n}/orders', 20, all.length);
  assert.ok((await metric('weft_agent_l7_tls_libraries')) >= 2, 'two libssl files attached');
});

test('the ciphertext is not parsed: no desync or orphan responses, the upstream (plain) connections parsed apart and not marked tls', { timeout: 30_000 }, async (t) => {
  if (await refused(t)) return;
  assert.ok(agent);
  const desyncs = await metric('weft_agent_l7_parser_total', 'event="desync"');
  const orphans = await metric('weft_agent_l7_parser_total', 'event="orphan_response"');
  const tlsCalls = await metric('weft_agent_l7_tls_calls_total');
  const noSocket = await metric('weft_agent_l7_tls_dropped_total', 'reason="no_socket"');
  t.diagnostic(`desync ${desyncs}, orphan_response ${orphans}, tls calls ${tlsCalls}, tls no_socket ${noSocket}`);
  assert.equal(desyncs, 0, 'no parser lost its framing');
  assert.equal(orphans, 0, 'no response without its request');
  assert.ok(tlsCalls > 0, 'plaintext calls were copied');
  const plain = agent.rows.filter((row) => row.dport === UPSTREAM_PORT && row.requests);
  assert.ok(plain.length > 0, 'nginx\'s upstream connection has requests');
  assert.ok(plain.every((row) => row.tls === undefined), 'the plain connection is not marked tls');
  const upstreamRequests = plain.flatMap((row) => row.requests ?? []).reduce((sum, g) => sum + g.requests, 0);
  // The warm-up request came before the agent.
  const servedSince = upstream.records.filter((r) => r.event === 'served' && r.path !== '/warmup').length;
  assert.equal(upstreamRequests, servedSince, 'nginx\'s upstream requests: every one the upstream served since the agent started, once');
});

test('uprobes refused (WEFT_TEST_REFUSE_PROGRAMS): the agent runs, L7 on, and says TLS capture is off and why', { timeout: 60_000 }, async () => {
  await agent?.kill();
  agent = undefined;
  const refusedAgent = await AgentProcess.start({ netns: [topology.pod(1).netns, topology.pod(2).netns], env: { WEFT_TEST_REFUSE_PROGRAMS: 'weft_tls_return' } });
  agent = refusedAgent;
  assert.match(refusedAgent.readyLine, /L7: on; TLS: off \(refused by this kernel: load of weft_tls_return failed/);
  assert.match(refusedAgent.stderr, /TLS capture refused by this kernel, HTTPS requests will not be measured/);
});
