import { statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ConfigError } from '../config/configError.js';

const NAMED_NETNS_DIR = '/run/netns';

export interface ResolvedNetns {
  given: string;
  path: string;
  inode: number;
}

/** Turns `ip netns` names or paths (/proc/PID/ns/net, /run/netns/x) into namespace inodes. */
export function resolveNetns(given: string, namedDir = NAMED_NETNS_DIR, flag = '--netns'): ResolvedNetns {
  if (given.length === 0 || (!isAbsolute(given) && given.includes('/'))) {
    throw new ConfigError(`${flag} "${given}" is neither a name from "ip netns" nor an absolute path`, flag);
  }
  const path = isAbsolute(given) ? given : join(namedDir, given);
  try {
    // The namespace's inode is the identity the kernel reports (ns.inum).
    return { given, path, inode: statSync(path).ino };
  } catch {
    throw new ConfigError(
      `${flag} "${given}": no such network namespace (${path} not found; see "ip netns list")`,
      flag,
    );
  }
}
