import { hostname } from 'node:os';
import { DemoPrerequisiteError, startDemo, type Demo, type LoadStats } from '@weft/demo';
import { ConfigError, parseListenAddress } from '@weft/runtime';
import type { DemoCommandOptions, UpOptions } from './commandOptions.js';

/** How often the load's figures are printed. */
const LOAD_LINE_EVERY_MS = 60_000;

function positive(value: string, flag: string, max: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new ConfigError(`${flag} must be a number above 0 and at most ${max}, got ${JSON.stringify(value)}`, flag);
  return n;
}

/**
 * The demo shop (libs/demo), then Weft over it as `weft up` runs it, in this
 * process: the agent watches the pods' namespaces and undoes the VIPs' DNAT
 * from the nodes' conntrack, and the ingest names from the demo's Kubernetes
 * API (see libs/demo/src/demo.ts). The load starts once the agent is ready.
 *
 * Stopping: on SIGINT/SIGTERM both this command's handler (the demo: pods,
 * Kubernetes API, namespaces) and weft up's (agent, ingest, store, API, then
 * exit) run; whichever part of the demo is still up when weft up exits is
 * removed by the demo's exit hook. A second signal removes the demo at once
 * and exits.
 */
export async function runDemo(options: DemoCommandOptions): Promise<void> {
  const say = (message: string): void => void process.stderr.write(`weft demo: ${message}\n`);
  let demo: Demo | null = null;
  try {
    const rhythm = { meanRps: positive(options.rate, '--rate', 1000), periodSeconds: positive(options.day, '--day', 86_400) };
    if (rhythm.periodSeconds < 10) throw new ConfigError(`--day must be at least 10 seconds, got ${options.day}`, '--day');
    const durationMs = options.duration === undefined ? null : positive(options.duration, '--duration', 365 * 86_400) * 1000;
    const api = parseListenAddress(options.apiAddr, '--api-addr');
    parseListenAddress(options.apiGrpcAddr, '--api-grpc-addr');

    let lastLoadLine = 0;
    const onLoadStats = (stats: LoadStats): void => {
      if (Date.now() - lastLoadLine < LOAD_LINE_EVERY_MS) return;
      lastLoadLine = Date.now();
      say(
        `load at ${stats.clock} (simulated): ${stats.answeredRps} requests/s answered (aiming at ${stats.targetRps}), ` +
          `${(stats.failedShare * 100).toFixed(1)}% failed${stats.dropped > 0 ? `, ${stats.dropped} dropped (too many waiting)` : ''}`,
      );
    };
    try {
      demo = await startDemo({ rhythm, log: say, onLoadStats });
    } catch (error) {
      if (error instanceof DemoPrerequisiteError) throw error;
      say(`building the demo failed (what was built is removed): ${(error as Error).message}`);
      process.exit(1);
    }
    const running = demo;

    let signals = 0;
    let upRunning = false;
    const onSignal = (): void => {
      signals++;
      if (signals === 1) {
        say('stopping: removing the demo (pods, Kubernetes API, network namespaces)');
        const removed = running.stop().catch((error: unknown) => say(`removing the demo failed: ${(error as Error).message}; the next weft demo removes what is left`));
        // Before weft up has its own handlers (still starting), nothing else ends the process.
        if (!upRunning) void removed.finally(() => process.exit(130));
      } else {
        running.stopNow();
        process.exit(130);
      }
    };
    // Before weft up's own handlers, so the demo's stop starts first.
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    const { runUp } = await import('./runUp.js');
    const up: UpOptions = {
      dataDir: options.dataDir,
      apiAddr: options.apiAddr,
      apiGrpcAddr: options.apiGrpcAddr,
      ...(options.controlDb !== undefined ? { controlDb: options.controlDb } : {}),
      ...(options.trafficPath !== undefined ? { trafficPath: options.trafficPath } : {}),
      ...(options.webDir !== undefined ? { webDir: options.webDir } : {}),
      nodeId: hostname(),
      kubeApi: running.weftOptions.kubeApi,
      netns: running.weftOptions.netns,
      conntrackNetns: running.weftOptions.conntrackNetns,
    };
    await runUp(up);
    upRunning = true;
    if (signals > 0) return;
    running.startLoad();
    const { meanRps, periodSeconds } = running.topology.rhythm;
    say(`load started: ${meanRps} requests/s at the frontend on average, a simulated day every ${periodSeconds} s (sine, 50% to 150%)`);
    const url = `http://${api.host.includes(':') ? `[${api.host}]` : api.host}:${api.port}`;
    say(`the map: ${url}/api/v1/map?from=now-5m (with the admin key: Authorization: Bearer weft_...); the canary: payment ${running.topology.canary.canaryVersion}`);
    if (durationMs !== null) setTimeout(() => process.kill(process.pid, 'SIGTERM'), durationMs);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof DemoPrerequisiteError) {
      say(err.message);
      demo?.stopNow();
      process.exit(2);
    }
    if (demo) await demo.stop().catch((error: unknown) => say(`removing the demo failed too: ${(error as Error).message}; the next weft demo removes what is left`));
    throw err;
  }
}
