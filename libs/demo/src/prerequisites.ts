/**
 * What the demo needs from this machine, checked before anything is built,
 * each failure saying what to fix.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export class DemoPrerequisiteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoPrerequisiteError';
  }
}

/** The tools the demo runs, and the Debian package each comes with. */
const TOOLS: Array<{ name: string; apt: string }> = [
  { name: 'ip', apt: 'iproute2' },
  { name: 'iptables', apt: 'iptables' },
  { name: 'iptables-restore', apt: 'iptables' },
  { name: 'sysctl', apt: 'procps' },
];

function onPath(name: string): boolean {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      /* not in this directory */
    }
  }
  return false;
}

export function assertDemoPrerequisites(): void {
  if (process.platform !== 'linux') throw new DemoPrerequisiteError(`the demo runs on Linux (network namespaces), not ${process.platform}`);
  if (process.getuid?.() !== 0) {
    throw new DemoPrerequisiteError('the demo needs root: it builds network namespaces, veth links and iptables rules, and loads BPF (run it with sudo)');
  }
  const missing = TOOLS.filter((tool) => !onPath(tool.name));
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((tool) => tool.apt))].join(' ');
    throw new DemoPrerequisiteError(`${missing.map((tool) => tool.name).join(', ')} not found on PATH: install them (apt-get install ${packages})`);
  }
  if (!existsSync('/proc/self/ns/net')) throw new DemoPrerequisiteError('this kernel has no network namespaces (/proc/self/ns/net is missing)');
}
