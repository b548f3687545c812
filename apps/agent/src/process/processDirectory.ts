import { readFileSync } from 'node:fs';
import { containerIdFromCgroup } from './containerId.js';

export interface ProcessDetails {
  cmdline: string | null;
  containerId: string | null;
}

interface CacheEntry extends ProcessDetails {
  /** The kernel's comm when we read it: a pid reused by a new program shows a different comm. */
  comm: string;
  readAt: number;
}

/**
 * Process details the kernel record lacks, from /proc. Bounded LRU by tgid;
 * entries are re-read after `ttlMs` or when the comm changed (pid reuse or
 * exec). A process that already exited (short connections) yields nulls.
 */
export class ProcessDirectory {
  private readonly cache = new Map<number, CacheEntry>();

  constructor(
    private readonly procRoot = '/proc',
    private readonly maxEntries = 4096,
    private readonly ttlMs = 30_000,
  ) {}

  lookup(tgid: number, comm: string, now = Date.now()): ProcessDetails {
    if (tgid === 0) return { cmdline: null, containerId: null };
    const hit = this.cache.get(tgid);
    if (hit && hit.comm === comm && now - hit.readAt < this.ttlMs) {
      // Refresh LRU position.
      this.cache.delete(tgid);
      this.cache.set(tgid, hit);
      return hit;
    }
    const entry: CacheEntry = { ...this.read(tgid), comm, readAt: now };
    this.cache.delete(tgid);
    this.cache.set(tgid, entry);
    if (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    return entry;
  }

  private read(tgid: number): ProcessDetails {
    let cmdline: string | null = null;
    let containerId: string | null = null;
    try {
      const raw = readFileSync(`${this.procRoot}/${tgid}/cmdline`);
      // Arguments are NUL-separated; a kernel thread has none.
      cmdline = raw.length > 0 ? raw.toString('utf8').replace(/\0+$/, '').split('\0').join(' ') : null;
    } catch {
      // Exited already.
    }
    try {
      containerId = containerIdFromCgroup(readFileSync(`${this.procRoot}/${tgid}/cgroup`, 'utf8'));
    } catch {
      // Exited already.
    }
    return { cmdline, containerId };
  }
}
