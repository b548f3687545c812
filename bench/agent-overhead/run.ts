/**
 * Agent overhead: loopback HTTP load (wrk against Debian's nginx) without
 * `weft agent` and with it in each of CONFIGURATIONS (the default, auto
 * traffic path; and --traffic-path tracepoint, the per-call path), interleaved
 * in the same run (each round: baseline, then the agent configurations in an
 * order that alternates between rounds) so drift on a shared machine hits all
 * of them. Prints, per configuration, requests/s, the ratios against the
 * same-run baseline, the agent's CPU seconds over its measured windows, its
 * peak RSS, the traffic path it reported and its own counters (from
 * --metrics-addr), and writes them all to bench/results/agent-overhead.json.
 * Targets: RSS < 150 MB, and throughput ratio >= 0.95 with L7 capture (the
 * default) and >= 0.99 without it (--l7 off, the L4-only figure beside it);
 * judged for those two, shown for the others for comparison. The agent's CPU
 * per 10k requests/s is printed for each.
 *
 *   bash bench/run.sh agent-overhead
 *   WEFT_BENCH_ROUNDS=3 WEFT_BENCH_SECONDS=10 WEFT_BENCH_CONNECTIONS=64 bash bench/run.sh agent-overhead
 *   WEFT_BENCH_BPF_STATS=1 bash bench/run.sh agent-overhead
 *
 * WEFT_BENCH_BPF_STATS=1 also reports, per configuration and BPF program of the agent, calls per
 * second and nanoseconds per call in the measured windows (kernel.bpf_stats_enabled
 * is on for the run and restored after; it costs a little per call itself).
 * WEFT_BENCH_PIN=0 lets the scheduler place nginx and wrk. WEFT_BENCH_CONFIGS=default,l4-only
 * runs only the configurations named.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const agentMain = process.env.WEFT_BENCH_AGENT_MAIN ?? join(repoRoot, 'apps/cli/dist/main.js');
const rounds = positive('WEFT_BENCH_ROUNDS', 8);
const seconds = positive('WEFT_BENCH_SECONDS', 5);
const connections = positive('WEFT_BENCH_CONNECTIONS', 32);
// Let the agent's start-up work (module loading, JIT, the first map read and
// conntrack dump) pass before the measured window.
const settleMs = 2000;
// nginx on CPU 0 and wrk on CPU 1: on a 2-core VM, letting the scheduler move
// them around costs more run-to-run noise (±10% measured) than the agent does.
const pin = cpus().length >= 2 && process.env.WEFT_BENCH_PIN !== '0';
const CLOCK_TICKS = 100; // USER_HZ on Linux
const AGENT_COUNTERS = [
  'weft_agent_rows_total',
  'weft_agent_rows_dropped_total',
  'weft_agent_socket_map_full_total',
  'weft_agent_ringbuf_drops_total',
  'weft_agent_events_dropped_total',
  'weft_agent_lost_closes_total',
  'weft_agent_requests_total',
  'weft_agent_l7_calls_total',
  'weft_agent_l7_drops_total',
  'weft_agent_l7_parser_total',
  'weft_agent_l7_durations_capped',
] as const;
/**
 * Counters that count work done, not loss: not "should be 0". Durations capped: a request group
 * keeps at most 1,024 durations per interval (its counts stay exact), which wrk's one route at
 * tens of thousands of requests a second always reaches.
 */
const WORK_COUNTERS = new Set(['weft_agent_rows_total', 'weft_agent_requests_total', 'weft_agent_l7_calls_total', 'weft_agent_l7_durations_capped']);
/** Samples counted under a name of their own: weft_agent_l7_parser_total's duration_capped events. */
const SPLIT_SAMPLES: Record<string, { name: string; labels: string }> = {
  weft_agent_l7_durations_capped: { name: 'weft_agent_l7_parser_total', labels: 'event="duration_capped"' },
};

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer (got ${process.env[name]})`);
  return value;
}

function log(line: string): void {
  process.stderr.write(`agent-overhead: ${line}\n`);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const address = server.address();
  await new Promise((closed) => server.close(closed));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function taskset(cpu: number, command: string[]): string[] {
  return pin ? ['taskset', '-c', String(cpu), ...command] : command;
}

class Nginx {
  private readonly conf: string;
  started = false;

  constructor(
    private readonly dir: string,
    readonly port: number,
  ) {
    this.conf = join(dir, 'nginx.conf');
  }

  start(): void {
    const { dir } = this;
    mkdirSync(join(dir, 'html'));
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'html', 'file'), 'x'.repeat(1024));
    writeFileSync(
      this.conf,
      `daemon on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen 127.0.0.1:${this.port}; root ${dir}/html; }
}
`,
    );
    const [command = 'nginx', ...args] = taskset(0, ['nginx', '-p', dir, '-c', this.conf]);
    const run = spawnSync(command, args, { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`nginx failed to start: ${run.error?.message ?? run.stderr}`);
    this.started = true;
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    spawnSync('nginx', ['-p', this.dir, '-c', this.conf, '-s', 'stop']);
  }

  version(): string {
    return /nginx\/(\S+)/.exec(spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr)?.[1] ?? 'unknown';
  }
}

interface WrkRun {
  requestsPerSecond: number;
  errors: number;
  /** Share of CPU time the hypervisor took from this VM during the run (%): noise, not overhead. */
  stealPercent: number;
}

/** All-CPU jiffies from /proc/stat: [total, steal]. */
function cpuJiffies(): [number, number] {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return [total, fields[7] ?? 0];
}

function wrk(port: number, duration = seconds): WrkRun {
  const [command = 'wrk', ...args] = taskset(1, [
    'wrk',
    pin ? '-t1' : '-t2',
    `-c${connections}`,
    `-d${duration}s`,
    `http://127.0.0.1:${port}/file`,
  ]);
  const [total0, steal0] = cpuJiffies();
  const run = spawnSync(command, args, { encoding: 'utf8' });
  const [total1, steal1] = cpuJiffies();
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(run.stdout ?? '');
  if (run.status !== 0 || !rate?.[1]) throw new Error(`wrk failed: ${run.error?.message ?? (run.stderr || run.stdout)}`);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(run.stdout);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(run.stdout);
  const errors =
    (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0) + Number(non2xx?.[1] ?? 0);
  const stealPercent = total1 > total0 ? (100 * (steal1 - steal0)) / (total1 - total0) : 0;
  return { requestsPerSecond: Number(rate[1]), errors, stealPercent };
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after "comm) ".
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match?.[1] ? Number(match[1]) / 1024 : NaN;
}

/** One way of running the agent: `weft agent` plus these arguments. */
interface Configuration {
  name: string;
  args: string[];
  /** The targets are judged for this one; the others are shown for comparison. */
  judged: boolean;
  /** Throughput with the agent over without, at least (L7 capture reads every call's bytes: it may cost more). */
  ratioTarget: number;
}

const ALL_CONFIGURATIONS: Configuration[] = [
  { name: 'default', args: [], judged: true, ratioTarget: 0.95 },
  { name: 'l4-only', args: ['--l7', 'off'], judged: true, ratioTarget: 0.99 },
  { name: 'tracepoint', args: ['--traffic-path', 'tracepoint', '--l7', 'off'], judged: false, ratioTarget: 0.99 },
];
// WEFT_BENCH_CONFIGS=default,l4-only runs only those (quicker iterations); all by default.
const CONFIGURATIONS = selectConfigurations(process.env.WEFT_BENCH_CONFIGS);

function selectConfigurations(list: string | undefined): Configuration[] {
  if (list === undefined || list === '') return ALL_CONFIGURATIONS;
  const names = list.split(',');
  const unknown = names.filter((name) => !ALL_CONFIGURATIONS.some((c) => c.name === name));
  if (unknown.length > 0) throw new Error(`WEFT_BENCH_CONFIGS: unknown configuration ${unknown.join(', ')}`);
  return ALL_CONFIGURATIONS.filter((c) => names.includes(c.name));
}

class Agent {
  readonly process: ChildProcess;
  readyLine = '';
  private stderr = '';
  private readonly exited: Promise<void>;

  private constructor(
    outFile: string,
    readonly metricsPort: number,
    extraArgs: string[],
  ) {
    const out = openSync(outFile, 'w');
    // --json to a file: the agent does all its per-connection work and writes
    // every row, as a user piping it somewhere would.
    this.process = spawn(
      process.execPath,
      [agentMain, 'agent', '--json', '--metrics-addr', `127.0.0.1:${metricsPort}`, ...extraArgs],
      { stdio: ['ignore', out, 'pipe'] },
    );
    closeSync(out);
    this.process.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-20_000);
    });
    this.exited = new Promise((done) => this.process.once('exit', () => done()));
  }

  static async start(outFile: string, extraArgs: string[]): Promise<Agent> {
    const agent = new Agent(outFile, await freePort(), extraArgs);
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`agent not ready after 30 s: ${agent.stderr}`)), 30_000);
      const onData = (): void => {
        const line = agent.stderr.split('\n').find((l) => l.startsWith('weft agent: ready'));
        if (line === undefined) return;
        agent.readyLine = line;
        clearTimeout(timer);
        agent.process.stderr?.off('data', onData);
        ready();
      };
      agent.process.stderr?.on('data', onData);
      agent.process.once('exit', (code, signal) => {
        clearTimeout(timer);
        fail(new Error(`agent exited (${code ?? signal}) before it was ready: ${agent.stderr.trim()}`));
      });
    });
    return agent;
  }

  /** The traffic path from the ready line: `weft agent: ready (traffic path: X — reason)`. */
  get trafficPath(): string {
    return /traffic path: (\S+)/.exec(this.readyLine)?.[1] ?? 'unknown';
  }

  get pid(): number {
    return this.process.pid ?? 0;
  }

  async counters(): Promise<Record<string, number>> {
    const response = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`);
    const text = await response.text();
    const values: Record<string, number> = {};
    // Summed over the counter's labels (requests by protocol, drops by where, ...).
    const split = Object.values(SPLIT_SAMPLES);
    for (const name of AGENT_COUNTERS) {
      const source = SPLIT_SAMPLES[name];
      for (const match of text.matchAll(new RegExp(`^${source?.name ?? name}(?:\\{([^}]*)\\})? (\\S+)$`, 'gm'))) {
        const labels = match[1] ?? '';
        // A split sample counts under its own name only.
        const counted = source !== undefined ? labels.includes(source.labels) : !split.some((s) => s.name === name && labels.includes(s.labels));
        if (counted) values[name] = (values[name] ?? 0) + Number(match[2]);
      }
    }
    return values;
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.kill('SIGINT');
    const killer = setTimeout(() => this.process.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(killer);
  }
}

const BPF_STATS_SYSCTL = '/proc/sys/kernel/bpf_stats_enabled';

interface ProgramStats {
  [name: string]: { runTimeNs: number; runCount: number };
}

/** run_time_ns and run_cnt of the weft_* BPF programs not in `exclude` (ids). */
function bpfProgramStats(exclude: Set<number>): { ids: number[]; stats: ProgramStats } {
  const run = spawnSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`bpftool prog show failed: ${run.stderr}`);
  const programs = JSON.parse(run.stdout) as { id: number; name?: string; run_time_ns?: number; run_cnt?: number }[];
  const stats: ProgramStats = {};
  const ids: number[] = [];
  for (const program of programs) {
    ids.push(program.id);
    if (exclude.has(program.id) || !program.name?.startsWith('weft_')) continue;
    const entry = (stats[program.name] ??= { runTimeNs: 0, runCount: 0 });
    entry.runTimeNs += program.run_time_ns ?? 0;
    entry.runCount += program.run_cnt ?? 0;
  }
  return { ids, stats };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** What one configuration's agent runs collected, one entry per round. */
interface AgentRuns {
  config: Configuration;
  wrk: WrkRun[];
  cpuSeconds: number[];
  counters: Record<string, number>[];
  peakRssMb: number;
  readyLine: string;
  trafficPath: string;
  programStats: ProgramStats;
}

type Summary = ReturnType<typeof summarise>;

function summarise(runs: AgentRuns, without: number[]) {
  const rates = runs.wrk.map((r) => r.requestsPerSecond);
  const cpuTotal = runs.cpuSeconds.reduce((a, b) => a + b, 0);
  const loadSeconds = runs.cpuSeconds.length * seconds;
  const ratio = median(rates) / median(without);
  // Each round's runs are back to back: the median of the paired ratios is
  // less sensitive to drift than the ratio of medians.
  const pairedRatioMedian = median(rates.map((w, i) => w / (without[i] ?? NaN)));
  return {
    name: runs.config.name,
    args: runs.config.args,
    judged: runs.config.judged,
    trafficPath: runs.trafficPath,
    ready: runs.readyLine,
    requestsPerSecond: median(rates),
    ratio,
    pairedRatioMedian,
    wrkErrors: runs.wrk.reduce((s, r) => s + r.errors, 0),
    agentCpuSeconds: cpuTotal,
    agentCpuPercentOfOneCore: (100 * cpuTotal) / loadSeconds,
    // What 10,000 requests a second cost the agent, in % of one core (wrk's rate as the rate).
    agentCpuPercentPer10kRps: (100 * cpuTotal) / loadSeconds / (median(rates) / 10_000),
    agentPeakRssMb: runs.peakRssMb,
    // Summed over the agent runs (each run starts from zero).
    agentCounters: Object.fromEntries(
      AGENT_COUNTERS.map((name) => [name, runs.counters.reduce((sum, c) => sum + (c[name] ?? 0), 0)]),
    ) as Record<string, number>,
    // WEFT_BENCH_BPF_STATS=1: the agent's BPF programs in the measured windows.
    bpfPrograms: bpfStats
      ? Object.fromEntries(
          Object.entries(runs.programStats)
            .filter(([, p]) => p.runCount > 0)
            .map(([name, p]) => [
              name,
              {
                callsPerSecond: p.runCount / loadSeconds,
                nsPerCall: p.runTimeNs / p.runCount,
                percentOfOneCore: (100 * p.runTimeNs) / (loadSeconds * 1e9),
              },
            ]),
        )
      : null,
    ratioTarget: runs.config.ratioTarget,
    targetsMet: { ratio: ratio >= runs.config.ratioTarget, pairedRatio: pairedRatioMedian >= runs.config.ratioTarget, rss: runs.peakRssMb < TARGETS.rssMb },
    runs: {
      requestsPerSecond: rates,
      agentCpuSeconds: runs.cpuSeconds,
      stealPercent: runs.wrk.map((r) => r.stealPercent),
    },
  };
}

const TARGETS = { rssMb: 150 };
const bpfStats = process.env.WEFT_BENCH_BPF_STATS === '1';

async function main(): Promise<void> {
  if (!existsSync(agentMain)) throw new Error(`${agentMain} is missing: run bash scripts/setup.sh first`);
  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-'));
  const nginx = new Nginx(dir, await freePort());
  let agent: Agent | null = null;
  let stopping = false;
  const bpfStatsBefore = bpfStats ? readFileSync(BPF_STATS_SYSCTL, 'utf8').trim() : '';
  const cleanUp = async (): Promise<void> => {
    await agent?.stop();
    agent = null;
    nginx.stop();
    if (bpfStats) writeFileSync(BPF_STATS_SYSCTL, bpfStatsBefore);
    rmSync(dir, { recursive: true, force: true });
  };
  // Ctrl-C or a kill: stop nginx and the agent before going.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      log(`${signal}: stopping nginx and the agent`);
      void cleanUp().finally(() => process.exit(130));
    });
  }

  /** One measured wrk run with this configuration's agent started for it. */
  const measure = async (runs: AgentRuns): Promise<void> => {
    const others = bpfStats ? new Set(bpfProgramStats(new Set()).ids) : new Set<number>();
    agent = await Agent.start(join(dir, 'agent.jsonl'), runs.config.args);
    runs.readyLine = agent.readyLine;
    runs.trafficPath = agent.trafficPath;
    await new Promise((done) => setTimeout(done, settleMs));
    const programsBefore = bpfStats ? bpfProgramStats(others).stats : {};
    const before = cpuSeconds(agent.pid);
    runs.wrk.push(wrk(nginx.port));
    runs.cpuSeconds.push(cpuSeconds(agent.pid) - before);
    if (bpfStats) {
      for (const [name, after] of Object.entries(bpfProgramStats(others).stats)) {
        const total = (runs.programStats[name] ??= { runTimeNs: 0, runCount: 0 });
        total.runTimeNs += after.runTimeNs - (programsBefore[name]?.runTimeNs ?? 0);
        total.runCount += after.runCount - (programsBefore[name]?.runCount ?? 0);
      }
    }
    runs.peakRssMb = Math.max(runs.peakRssMb, peakRssMb(agent.pid));
    runs.counters.push(await agent.counters().catch(() => ({})));
    await agent.stop();
    agent = null;
  };

  const baseline: WrkRun[] = [];
  const configurations: AgentRuns[] = CONFIGURATIONS.map((config) => ({
    config,
    wrk: [],
    cpuSeconds: [],
    counters: [],
    peakRssMb: 0,
    readyLine: '',
    trafficPath: '',
    programStats: {},
  }));
  const orders: string[][] = [];
  try {
    if (bpfStats) writeFileSync(BPF_STATS_SYSCTL, '1');
    nginx.start();
    log(
      `nginx ${nginx.version()} on 127.0.0.1:${nginx.port}; ${rounds} rounds of ${seconds}s, ${connections} connections` +
        (pin ? ', nginx on CPU 0 and wrk on CPU 1' : '') +
        `; per round: baseline, then the agent as ${CONFIGURATIONS.map((c) => c.name).join(' and ')} (order alternating)`,
    );
    wrk(nginx.port, 2); // warm-up
    for (let round = 0; round < rounds && !stopping; round++) {
      // The baseline waits as long after the last agent stopped as an agent
      // waits after it started: the exiting process and the kernel freeing its
      // programs and maps must not land in the baseline's window.
      if (round > 0) await new Promise((done) => setTimeout(done, settleMs));
      baseline.push(wrk(nginx.port));
      // Alternate the agent configurations' order so that going first or last
      // in a round (drift, the previous agent's after-effects) evens out.
      const order = round % 2 === 0 ? configurations : [...configurations].reverse();
      orders.push(order.map((runs) => runs.config.name));
      for (const runs of order) if (!stopping) await measure(runs);
      if (stopping) break;
      const last = [baseline, ...configurations.map((c) => c.wrk)].map((w) => w.at(-1));
      log(
        `round ${round + 1}/${rounds}: ` +
          ['baseline', ...configurations.map((c) => c.config.name)]
            .map((name, i) => `${name} ${last[i]?.requestsPerSecond.toFixed(0)}`)
            .join(', ') +
          ` req/s (CPU steal ${last.map((r) => r?.stealPercent.toFixed(1)).join(' / ')}%; order ${orders.at(-1)?.join(', ')})`,
      );
    }
  } finally {
    if (!stopping) await cleanUp();
  }
  if (stopping) return;

  const without = baseline.map((r) => r.requestsPerSecond);
  const summaries = configurations.map((runs) => summarise(runs, without));
  const allRuns = [...baseline, ...configurations.flatMap((c) => c.wrk)];
  const result = {
    benchmark: 'agent-overhead',
    date: new Date().toISOString(),
    machine: { kernel: release(), cpus: cpus().length, node: process.version, nginx: nginx.version(), pinned: pin },
    agent: { main: agentMain },
    rounds,
    secondsPerRun: seconds,
    connections,
    requestsPerSecondWithout: median(without),
    baselineSpread: (Math.max(...without) - Math.min(...without)) / median(without),
    wrkErrorsWithout: baseline.reduce((s, r) => s + r.errors, 0),
    cpuStealPercentMax: Math.max(...allRuns.map((r) => r.stealPercent)),
    configurations: summaries,
    runs: {
      without,
      stealPercentWithout: baseline.map((r) => r.stealPercent),
      // The order of the agent configurations in each round (after the baseline).
      order: orders,
    },
    // Judged for the configurations with judged: true; the others are for comparison.
    targets: { ...TARGETS, judgedFor: summaries.filter((c) => c.judged).map((c) => c.name) },
  };

  // A table with one column per configuration; the targets are judged for the
  // judged configuration and shown for the others.
  const mark = (ok: boolean): string => (ok ? 'met' : 'MISSED');
  const judge = (target: string, ok: (c: Summary) => boolean): string =>
    `${target}  ` +
    summaries.map((c) => (c.judged ? `${c.name}: ${mark(ok(c))}` : `(${c.name}: ${ok(c) ? 'met' : 'missed'}, for comparison)`)).join(' ');
  const perConfiguration = (label: string, value: (c: Summary) => string, note = ''): string[] => [
    label,
    ...summaries.map(value),
    note,
  ];
  const shared = (label: string, value: string, note: string): string[] => [label, value, ...summaries.slice(1).map(() => ''), note];
  const rows: string[][] = [
    shared('requests/s without agent (median)', result.requestsPerSecondWithout.toFixed(0), 'baseline, shared'),
    shared('baseline spread (max-min)/median', result.baselineSpread.toFixed(3), 'noise of this machine'),
    shared('CPU steal, worst run (%)', result.cpuStealPercentMax.toFixed(1), 'the hypervisor taking CPU: noise'),
    shared('wrk errors without agent', String(result.wrkErrorsWithout), 'should be 0'),
    [],
    perConfiguration('agent configuration', (c) => c.name, summaries.map((c) => `${c.name}: ${c.args.join(' ') || '(no extra args)'}`).join('; ')),
    perConfiguration('traffic path used', (c) => c.trafficPath, 'from the ready line'),
    perConfiguration('requests/s with agent (median)', (c) => c.requestsPerSecond.toFixed(0)),
    perConfiguration('ratio target', (c) => `>= ${c.ratioTarget}`, 'L7 on reads every call\'s first bytes'),
    perConfiguration('ratio with/without (of medians)', (c) => c.ratio.toFixed(4), judge('', (c) => c.targetsMet.ratio)),
    perConfiguration('ratio with/without (median of pairs)', (c) => c.pairedRatioMedian.toFixed(4), judge('', (c) => c.targetsMet.pairedRatio)),
    perConfiguration('agent CPU seconds', (c) => c.agentCpuSeconds.toFixed(2), `each over ${rounds * seconds}s of load`),
    perConfiguration('agent CPU % of one core', (c) => c.agentCpuPercentOfOneCore.toFixed(2)),
    perConfiguration('agent CPU % of a core per 10k req/s', (c) => c.agentCpuPercentPer10kRps.toFixed(2)),
    perConfiguration('agent peak RSS (MB)', (c) => c.agentPeakRssMb.toFixed(1), judge(`< ${TARGETS.rssMb}`, (c) => c.targetsMet.rss)),
    perConfiguration('wrk errors with agent', (c) => String(c.wrkErrors), 'should be 0'),
    ...AGENT_COUNTERS.map((name) =>
      perConfiguration(
        name.replace('weft_agent_', 'agent '),
        (c) => String(c.agentCounters[name] ?? 0),
        WORK_COUNTERS.has(name) ? 'work done' : 'should be 0',
      ),
    ),
  ];
  if (bpfStats) {
    const programs = [...new Set(summaries.flatMap((c) => Object.keys(c.bpfPrograms ?? {})))].sort();
    for (const name of programs) {
      const stat = (c: Summary) => c.bpfPrograms?.[name];
      rows.push(perConfiguration(`bpf ${name} ns/call`, (c) => stat(c)?.nsPerCall.toFixed(0) ?? '-'));
      rows.push(perConfiguration(`bpf ${name} calls/s`, (c) => stat(c)?.callsPerSecond.toFixed(0) ?? '-'));
    }
    rows.push(
      perConfiguration(
        'bpf programs, all: % of one core',
        (c) => Object.values(c.bpfPrograms ?? {}).reduce((sum, p) => sum + p.percentOfOneCore, 0).toFixed(2),
        'in the kernel (not in agent CPU)',
      ),
    );
  }
  const labelWidth = Math.max(...rows.map((r) => r[0]?.length ?? 0));
  const columnWidth = Math.max(12, ...rows.flatMap((r) => r.slice(1, -1).map((v) => v.length)));
  console.log(`agent-overhead (${rounds} rounds x ${seconds}s, ${connections} connections)`);
  for (const row of rows) {
    if (row.length === 0) {
      console.log('');
      continue;
    }
    const [label = '', ...rest] = row;
    const note = rest.pop() ?? '';
    console.log(`  ${label.padEnd(labelWidth)} ${rest.map((v) => v.padStart(columnWidth)).join(' ')}  ${note}`.trimEnd());
  }
  const resultsDir = join(repoRoot, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'agent-overhead.json'), `${JSON.stringify(result, null, 2)}\n`);
  if (result.cpuStealPercentMax > 5) {
    console.log(`  warning: the hypervisor took up to ${result.cpuStealPercentMax.toFixed(0)}% of the CPU during a run: the ratios are noise-bound`);
  }
  console.log(`  written to bench/results/agent-overhead.json`);
}

await main();
