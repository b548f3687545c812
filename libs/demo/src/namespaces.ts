/**
 * Network namespaces by name (`ip netns`): listing, inodes, deletion (with
 * whatever still runs inside), and the sweep of namespaces an earlier run
 * left behind when it was killed. A run names its namespaces with its own
 * pid (`wt<pid>...-` for the tests' topologies, `weftdemo<pid>-` for the
 * demo), so a namespace whose pid is gone belongs to nobody.
 */
import { readFileSync, statSync } from 'node:fs';
import { runCommand, runCommandSyncQuietly } from './commands.js';

/** The tests' topologies (test/fixtures/netnsTopology.ts, clusterTopology.ts): `wt<pid><letters>-`. */
export const TEST_NAMESPACE_PATTERN = /^wt(\d+)[a-z]+-/;

export function listNetns(): string[] {
  return runCommandSyncQuietly('ip', ['netns', 'list'])
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

export function netnsInode(netns: string): number {
  const path = netns.startsWith('/') ? netns : `/run/netns/${netns}`;
  return statSync(path).ino;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a live process ('' when it is gone or unreadable). */
export function processCommandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

function pidsIn(output: string): number[] {
  return output
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid);
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** Kills what still runs in a namespace and deletes it. Never throws (exit handlers call it). */
export function deleteNetnsSync(netns: string): void {
  killAll(pidsIn(runCommandSyncQuietly('ip', ['netns', 'pids', netns])));
  runCommandSyncQuietly('ip', ['netns', 'del', netns]);
}

/** Same, without blocking the event loop (so many namespaces go in parallel). Never throws. */
export async function deleteNetns(netns: string): Promise<void> {
  const pids = await runCommand('ip', ['netns', 'pids', netns]).then(
    (out) => pidsIn(out.stdout),
    () => [],
  );
  killAll(pids);
  await runCommand('ip', ['netns', 'del', netns]).catch(() => undefined);
}

export interface StaleSweepOptions {
  /** Names to consider; its first group is the owning run's pid. Default: the tests' pattern. */
  pattern?: RegExp;
  /** Whether the run that owns `pid` is still going (default: the pid is alive). */
  ownerRunning?: (pid: number) => boolean;
}

/** Removes namespaces of earlier runs that are no longer going (and what runs in them); returns their names. */
export function removeStaleNamespaces(options: StaleSweepOptions = {}): string[] {
  const pattern = options.pattern ?? TEST_NAMESPACE_PATTERN;
  const ownerRunning = options.ownerRunning ?? processAlive;
  const removed: string[] = [];
  for (const netns of listNetns()) {
    const match = pattern.exec(netns);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || ownerRunning(pid)) continue;
    deleteNetnsSync(netns);
    removed.push(netns);
  }
  return removed;
}
