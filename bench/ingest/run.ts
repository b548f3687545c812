/**
 * Ingest throughput, latency and telemetry size, with synthetic agent batches
 * shaped like Flowmill's published agent event rates: 50 nodes, about 5,700
 * connection updates per second each (285,000 per second in all). Every
 * connection runs between two nodes, so both of its halves are reported and
 * matched; 5% of connections are replaced each second (opened/closed).
 *
 *   bash bench/run.sh ingest
 *   WEFT_BENCH_NODES=50 WEFT_BENCH_PER_NODE=5700 WEFT_BENCH_SECONDS=10 bash bench/run.sh ingest
 *
 * It re-runs itself under `taskset -c 0` so that "on one core" is literal.
 * Figures (each throughput the median of WEFT_BENCH_ROUNDS runs, default 3):
 *  - throughput: updates (connection halves) per second through decode,
 *    matching, naming, aggregation and the ClickHouse writes, in the two
 *    shapes Weft runs in:
 *      scaled out: the ingest on CPU 0 writing over HTTP to a ClickHouse
 *        server on CPU 1 (chdb behind ClickHouse's HTTP interface, the test
 *        harness's server; no ClickHouse server is packaged here);
 *      embedded: ingest and chdb together on CPU 0 (`weft up`);
 *    with two same-run baselines (decode alone; everything but the store);
 *  - latency: batches fed in real time at the agents' rate, event (interval
 *    end) to queryable (the second's rows visible in edges_1s), p50 and p99,
 *    embedded at a load its one core sustains with room to spare
 *    (WEFT_BENCH_LATENCY_NODES, default 10 nodes: 57,000 updates/s; the
 *    target), and scaled out at the full load. Its floor is the matching
 *    window (1 s) plus the time to take in one second of every node's
 *    batches (at the full load most of a second on one core) plus a write;
 *    in steady state: after the matcher's start-up hold and the backlog it
 *    leaves (WEFT_BENCH_LATENCY_WARMUP s more, default 20; fed, not measured);
 *  - telemetry bytes per active connection-second, on the wire.
 * Targets: >= 300k updates/s on the ingest's one core, p99 < 2 s, < 40 B.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  DEFAULT_MATCHER_OPTIONS,
  ConnectionMatcher,
  EndpointNamer,
  IngestMetrics,
  IngestPipeline,
  ListenerDirectory,
  StoreEdgeWriter,
  decodeAgentBatch,
  intervalOf,
  type EdgeWriter,
} from '@weft/ingest';
import { openEdgeStore, type EdgeStore } from '@weft/store';
import { AgentBatchEncoder, type AgentRowInput } from '@weft/telemetry';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer (got ${process.env[name]})`);
  return value;
}

const NODES = positive('WEFT_BENCH_NODES', 50);
const PER_NODE = positive('WEFT_BENCH_PER_NODE', 5700);
const SECONDS = positive('WEFT_BENCH_SECONDS', 10);
const LATENCY_SECONDS = positive('WEFT_BENCH_LATENCY_SECONDS', 15);
// Latency is measured at a load the pinned ingest sustains; at more than it
// sustains the backlog grows and the figure is the backlog, not a latency.
const LATENCY_NODES = positive('WEFT_BENCH_LATENCY_NODES', 10);
// Steady state: a fresh matcher releases nothing until its input spans the
// start-up hold (DEFAULT_MATCHER_OPTIONS.startupSeconds), then releases those
// seconds at once, and a backlog follows until the ingest has caught up (at
// full load it has ~15% to spare: about 15 s). Those seconds are fed, not measured.
const LATENCY_WARMUP_SECONDS = DEFAULT_MATCHER_OPTIONS.startupSeconds + positive('WEFT_BENCH_LATENCY_WARMUP', 20);
const ROUNDS = positive('WEFT_BENCH_ROUNDS', 3);
const CHURN = 0.05;
/** Every batch of the benchmark is one tenant's (the pipeline takes the tenant from the key that sent it). */
const BENCH_TENANT = 'bench';

function log(line: string): void {
  process.stderr.write(`ingest bench: ${line}\n`);
}

if (process.env.WEFT_BENCH_PINNED !== '1' && cpus().length > 1) {
  // The same V8 flag as bin/weft.js gives the ingest (see there).
  const result = spawnSync('taskset', ['-c', '0', process.execPath, '--max-semi-space-size=64', fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, WEFT_BENCH_PINNED: '1' },
  });
  process.exit(result.status ?? 1);
}

/** A deterministic pseudo-random source. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

interface Connection {
  id: number;
  clientNode: number;
  clientPort: number;
  serverPort: number;
  clientProcess: number;
  serverProcess: number;
  /** Reported in an earlier second (an opened flag only on the first). */
  reported: boolean;
}

const nodeIp = (node: number, last: number): string => `10.${(node >> 8) + 1}.${node & 255}.${last}`;

/**
 * The workload: PER_NODE/2 connections whose client is on each node (the
 * server on the next node), so each node reports PER_NODE halves a second.
 */
class Workload {
  private readonly connections: Connection[] = [];
  private nextId = 1;
  private readonly rand = random(2026);
  private readonly encoders: AgentBatchEncoder[];

  constructor(private readonly nodes: number) {
    this.encoders = Array.from({ length: nodes }, (_, n) => new AgentBatchEncoder(`node-${n}`, `run-${n}`));
    for (let n = 0; n < nodes; n++) for (let i = 0; i < PER_NODE / 2; i++) this.connections.push(this.fresh(n));
  }

  /**
   * Like a node of a real cluster: 30 workloads per node, each client
   * workload calling 3 server workloads (on the next node), each server
   * workload listening on its own port.
   */
  private fresh(clientNode: number): Connection {
    const clientProcess = Math.floor(this.rand() * 30);
    const serverProcess = (clientProcess * 7 + Math.floor(this.rand() * 3)) % 30;
    return {
      id: this.nextId++,
      clientNode,
      clientPort: 20000 + (this.nextId % 40000),
      serverPort: 8000 + serverProcess,
      clientProcess,
      serverProcess,
      reported: false,
    };
  }

  /** One second of batches (one per node), stamped with `second`. */
  second(second: number): { batches: Uint8Array[]; halves: number; connections: number } {
    const rows: AgentRowInput[][] = Array.from({ length: this.nodes }, () => []);
    const initial = this.nodes * (PER_NODE / 2);
    for (let i = 0; i < this.connections.length; i++) {
      const c = this.connections[i] as Connection;
      const closed = this.rand() < CHURN;
      const serverNode = (c.clientNode + 1) % this.nodes;
      const up = Math.floor(Math.exp(this.rand() * Math.log(200_000)));
      const down = Math.floor(Math.exp(this.rand() * Math.log(2_000_000)));
      const srtt = 100 + Math.floor(this.rand() * 5000);
      const opened = c.id > initial && !c.reported;
      const clientIp = nodeIp(c.clientNode, 1 + c.clientProcess);
      const serverIp = nodeIp(serverNode, 100 + c.serverProcess);
      rows[c.clientNode]?.push(row(`c${c.id}`, 1000 + c.clientProcess, `client-${c.clientProcess}`, 'client', clientIp, c.clientPort, serverIp, c.serverPort, up, down, srtt, opened, closed));
      rows[serverNode]?.push(row(`s${c.id}`, 2000 + c.serverProcess, `server-${c.serverProcess}`, 'server', serverIp, c.serverPort, clientIp, c.clientPort, down, up, srtt, opened, closed));
      c.reported = true;
      if (closed) this.connections[i] = this.fresh(c.clientNode);
    }
    const batches = rows.map((nodeRows, n) => (this.encoders[n] as AgentBatchEncoder).encode(nodeRows, [], second * 1000 + 999, 1000));
    const halves = rows.reduce((sum, r) => sum + r.length, 0);
    return { batches, halves, connections: halves };
  }
}

/** One agent row, built with one fixed shape (a spread per row made generating the workload slow). */
function row(
  socketId: string, pid: number, comm: string, role: 'client' | 'server', saddr: string, sport: number, daddr: string, dport: number,
  bytesSent: number, bytesReceived: number, srttUs: number, opened: boolean, closed: boolean,
): AgentRowInput {
  return {
    socket_id: socketId, netns: 4026531840, pid, comm, cmdline: null, container_id: null, cgroup_id: '1', role, role_inferred: false,
    saddr, sport, daddr, dport, bytes_sent: bytesSent, bytes_received: bytesReceived, srtt_us: srttUs, retransmits: 0, resets_sent: 0,
    resets_received: 0, connect_failed: false, opened, closed,
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

const nullWriter: EdgeWriter = { writeEdgeRows: async () => undefined };

function pipelineOver(writer: EdgeWriter): IngestPipeline {
  const listeners = new ListenerDirectory();
  return new IngestPipeline(new ConnectionMatcher(), new EndpointNamer(null, null, listeners), listeners, writer, new IngestMetrics());
}

async function throughput(seconds: Array<{ batches: Uint8Array[]; halves: number }>, mode: 'decode' | 'no-store' | 'full', store: EdgeStore | null): Promise<number> {
  const pipeline = mode === 'decode' ? null : pipelineOver(mode === 'full' && store ? new StoreEdgeWriter(store) : nullWriter);
  const halves = seconds.reduce((sum, s) => sum + s.halves, 0);
  const started = process.hrtime.bigint();
  for (const second of seconds) {
    for (const batch of second.batches) {
      const message = decodeAgentBatch(batch, BENCH_TENANT);
      pipeline?.accept(intervalOf(message));
    }
    // Let queued writes run between seconds, as they would between arrivals.
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (pipeline) {
    pipeline.tick(Date.now(), true);
    await pipeline.drain();
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  return halves / elapsed;
}

async function latency(store: EdgeStore, nodes: number, encodeSecondsPerSecond: number): Promise<number[]> {
  const workload = new Workload(nodes);
  const pipeline = pipelineOver(new StoreEdgeWriter(store));
  // Encode ahead (that is the agents' work, not the ingest's), stamped with
  // the wall-clock seconds they will be fed at: far enough ahead that the
  // encoding (timed in the first phase) is done before the first is due.
  const start = Math.floor(Date.now() / 1000) + 3 + Math.ceil(1.5 * (LATENCY_WARMUP_SECONDS + LATENCY_SECONDS) * encodeSecondsPerSecond * (nodes / NODES));
  const plan: Array<{ second: number; batches: Uint8Array[] }> = [];
  for (let s = 0; s < LATENCY_WARMUP_SECONDS + LATENCY_SECONDS; s++) plan.push({ second: start + s, batches: workload.second(start + s).batches });
  const visible = new Map<number, number>();
  const pending = new Set<number>();
  let polling = true;
  const poller = (async () => {
    while (polling || pending.size > 0) {
      for (const second of [...pending].sort((a, b) => a - b)) {
        const totals = await store.readEdgeTotals({ from: second, to: second + 1, resolution: 1 });
        if (totals.rows > 0) {
          visible.set(second, Date.now());
          pending.delete(second);
        } else {
          break;
        }
      }
      // Every 50 ms: finer polling costs the ingest (same core) more than it tells.
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (!polling && Date.now() > (start + LATENCY_WARMUP_SECONDS + LATENCY_SECONDS + 30) * 1000) break;
    }
  })();
  for (const { second, batches } of plan) {
    // An agent sends its interval right after the interval ends.
    const due = (second + 1) * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
    for (const batch of batches) {
      pipeline.accept(intervalOf(decodeAgentBatch(batch, BENCH_TENANT)));
      // Each agent's batch is its own arrival (a Kafka message, a gRPC call):
      // I/O such as a store write in flight moves on between them.
      await new Promise((resolve) => setImmediate(resolve));
    }
    pending.add(second);
  }
  // Seconds the matcher still holds at the end are released by later input in
  // real life; stop measuring there.
  polling = false;
  await new Promise((resolve) => setTimeout(resolve, 5000));
  pipeline.tick(Date.now(), true);
  await pipeline.drain();
  await poller;
  const latencies: number[] = [];
  for (const { second } of plan.slice(LATENCY_WARMUP_SECONDS, -2)) {
    const at = visible.get(second);
    if (at !== undefined) latencies.push((at - (second + 1) * 1000) / 1000);
  }
  return latencies;
}

async function main(): Promise<void> {
  log(`${NODES} nodes x ${PER_NODE} updates/s, ${SECONDS} s for throughput, ${LATENCY_SECONDS} s for latency; pinned to CPU 0: ${process.env.WEFT_BENCH_PINNED === '1'}`);
  const workload = new Workload(NODES);
  const seconds: Array<{ batches: Uint8Array[]; halves: number }> = [];
  let wireBytes = 0;
  let connectionSeconds = 0;
  const t0 = Math.floor(Date.now() / 1000) - 3600;
  const encodeStarted = process.hrtime.bigint();
  for (let s = 0; s < SECONDS; s++) {
    const second = workload.second(t0 + s);
    seconds.push(second);
    wireBytes += second.batches.reduce((sum, b) => sum + b.length, 0);
    connectionSeconds += second.connections;
  }
  const encodeSecondsPerSecond = Number(process.hrtime.bigint() - encodeStarted) / 1e9 / SECONDS;
  log(`encoded ${seconds.length * NODES} batches (${encodeSecondsPerSecond.toFixed(1)} s of encoding per second of traffic: the agents' work)`);
  const dataDir = mkdtempSync(join(tmpdir(), 'weft-bench-ingest-'));
  const store = await openEdgeStore({ mode: 'embedded', dataDir });
  const server = cpus().length > 1 ? await startClickHouseServer() : null;
  if (!server) log('one CPU only: the scaled-out shape (ClickHouse on another core) is not measured');
  try {
    const remote = server ? await openEdgeStore({ mode: 'remote', url: server.url }) : null;
    const rounds = async (what: string, run: () => Promise<number>): Promise<number> => {
      const figures: number[] = [];
      for (let r = 0; r < ROUNDS; r++) figures.push(await run());
      const median = percentile(figures, 50);
      log(`${what}: ${Math.round(median)} updates/s (median of ${figures.map((f) => Math.round(f)).join(', ')})`);
      return median;
    };
    const decodeOnly = await rounds('decode only', () => throughput(seconds, 'decode', null));
    const noStore = await rounds('without the store', () => throughput(seconds, 'no-store', null));
    const scaledOut = remote ? await rounds('full pipeline, ClickHouse server on CPU 1', () => throughput(seconds, 'full', remote)) : NaN;
    const embedded = await rounds('full pipeline, embedded chdb on the same core', () => throughput(seconds, 'full', store));
    const scaledOutLatencies = remote ? await latency(remote, NODES, encodeSecondsPerSecond) : [];
    const embeddedLatencies = await latency(store, LATENCY_NODES, encodeSecondsPerSecond);
    await remote?.close();
    const perConnection = wireBytes / connectionSeconds;
    const ok = (met: boolean): string => (met ? 'met' : 'MISSED');
    const figure = (value: number, digits = 0): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a').padStart(9);
    const [p50, p99] = [percentile(scaledOutLatencies, 50), percentile(scaledOutLatencies, 99)];
    const [embeddedP50, embeddedP99] = [percentile(embeddedLatencies, 50), percentile(embeddedLatencies, 99)];
    const lines = [
      `ingest (${NODES} nodes x ${PER_NODE} updates/s; the ingest on one core; median of ${ROUNDS} runs)`,
      `  updates/s, decode only                      ${figure(decodeOnly)}  baseline`,
      `  updates/s, without the store                ${figure(noStore)}  ${(noStore / decodeOnly).toFixed(2)} of baseline`,
      `  updates/s, full, ClickHouse on another core ${figure(scaledOut)}  >= 300000  ${ok(scaledOut >= 300_000)}`,
      `  updates/s, full, embedded chdb on that core ${figure(embedded)}  ${(embedded / 300_000).toFixed(2)} of target (ingest and ClickHouse sharing one core)`,
      `  event-to-queryable p50 (s)                  ${figure(embeddedP50, 2)}            (real time, steady state, ${LATENCY_NODES * PER_NODE} updates/s, embedded: all on one core)`,
      `  event-to-queryable p99 (s)                  ${figure(embeddedP99, 2)}  < 2  ${ok(embeddedP99 < 2)}   (${embeddedLatencies.length} seconds measured)`,
      `  at the full load, p50 / p99 (s)             ${figure(p50, 2)} / ${p99.toFixed(2)}  (real time, steady state, ${NODES * PER_NODE} updates/s, ClickHouse on another core; ${scaledOutLatencies.length} seconds)`,
      `  telemetry bytes per connection-second       ${figure(perConnection, 1)}  < 40  ${ok(perConnection < 40)}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
    writeFileSync(
      join(repoRoot, 'bench/results/ingest.json'),
      JSON.stringify(
        {
          when: new Date().toISOString(), kernel: release(), nodes: NODES, perNode: PER_NODE, seconds: SECONDS, rounds: ROUNDS, latencyNodes: LATENCY_NODES,
          decodeOnly, noStore, scaledOut, embedded, scaledOutLatencies, p50, p99, embeddedLatencies, embeddedP50, embeddedP99, bytesPerConnectionSecond: perConnection,
        },
        null,
        2,
      ),
    );
    log('written to bench/results/ingest.json');
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
    server?.process.kill('SIGTERM');
  }
}

/**
 * A ClickHouse server on CPU 1: the harness's chdb-backed HTTP server
 * (test/fixtures/clickhouseHttpServer.ts, built by set-up) in its own process.
 */
async function startClickHouseServer(): Promise<{ url: string; process: ChildProcess }> {
  const fixture = pathToFileURL(join(repoRoot, 'test/dist/fixtures/clickhouseHttpServer.js')).href;
  const code = `const { ClickHouseHttpServer } = await import(${JSON.stringify(fixture)}); const server = await ClickHouseHttpServer.start(); process.stdout.write(server.url() + '\\n'); process.on('SIGTERM', () => server.close().then(() => process.exit(0)));`;
  const child = spawn('taskset', ['-c', '1', process.execPath, '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolveUrl, reject) => {
    lines.once('line', resolveUrl);
    child.once('exit', (code) => reject(new Error(`the ClickHouse server exited (${code}) before it listened`)));
  });
  return { url, process: child };
}

await main();
