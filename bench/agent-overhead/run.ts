/**
 * Agent overhead: loopback HTTP load (wrk against Debian's nginx) with and
 * without `weft agent` running, interleaved in the same run (A B A B ...) so
 * drift on a shared machine hits both sides. Prints requests/s for both, the
 * ratio, the agent's CPU seconds over its measured windows, its peak RSS and
 * its own counters (from --metrics-addr), and writes them all to
 * bench/results/agent-overhead.json.
 * Targets (DESIGN.md): ratio >= 0.99, RSS < 150 MB.
 *
 *   bash bench/run.sh agent-overhead
 *   WEFT_BENCH_ROUNDS=3 WEFT_BENCH_SECONDS=10 WEFT_BENCH_CONNECTIONS=64 bash bench/run.sh agent-overhead
 *   WEFT_BENCH_BPF_STATS=1 bash bench/run.sh agent-overhead
 *
 * WEFT_BENCH_BPF_STATS=1 also reports, per BPF program of the agent, calls per
 * second and nanoseconds per call in the measured windows (kernel.bpf_stats_enabled
 * is on for the run and restored after; it costs a little per call itself).
 * WEFT_BENCH_PIN=0 lets the scheduler place nginx and wrk.
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
] as const;

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

class Agent {
  readonly process: ChildProcess;
  readyLine = '';
  private stderr = '';
  private readonly exited: Promise<void>;

  private constructor(
    outFile: string,
    readonly metricsPort: number,
  ) {
    const out = openSync(outFile, 'w');
    // --json to a file: the agent does all its per-connection work and writes
    // every row, as a user piping it somewhere would.
    this.process = spawn(
      process.execPath,
      [agentMain, 'agent', '--json', '--metrics-addr', `127.0.0.1:${metricsPort}`],
      { stdio: ['ignore', out, 'pipe'] },
    );
    closeSync(out);
    this.process.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-20_000);
    });
    this.exited = new Promise((done) => this.process.once('exit', () => done()));
  }

  static async start(outFile: string): Promise<Agent> {
    const agent = new Agent(outFile, await freePort());
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

  get pid(): number {
    return this.process.pid ?? 0;
  }

  async counters(): Promise<Record<string, number>> {
    const response = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`);
    const text = await response.text();
    const values: Record<string, number> = {};
    for (const name of AGENT_COUNTERS) {
      const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
      if (match?.[1] !== undefined) values[name] = Number(match[1]);
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

async function main(): Promise<void> {
  if (!existsSync(agentMain)) throw new Error(`${agentMain} is missing: run bash scripts/setup.sh first`);
  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-'));
  const nginx = new Nginx(dir, await freePort());
  let agent: Agent | null = null;
  let stopping = false;
  const bpfStats = process.env.WEFT_BENCH_BPF_STATS === '1';
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

  const baseline: WrkRun[] = [];
  const withAgent: WrkRun[] = [];
  const agentCpu: number[] = [];
  const counters: Record<string, number>[] = [];
  let rss = 0;
  let readyLine = '';
  const programStats: ProgramStats = {};
  try {
    if (bpfStats) writeFileSync(BPF_STATS_SYSCTL, '1');
    nginx.start();
    log(
      `nginx ${nginx.version()} on 127.0.0.1:${nginx.port}; ${rounds} rounds of ${seconds}s, ${connections} connections` +
        (pin ? ', nginx on CPU 0 and wrk on CPU 1' : ''),
    );
    wrk(nginx.port, 2); // warm-up
    for (let round = 0; round < rounds && !stopping; round++) {
      baseline.push(wrk(nginx.port));
      const others = bpfStats ? new Set(bpfProgramStats(new Set()).ids) : new Set<number>();
      agent = await Agent.start(join(dir, 'agent.jsonl'));
      readyLine = agent.readyLine;
      await new Promise((done) => setTimeout(done, settleMs));
      const programsBefore = bpfStats ? bpfProgramStats(others).stats : {};
      const before = cpuSeconds(agent.pid);
      withAgent.push(wrk(nginx.port));
      agentCpu.push(cpuSeconds(agent.pid) - before);
      if (bpfStats) {
        for (const [name, after] of Object.entries(bpfProgramStats(others).stats)) {
          const total = (programStats[name] ??= { runTimeNs: 0, runCount: 0 });
          total.runTimeNs += after.runTimeNs - (programsBefore[name]?.runTimeNs ?? 0);
          total.runCount += after.runCount - (programsBefore[name]?.runCount ?? 0);
        }
      }
      rss = Math.max(rss, peakRssMb(agent.pid));
      counters.push(await agent.counters().catch(() => ({})));
      await agent.stop();
      agent = null;
      log(
        `round ${round + 1}/${rounds}: without ${baseline.at(-1)?.requestsPerSecond.toFixed(0)} req/s, ` +
          `with ${withAgent.at(-1)?.requestsPerSecond.toFixed(0)} req/s ` +
          `(CPU steal ${baseline.at(-1)?.stealPercent.toFixed(1)}% / ${withAgent.at(-1)?.stealPercent.toFixed(1)}%)`,
      );
    }
  } finally {
    if (!stopping) await cleanUp();
  }
  if (stopping) return;

  const without = baseline.map((r) => r.requestsPerSecond);
  const withRates = withAgent.map((r) => r.requestsPerSecond);
  const cpuTotal = agentCpu.reduce((a, b) => a + b, 0);
  const totals = Object.fromEntries(
    AGENT_COUNTERS.map((name) => [name, counters.reduce((sum, c) => sum + (c[name] ?? 0), 0)]),
  );
  const result = {
    benchmark: 'agent-overhead',
    date: new Date().toISOString(),
    machine: { kernel: release(), cpus: cpus().length, node: process.version, nginx: nginx.version(), pinned: pin },
    agent: { main: agentMain, ready: readyLine },
    rounds,
    secondsPerRun: seconds,
    connections,
    requestsPerSecondWithout: median(without),
    requestsPerSecondWith: median(withRates),
    ratio: median(withRates) / median(without),
    // Each round's with/without pair runs back to back: the median of the
    // paired ratios is less sensitive to drift than the ratio of medians.
    pairedRatioMedian: median(withRates.map((w, i) => w / (without[i] ?? NaN))),
    baselineSpread: (Math.max(...without) - Math.min(...without)) / median(without),
    wrkErrors: { without: baseline.reduce((s, r) => s + r.errors, 0), with: withAgent.reduce((s, r) => s + r.errors, 0) },
    agentCpuSeconds: cpuTotal,
    agentCpuPercentOfOneCore: (100 * cpuTotal) / (agentCpu.length * seconds),
    agentPeakRssMb: rss,
    // Summed over the agent runs (each run starts from zero).
    agentCounters: totals,
    // WEFT_BENCH_BPF_STATS=1: the agent's BPF programs in the measured windows.
    bpfPrograms: bpfStats
      ? Object.fromEntries(
          Object.entries(programStats)
            .filter(([, p]) => p.runCount > 0)
            .map(([name, p]) => [
              name,
              {
                callsPerSecond: p.runCount / (agentCpu.length * seconds),
                nsPerCall: p.runTimeNs / p.runCount,
                percentOfOneCore: (100 * p.runTimeNs) / (agentCpu.length * seconds * 1e9),
              },
            ]),
        )
      : null,
    cpuStealPercentMax: Math.max(...baseline.map((r) => r.stealPercent), ...withAgent.map((r) => r.stealPercent)),
    runs: {
      without,
      with: withRates,
      agentCpuSeconds: agentCpu,
      stealPercentWithout: baseline.map((r) => r.stealPercent),
      stealPercentWith: withAgent.map((r) => r.stealPercent),
    },
    targets: { ratio: 0.99, rssMb: 150 },
  };

  const mark = (ok: boolean): string => (ok ? 'met' : 'MISSED');
  const rows: [string, string, string][] = [
    ['requests/s without agent (median)', result.requestsPerSecondWithout.toFixed(0), 'baseline'],
    ['requests/s with agent (median)', result.requestsPerSecondWith.toFixed(0), ''],
    ['ratio with/without (of medians)', result.ratio.toFixed(4), `>= 0.99  ${mark(result.ratio >= 0.99)}`],
    [
      'ratio with/without (median of pairs)',
      result.pairedRatioMedian.toFixed(4),
      `>= 0.99  ${mark(result.pairedRatioMedian >= 0.99)}`,
    ],
    ['baseline spread (max-min)/median', result.baselineSpread.toFixed(3), 'noise of this machine'],
    ['CPU steal, worst run (%)', result.cpuStealPercentMax.toFixed(1), 'the hypervisor taking CPU: noise'],
    ['agent CPU seconds', result.agentCpuSeconds.toFixed(2), `over ${agentCpu.length * seconds}s of load`],
    ['agent CPU % of one core', result.agentCpuPercentOfOneCore.toFixed(2), ''],
    ['agent peak RSS (MB)', result.agentPeakRssMb.toFixed(1), `< 150  ${mark(result.agentPeakRssMb < 150)}`],
    ['wrk errors without / with', `${result.wrkErrors.without} / ${result.wrkErrors.with}`, 'should be 0 / 0'],
    ...AGENT_COUNTERS.map((name): [string, string, string] => [
      name.replace('weft_agent_', 'agent '),
      String(totals[name] ?? 0),
      name === 'weft_agent_rows_total' ? 'rows reported' : 'should be 0',
    ]),
  ];
  if (result.bpfPrograms) {
    let percent = 0;
    for (const [name, p] of Object.entries(result.bpfPrograms)) {
      percent += p.percentOfOneCore;
      rows.push([`bpf ${name}`, `${p.nsPerCall.toFixed(0)} ns`, `x ${p.callsPerSecond.toFixed(0)}/s = ${p.percentOfOneCore.toFixed(2)}% of a core`]);
    }
    rows.push(['bpf programs, all', `${percent.toFixed(2)} %`, 'of one core, in the kernel (not in agent CPU)']);
  }
  console.log(`agent-overhead (${rounds} rounds x ${seconds}s, ${connections} connections)`);
  for (const [name, value, target] of rows) console.log(`  ${name.padEnd(37)} ${value.padStart(12)}  ${target}`);
  const resultsDir = join(repoRoot, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'agent-overhead.json'), `${JSON.stringify(result, null, 2)}\n`);
  if (result.cpuStealPercentMax > 5) {
    console.log(`  warning: the hypervisor took up to ${result.cpuStealPercentMax.toFixed(0)}% of the CPU during a run: the ratios are noise-bound`);
  }
  console.log(`  written to bench/results/agent-overhead.json`);
}

await main();
