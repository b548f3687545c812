/**
 * Agent overhead: loopback HTTP load (wrk against Debian's nginx) with and
 * without `weft agent` running, interleaved in the same run (A B A B ...) so
 * drift on a shared machine hits both sides. Prints requests/s for both, the
 * ratio, the agent's CPU seconds over its measured windows and its peak RSS.
 * Targets (DESIGN.md): ratio >= 0.99, RSS < 150 MB.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const rounds = Number(process.env.WEFT_BENCH_ROUNDS ?? 8);
const seconds = Number(process.env.WEFT_BENCH_SECONDS ?? 5);
const connections = Number(process.env.WEFT_BENCH_CONNECTIONS ?? 32);
// nginx on CPU 0 and wrk on CPU 1: on a 2-core VM, letting the scheduler move
// them around costs more run-to-run noise (±10% measured) than the agent does.
const pin = cpus().length >= 2;
const port = 18080;
const CLOCK_TICKS = 100; // USER_HZ on Linux

function startNginx(dir: string): void {
  mkdirSync(join(dir, 'html'));
  mkdirSync(join(dir, 'logs'));
  writeFileSync(join(dir, 'html', 'file'), 'x'.repeat(1024));
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen 127.0.0.1:${port}; root ${dir}/html; }
}
`,
  );
  const nginx = ['nginx', '-p', dir, '-c', join(dir, 'nginx.conf')];
  const command = pin ? ['taskset', '-c', '0', ...nginx] : nginx;
  const run = spawnSync(command[0] ?? 'nginx', command.slice(1), { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`nginx failed to start: ${run.stderr}`);
}

function stopNginx(dir: string): void {
  spawnSync('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-s', 'stop']);
}

function wrk(): number {
  const wrkArgs = [pin ? '-t1' : '-t2', `-c${connections}`, `-d${seconds}s`, `http://127.0.0.1:${port}/file`];
  const run = pin
    ? spawnSync('taskset', ['-c', '1', 'wrk', ...wrkArgs], { encoding: 'utf8' })
    : spawnSync('wrk', wrkArgs, { encoding: 'utf8' });
  const match = /Requests\/sec:\s+([\d.]+)/.exec(run.stdout);
  if (run.status !== 0 || !match?.[1]) throw new Error(`wrk failed: ${run.stderr || run.stdout}`);
  return Number(match[1]);
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

async function startAgent(outFile: string): Promise<ChildProcess> {
  const out = openSync(outFile, 'w');
  const agent = spawn(process.execPath, [join(repoRoot, 'apps/cli/bin/weft.js'), 'agent', '--json'], {
    stdio: ['ignore', out, 'pipe'],
  });
  await new Promise<void>((ready, fail) => {
    let stderr = '';
    agent.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('weft agent: ready')) ready();
    });
    agent.once('exit', (code) => fail(new Error(`agent exited (${code}) before ready: ${stderr}`)));
  });
  return agent;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-'));
  const baseline: number[] = [];
  const withAgent: number[] = [];
  let agent: ChildProcess | null = null;
  try {
    startNginx(dir);
    wrk(); // warm-up
    let agentCpu = 0;
    let rss = 0;
    for (let round = 0; round < rounds; round++) {
      baseline.push(wrk());
      agent = await startAgent(join(dir, 'agent.jsonl'));
      const pid = agent.pid ?? 0;
      // Let start-up work (module loading, JIT, the first conntrack dump) pass.
      await new Promise((done) => setTimeout(done, 2000));
      const before = cpuSeconds(pid);
      withAgent.push(wrk());
      agentCpu += cpuSeconds(pid) - before;
      rss = Math.max(rss, peakRssMb(pid));
      const stopping = agent;
      agent = null;
      stopping.kill('SIGINT');
      await new Promise((done) => stopping.once('exit', done));
      process.stderr.write(`round ${round + 1}/${rounds}: without ${baseline.at(-1)?.toFixed(0)} req/s, with ${withAgent.at(-1)?.toFixed(0)} req/s\n`);
    }
    const result = {
      benchmark: 'agent-overhead',
      rounds,
      secondsPerRun: seconds,
      connections,
      requestsPerSecondWithout: median(baseline),
      requestsPerSecondWith: median(withAgent),
      ratio: median(withAgent) / median(baseline),
      // Each round's with/without pair runs back to back: the median of the
      // paired ratios is less sensitive to drift than the ratio of medians.
      pairedRatioMedian: median(withAgent.map((w, i) => w / (baseline[i] ?? NaN))),
      baselineSpread: (Math.max(...baseline) - Math.min(...baseline)) / median(baseline),
      agentCpuSeconds: agentCpu,
      agentCpuPercentOfOneCore: (100 * agentCpu) / (rounds * seconds),
      agentPeakRssMb: rss,
      runs: { without: baseline, with: withAgent },
      targets: { ratio: 0.99, rssMb: 150 },
    };
    const rows = [
      ['requests/s without agent (median)', result.requestsPerSecondWithout.toFixed(0), 'baseline'],
      ['requests/s with agent (median)', result.requestsPerSecondWith.toFixed(0), ''],
      ['ratio with/without (of medians)', result.ratio.toFixed(4), '>= 0.99'],
      ['ratio with/without (median of pairs)', result.pairedRatioMedian.toFixed(4), '>= 0.99'],
      ['baseline spread (max-min)/median', result.baselineSpread.toFixed(3), 'noise of this machine'],
      ['agent CPU seconds', result.agentCpuSeconds.toFixed(2), `over ${rounds * seconds}s of load`],
      ['agent CPU % of one core', result.agentCpuPercentOfOneCore.toFixed(2), ''],
      ['agent peak RSS (MB)', result.agentPeakRssMb.toFixed(1), '< 150'],
    ];
    for (const [name, value, target] of rows) console.log(`${(name ?? '').padEnd(36)} ${(value ?? '').padStart(12)}  ${target}`);
    const resultsDir = join(repoRoot, 'bench/results');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, 'agent-overhead.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    agent?.kill('SIGINT');
    stopNginx(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
