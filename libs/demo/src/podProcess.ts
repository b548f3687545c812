/**
 * One pod's program, seen from the demo: started inside the pod's network
 * namespace (through the cluster, so its teardown kills it too), ready once
 * it says so, told to start the load, stopped with SIGTERM. Its stdin is a
 * pipe from the demo: when the demo dies, even by kill -9, the pipe closes
 * and the pod exits. Its stderr is kept (the last 8 KiB) to say why it died.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { POD_CONFIG_ENV, encodePodConfig, type PodConfig } from './workload/podConfig.js';

export const POD_MAIN = resolve(dirname(fileURLToPath(import.meta.url)), 'workload/podMain.js');

const STDERR_KEPT = 8 * 1024;

/** What can start a process in a namespace and kill it at teardown (ClusterTopology). */
export interface PodHost {
  spawnIn(netns: string, file: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
}

export interface PodEvents {
  /** A line the pod printed that is not `ready` (the load generator's stats). */
  onEvent?: (event: Record<string, unknown>) => void;
  /** The pod's failures (stderr), a line at a time. */
  onStderr?: (line: string) => void;
  /** The pod exited while nobody was stopping it. */
  onUnexpectedExit?: (pod: PodProcess, exit: { code: number | null; signal: NodeJS.Signals | null }) => void;
}

export class PodProcess {
  private stderrTail = '';
  private stopping = false;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly config: PodConfig,
    readonly netns: string,
    private readonly child: ChildProcess,
    events: PodEvents,
    ready: (error?: Error) => void,
  ) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(line) as Record<string, unknown>;
      } catch {
        events.onStderr?.(`[stdout] ${line}`);
        return;
      }
      if (event.event === 'ready') ready();
      else events.onEvent?.(event);
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      this.stderrTail = `${this.stderrTail}${line}\n`.slice(-STDERR_KEPT);
      events.onStderr?.(line);
    });
    // Writing to a pod that just died fails with EPIPE; its exit says why.
    child.stdin?.on('error', () => undefined);
    this.exited = new Promise((resolveExit) => {
      child.once('exit', (code, signal) => {
        ready(new Error(`pod ${config.pod} (${netns}) exited (${code ?? signal}) before it was ready: ${this.stderrTail.trim() || 'no output'}`));
        if (!this.stopping) events.onUnexpectedExit?.(this, { code, signal });
        resolveExit({ code, signal });
      });
    });
  }

  /** Starts the pod's program in `netns`; resolves once it is listening (or, for a pure client, set up). */
  static async start(host: PodHost, netns: string, config: PodConfig, events: PodEvents = {}, readyTimeoutMs = 20_000): Promise<PodProcess> {
    const child = host.spawnIn(netns, process.execPath, [POD_MAIN, '--pod', config.pod], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, [POD_CONFIG_ENV]: encodePodConfig(config) },
    });
    let settle!: (error?: Error) => void;
    const ready = new Promise<void>((resolveReady, reject) => {
      settle = (error) => (error ? reject(error) : resolveReady());
    });
    const pod = new PodProcess(config, netns, child, events, (error) => settle(error));
    const timer = setTimeout(() => settle(new Error(`pod ${config.pod} (${netns}) was not ready within ${readyTimeoutMs} ms: ${pod.stderrTail.trim() || 'no output'}`)), readyTimeoutMs);
    try {
      await ready;
    } catch (error) {
      pod.kill();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return pod;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last of what it printed on stderr. */
  get lastErrors(): string {
    return this.stderrTail;
  }

  send(line: string): void {
    if (this.running) this.child.stdin?.write(`${line}\n`);
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 3_000): Promise<void> {
    this.stopping = true;
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.kill(), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    this.stopping = true;
    if (this.running) this.child.kill('SIGKILL');
  }
}
