/**
 * Running the system tools the demo builds with (ip, iptables-restore,
 * sysctl): to completion with their output, or synchronously and quietly
 * for exit handlers. Also used by the tests' fixtures (test/fixtures/commandRunner.ts).
 */
import { execFile, execFileSync } from 'node:child_process';

/** Output of a command that exited 0. */
export interface CommandOutput {
  stdout: string;
  stderr: string;
}

/** A command that exited non-zero (or could not start); carries what it printed. */
export class CommandFailed extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${command} failed (exit ${exitCode ?? 'signal'}): ${stderr.trim() || stdout.trim()}`);
    this.name = 'CommandFailed';
  }
}

function describe(file: string, args: readonly string[]): string {
  return [file, ...args].map((part) => (/[\s"'$]/.test(part) ? JSON.stringify(part) : part)).join(' ');
}

/** Runs a command to completion; rejects with CommandFailed on a non-zero exit. */
export function runCommand(
  file: string,
  args: readonly string[],
  options: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 30_000, maxBuffer: 256 * 1024 * 1024, env: options.env ?? process.env },
      (error, stdout, stderr) => {
        if (error) {
          const code = typeof error.code === 'number' ? error.code : null;
          reject(new CommandFailed(describe(file, args), code, String(stdout), String(stderr) || error.message));
          return;
        }
        resolve({ stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Synchronous variant for exit handlers, where nothing asynchronous runs any more. Never throws. */
export function runCommandSyncQuietly(file: string, args: readonly string[]): string {
  try {
    return execFileSync(file, args, { stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).toString();
  } catch {
    return '';
  }
}
