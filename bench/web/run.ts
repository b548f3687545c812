/// <reference lib="dom" />
/**
 * The web map at scale (issue 11), in headless chromium (Debian's, driven by playwright-core):
 * a synthetic map of WEFT_BENCH_SERVICES (2,000) services and WEFT_BENCH_PAIRS (20,000) service
 * pairs, written as a minute of raw rows into the embedded store, served by the real API (and its
 * web app) over a real control store.
 *
 *   bash bench/run.sh web
 *
 * Measured (WEFT_BENCH_RUNS runs, default 5, each in a fresh page with no remembered layout):
 * - baseline: an empty page of the same origin, from navigation to its load event;
 * - interactive: from navigation to the budgeted map drawn (the map answer fetched, the graph
 *   built, laid out and painted: the drawing's first finished layout);
 * - full map: from clicking "Show all" to every service drawn and laid out;
 * - frame time while panning and zooming the full map (requestAnimationFrame intervals over 3 s
 *   of continuous pan and zoom), p50 and p95.
 * Targets: interactive < 2 s, full map < 5 s.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { startApiServer } from '@weft/api';
import { openControlStore } from '@weft/control';
import { EdgeStore, EmbeddedExecutor } from '@weft/store';
import { COLUMNS, rowColumns, type SyntheticShape } from '../shared/syntheticEdges.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const WEB_ROOT = join(repoRoot, 'apps/web/out');
const CHROMIUM = process.env.WEFT_CHROMIUM ?? '/usr/bin/chromium';

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer (got ${process.env[name]})`);
  return value;
}
const SERVICES = positive('WEFT_BENCH_SERVICES', 2000);
const PAIRS = positive('WEFT_BENCH_PAIRS', 20_000);
const RUNS = positive('WEFT_BENCH_RUNS', 5);
/** A directory to save screenshots of the first run's budgeted and full map in (to look at them). */
const SCREENSHOTS = process.env.WEFT_BENCH_SCREENSHOTS;

function log(line: string): void {
  process.stderr.write(`web bench: ${line}\n`);
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

interface MapProbeView {
  layouts: number;
  lastLayout: { strategy: string; ms: number; nodes: number } | null;
  nodes(): string[];
}

/** Waits until the drawing has finished `count` layouts; returns performance.now() of the page then. */
async function layoutsDone(page: Page, count: number): Promise<{ at: number; nodes: number; strategy: string }> {
  await page.waitForFunction((n) => ((window as unknown as { __weftMap?: MapProbeView }).__weftMap?.layouts ?? 0) >= n, count, { timeout: 120_000, polling: 16 });
  return page.evaluate(() => {
    const probe = (window as unknown as { __weftMap: MapProbeView & { drawnAt: number } }).__weftMap;
    // One more frame: the positions are painted.
    return new Promise<{ at: number; nodes: number; strategy: string }>((done) => requestAnimationFrame(() => done({ at: performance.now(), nodes: probe.nodes().length, strategy: probe.lastLayout?.strategy ?? '' })));
  });
}

/** The page in both themes (its own toggle), as web-bench-<name>-<theme>.png in SCREENSHOTS. */
async function screenshots(page: Page, name: string): Promise<void> {
  for (const theme of ['light', 'dark'] as const) {
    if ((await page.evaluate(() => document.documentElement.dataset.theme)) !== theme) await page.getByRole('button', { name: `Switch to the ${theme} theme` }).click();
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(SCREENSHOTS!, `web-bench-${name}-${theme}.png`) });
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'weft-bench-web-'));
  const control = await openControlStore({ kind: 'sqlite', path: join(root, 'control.db') });
  const store = new EdgeStore(await EmbeddedExecutor.open({ dataDir: join(root, 'store') }));
  try {
    const adminKey = (await control.ensureFirstTenant()) ?? '';
    const tenant = (await control.firstTenant())!;
    await store.migrate();
    const shape: SyntheticShape = { tenant: tenant.id, services: SERVICES, pairs: PAIRS, combinations: 1 };
    const now = Math.floor(Date.now() / 1000);
    const from = now - 60;
    log(`filling ${SERVICES} services, ${PAIRS} pairs: a minute of raw rows (${cpus().length} CPUs)`);
    await store.executor.command(`
INSERT INTO edges_1s (ts, ${COLUMNS.join(', ')}, rtt_samples_us)
SELECT toDateTime(${from} + intDiv(number, ${PAIRS}), 'UTC') AS ts,
    ${rowColumns(shape, `(number % ${PAIRS})`, `intDiv(number, ${PAIRS})`).join(',\n    ')},
    [toUInt32(200 + cityHash64(number, 9) % 2000)] AS rtt_samples_us
FROM numbers(${60 * PAIRS})`);
    const api = await startApiServer(store.queries, control, { host: '127.0.0.1', port: 0, webRoot: WEB_ROOT });
    log(`API and web app at ${api.url}`);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const baseline: number[] = [];
    const interactive: number[] = [];
    const full: number[] = [];
    const frames: number[] = [];
    const answers: number[] = [];
    let budgeted = 0;
    let drawnAll = 0;
    try {
      for (let run = 0; run < RUNS; run++) {
        const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
        const signIn = await context.request.post(`${api.url}/api/v1/session`, { data: { credential: adminKey } });
        if (!signIn.ok()) throw new Error(`signing in failed: ${signIn.status()}`);
        const page = await context.newPage();
        // The map's answer alone (what the page waits for before it draws), from this process.
        const asked = Date.now();
        const answer = await fetch(`${api.url}/api/v1/map?from=now-5m`, { headers: { authorization: `Bearer ${adminKey}` } });
        await answer.arrayBuffer();
        answers.push(Date.now() - asked);
        // Baseline: an empty page of the same origin (a 404 answer's page costs no script).
        let started = Date.now();
        await page.goto(`${api.url}/healthz`, { waitUntil: 'load' });
        baseline.push(Date.now() - started);

        started = Date.now();
        await page.goto(`${api.url}/?range=5m&live=0`, { waitUntil: 'commit' });
        const first = await layoutsDone(page, 1);
        interactive.push(Date.now() - started);
        budgeted = first.nodes;
        if (SCREENSHOTS !== undefined && run === 0) await screenshots(page, 'budgeted');

        const clicked = await page.evaluate(() => performance.now());
        await page.getByRole('button', { name: 'Show all' }).click();
        const all = await layoutsDone(page, 2);
        full.push(all.at - clicked);
        drawnAll = all.nodes;
        if (SCREENSHOTS !== undefined && run === 0) await screenshots(page, 'full');

        // Pan (mouse drags) and zoom (wheel) for about 3 s as a user would, while the page records
        // its frame intervals: what a user feels.
        await page.evaluate(() => {
          const w = window as unknown as { __frames: number[]; __recording: boolean };
          w.__frames = [];
          w.__recording = true;
          let last = performance.now();
          const step = (t: number): void => {
            w.__frames.push(t - last);
            last = t;
            if (w.__recording) requestAnimationFrame(step);
          };
          requestAnimationFrame(step);
        });
        const box = (await page.getByTestId('map-canvas').boundingBox())!;
        const cx = box.x + box.width / 2;
        const cy = box.y + box.height / 2;
        const until = Date.now() + 3000;
        for (let k = 0; Date.now() < until; k++) {
          await page.mouse.move(cx, cy);
          await page.mouse.down();
          for (let i = 1; i <= 10; i++) await page.mouse.move(cx + Math.sin(k + i / 10) * 120, cy + Math.cos(k + i / 10) * 80);
          await page.mouse.up();
          for (let i = 0; i < 5; i++) await page.mouse.wheel(0, k % 2 === 0 ? -120 : 120);
        }
        const intervals = await page.evaluate(() => {
          const w = window as unknown as { __frames: number[]; __recording: boolean };
          w.__recording = false;
          return w.__frames.slice(1);
        });
        frames.push(...intervals);
        log(`run ${run + 1}: baseline ${baseline.at(-1)} ms, interactive ${interactive.at(-1)} ms (${first.nodes} nodes, ${first.strategy}), full ${Math.round(full.at(-1)!)} ms (${all.nodes} nodes, ${all.strategy}), frames p50 ${percentile(intervals, 50).toFixed(1)} ms`);
        await context.close();
      }
    } finally {
      await browser.close();
      await api.close();
    }
    const figure = (values: number[]): { p50: number; p95: number } => ({ p50: percentile(values, 50), p95: percentile(values, 95) });
    const result = {
      baseline: figure(baseline),
      interactive: figure(interactive),
      full: figure(full),
      frames: figure(frames),
      answer: figure(answers),
    };
    const met = (v: number, target: number): string => (v < target ? `< ${target} met` : `< ${target} MISSED`);
    const lines = [
      `web (${SERVICES} services, ${PAIRS} edges; headless chromium; ${RUNS} runs; ${cpus().length} CPUs)`,
      `  ${'measure'.padEnd(44)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)}  target (p95)`,
      `  ${'baseline: empty page of the same origin'.padEnd(44)} ${result.baseline.p50.toFixed(0).padStart(8)} ${result.baseline.p95.toFixed(0).padStart(8)}`,
      `  ${'the map answer alone (GET /api/v1/map)'.padEnd(44)} ${result.answer.p50.toFixed(0).padStart(8)} ${result.answer.p95.toFixed(0).padStart(8)}`,
      `  ${`interactive: budgeted map (${budgeted} nodes)`.padEnd(44)} ${result.interactive.p50.toFixed(0).padStart(8)} ${result.interactive.p95.toFixed(0).padStart(8)}  ${met(result.interactive.p95, 2000)}`,
      `  ${`full map drawn (${drawnAll} nodes)`.padEnd(44)} ${result.full.p50.toFixed(0).padStart(8)} ${result.full.p95.toFixed(0).padStart(8)}  ${met(result.full.p95, 5000)}`,
      `  ${'frame time, panning and zooming the full map'.padEnd(44)} ${result.frames.p50.toFixed(1).padStart(8)} ${result.frames.p95.toFixed(1).padStart(8)}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
    writeFileSync(join(repoRoot, 'bench/results/web.json'), JSON.stringify({ when: new Date().toISOString(), kernel: release(), cpus: cpus().length, services: SERVICES, pairs: PAIRS, runs: RUNS, budgeted, drawnAll, ...result }, null, 2));
  } finally {
    await store.close();
    await control.close();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
