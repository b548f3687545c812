import { readdirSync, readFileSync, statSync } from 'node:fs';

/** What attaches TLS capture to one library file (SocketTracer.attachTlsLibrary); returns the functions attached. */
export interface TlsAttacher {
  attachTlsLibrary(path: string): number;
}

export interface LibsslScannerOptions {
  /** /proc, or a fake one in specs. */
  procRoot?: string;
  /** Only processes of these names (--l7-processes; the kernel's comm); null: all. */
  processNames: readonly string[] | null;
  /** Only processes in these network namespaces (--netns inodes); null: all. */
  netnsInodes: readonly number[] | null;
  /** Distinct library files attached at most; beyond, skipped and counted. */
  maxLibraries: number;
  /** Processes whose mappings one scan reads at most: new ones first, then the known ones in turn. */
  mapsPerScan: number;
}

export interface LibsslScanStats {
  /** Distinct libssl files attached. */
  libraries: number;
  attachFailures: number;
  /** Libraries not attached because maxLibraries were. */
  librariesSkipped: number;
  /** Mappings files read, all scans. */
  processesScanned: number;
}

/** libssl.so, libssl.so.3, libssl.so.1.1: OpenSSL's (BoringSSL and LibreSSL name theirs alike but are not probed for: see README). */
const LIBSSL = /\/libssl\.so(?:\.\d+)*$/;

/**
 * Finds the OpenSSL libraries processes have mapped and attaches TLS capture
 * to each distinct file once (by device and inode: a uprobe on a file
 * covers every process that maps it, those started later too). Files are
 * opened through /proc/PID/root, so a container's own libssl is the one
 * attached. Every scan is bounded: new processes first, then the known ones
 * in turn (a later dlopen or exec is found when its turn comes).
 */
export class LibsslScanner {
  private readonly procRoot: string;
  /** dev:ino -> the path it was found at. */
  private readonly attached = new Map<string, string>();
  /** Files whose attach failed: said once, not tried again. */
  private readonly failed = new Set<string>();
  /** Processes seen, in the order they are revisited. */
  private known: number[] = [];
  private readonly seen = new Set<number>();
  private cursor = 0;
  private readonly stats: LibsslScanStats = { libraries: 0, attachFailures: 0, librariesSkipped: 0, processesScanned: 0 };
  private saidFull = false;

  constructor(
    private readonly attacher: TlsAttacher,
    private readonly options: LibsslScannerOptions,
    private readonly log: { info(message: string): void; warn(message: string): void },
  ) {
    this.procRoot = options.procRoot ?? '/proc';
  }

  /** One pass over the processes, reading at most `budget` mappings (at start-up: all of them). */
  scan(budget = this.options.mapsPerScan): void {
    let pids: number[];
    try {
      pids = readdirSync(this.procRoot).filter((name) => /^\d+$/.test(name)).map(Number);
    } catch (err) {
      this.log.warn(`TLS capture: ${this.procRoot} could not be listed: ${(err as Error).message}`);
      return;
    }
    const live = new Set(pids);
    if (this.known.some((pid) => !live.has(pid))) {
      this.known = this.known.filter((pid) => live.has(pid));
      for (const pid of this.seen) if (!live.has(pid)) this.seen.delete(pid);
    }
    for (const pid of pids) {
      if (budget <= 0) break;
      if (this.seen.has(pid)) continue;
      this.seen.add(pid);
      this.known.push(pid);
      if (this.inspect(pid)) budget -= 1;
    }
    // What is left of the budget goes to the known processes, in turn.
    const turns = Math.min(budget, this.known.length);
    for (let i = 0; i < turns; i++) {
      if (this.cursor >= this.known.length) this.cursor = 0;
      const pid = this.known[this.cursor++];
      if (pid !== undefined) this.inspect(pid);
    }
  }

  current(): Readonly<LibsslScanStats> {
    return { ...this.stats, libraries: this.attached.size };
  }

  /** The library files attached (the paths they were found at). */
  libraries(): string[] {
    return [...this.attached.values()];
  }

  /** Whether the process's mappings were read (it is in scope and still there). */
  private inspect(pid: number): boolean {
    const dir = `${this.procRoot}/${pid}`;
    let maps: string;
    try {
      if (this.options.processNames && !this.options.processNames.includes(readFileSync(`${dir}/comm`, 'utf8').trimEnd())) return false;
      if (this.options.netnsInodes && !this.options.netnsInodes.includes(statSync(`${dir}/ns/net`).ino)) return false;
      maps = readFileSync(`${dir}/maps`, 'utf8');
    } catch {
      return false; // exited, or a kernel thread's
    }
    this.stats.processesScanned += 1;
    for (const path of librariesIn(maps)) this.consider(pid, path);
    return true;
  }

  private consider(pid: number, path: string): void {
    // The process's own view of the file (its mount namespace: a container's).
    const file = `${this.procRoot}/${pid}/root${path}`;
    let key: string;
    try {
      const st = statSync(file);
      key = `${st.dev}:${st.ino}`;
    } catch {
      return; // exited meanwhile
    }
    if (this.attached.has(key) || this.failed.has(key)) return;
    if (this.attached.size >= this.options.maxLibraries) {
      this.stats.librariesSkipped += 1;
      this.failed.add(key);
      if (!this.saidFull) this.log.warn(`TLS capture: ${this.options.maxLibraries} libssl files attached already; ${path} (pid ${pid}) and any further ones are not`);
      this.saidFull = true;
      return;
    }
    try {
      const functions = this.attacher.attachTlsLibrary(file);
      this.attached.set(key, path);
      this.log.info(`TLS capture: attached to ${path} (pid ${pid}, ${functions} functions; every process mapping it is covered)`);
    } catch (err) {
      this.failed.add(key);
      this.stats.attachFailures += 1;
      this.log.warn(`TLS capture: attaching to ${path} (pid ${pid}) failed, HTTPS through it is not measured: ${(err as Error).message}`);
    }
  }
}

/** The distinct libssl paths of a /proc/PID/maps text (deleted files left out: their path leads elsewhere now). */
export function librariesIn(maps: string): string[] {
  const paths = new Set<string>();
  for (const line of maps.split('\n')) {
    const at = line.indexOf('/');
    if (at < 0 || !line.includes('libssl')) continue;
    const path = line.slice(at);
    if (LIBSSL.test(path)) paths.add(path);
  }
  return [...paths];
}
