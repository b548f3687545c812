import type { ConnectionHalf, ListenerReport } from '../ingestTypes.js';

interface Listener {
  nodeId: string;
  pid: number;
  comm: string;
  seenMs: number;
}

/** A listener as a lookup gives it: with its process's cmdline when one of that process's sockets told it. */
export interface ListeningProcess {
  nodeId: string;
  pid: number;
  comm: string;
  cmdline: string | null;
}

interface KnownProcess {
  comm: string;
  cmdline: string;
  /** The clock (see expire) when a socket of the process was last seen. */
  seenMs: number;
}

/** The part of every key that keeps tenants apart: two tenants may use the same addresses, node ids and pids. */
function ofTenant(tenant: string, key: string): string {
  return `${tenant}\u0000${key}`;
}

/**
 * Which process listens on which address and port, per tenant, from the agents' listener
 * reports (a tenant's reports never name another tenant's connections): names the server end of a connection whose server half has not
 * arrived (or never will: the connect failed). Wildcard listeners (0.0.0.0,
 * ::) match any address of their node and namespace, which the directory
 * learns from the agents' own sockets. Bounded; entries not reported again expire.
 *
 * Listener reports carry no cmdline, which names a process that runs on a
 * generic runtime (see programName): the directory keeps the cmdline of
 * each process whose sockets it saw (by node and pid), so a server known
 * only by its listener is named as its own sockets name it.
 */
export class ListenerDirectory {
  // Every key starts with the tenant (ofTenant).
  private readonly exact = new Map<string, Listener>(); // `${ip}|${port}`
  private readonly wildcard = new Map<string, Listener>(); // `${nodeId}|${netns}|${port}`
  private readonly placeOfAddress = new Map<string, string>(); // ip -> `${tenant}\0${nodeId}|${netns}`
  private readonly processes = new Map<string, Map<number, KnownProcess>>(); // nodeId -> pid -> process
  private processCount = 0;
  /** The last time expire was called: halves carry no wall clock of their own. */
  private clockMs = Date.now();

  constructor(
    private readonly maxEntries = 200_000,
    private readonly ttlMs = 10 * 60_000,
  ) {}

  noteListener(tenant: string, report: ListenerReport, nowMs: number): void {
    const listener = { nodeId: report.nodeId, pid: report.pid, comm: report.comm, seenMs: nowMs };
    if (report.ip === '0.0.0.0' || report.ip === '::') {
      this.bounded(this.wildcard).set(ofTenant(tenant, `${report.nodeId}|${report.netns}|${report.port}`), listener);
    } else {
      this.bounded(this.exact).set(ofTenant(tenant, `${report.ip}|${report.port}`), listener);
    }
  }

  /**
   * The local addresses of an interval's halves (see notePlace), and their
   * processes' cmdlines; the place string is built once per namespace, not per half.
   */
  noteLocalAddresses(tenant: string, halves: readonly Pick<ConnectionHalf, 'localIp' | 'nodeId' | 'netns' | 'pid' | 'comm' | 'cmdline'>[]): void {
    let nodeId: string | null = null;
    let netns = 0;
    let place = '';
    let processes: Map<number, KnownProcess> | undefined;
    for (const half of halves) {
      if (half.nodeId !== nodeId || half.netns !== netns) {
        if (half.nodeId !== nodeId) processes = this.processes.get(ofTenant(tenant, half.nodeId));
        nodeId = half.nodeId;
        netns = half.netns;
        place = ofTenant(tenant, `${nodeId}|${netns}`);
      }
      this.notePlace(ofTenant(tenant, half.localIp), place);
      if (half.cmdline !== null) {
        const known = processes?.get(half.pid);
        if (known === undefined || known.cmdline !== half.cmdline || known.comm !== half.comm) processes = this.noteProcess(ofTenant(tenant, half.nodeId), half.pid, half.comm, half.cmdline);
        else known.seenMs = this.clockMs;
      }
    }
  }

  /** Bounded: beyond maxEntries processes, new ones are not learnt (until old ones expire) and are named by their comm. */
  private noteProcess(nodeKey: string, pid: number, comm: string, cmdline: string): Map<number, KnownProcess> | undefined {
    let ofNode = this.processes.get(nodeKey);
    if (!ofNode?.has(pid)) {
      if (this.processCount >= this.maxEntries) return ofNode;
      this.processCount++;
    }
    if (!ofNode) {
      ofNode = new Map();
      this.processes.set(nodeKey, ofNode);
    }
    ofNode.set(pid, { comm, cmdline, seenMs: this.clockMs });
    return ofNode;
  }

  /** An address some agent's socket used locally (a key of ofTenant): it belongs to that node's namespace. */
  private notePlace(ip: string, place: string): void {
    if (this.placeOfAddress.get(ip) === place) return;
    if (this.placeOfAddress.size >= this.maxEntries) {
      const oldest = this.placeOfAddress.keys().next().value;
      if (oldest !== undefined) this.placeOfAddress.delete(oldest);
    }
    this.placeOfAddress.set(ip, place);
  }

  /** Who listens on ip:port among the tenant's agents, or null. */
  lookup(tenant: string, ip: string, port: number): ListeningProcess | null {
    let listener = this.exact.get(ofTenant(tenant, `${ip}|${port}`));
    if (!listener) {
      const place = this.placeOfAddress.get(ofTenant(tenant, ip));
      listener = place === undefined ? undefined : this.wildcard.get(`${place}|${port}`);
    }
    if (!listener) return null;
    return { nodeId: listener.nodeId, pid: listener.pid, comm: listener.comm, cmdline: this.cmdlineOf(tenant, listener.nodeId, listener.pid, listener.comm) };
  }

  /** The cmdline a socket of this process of the tenant carried, or null; the same comm guards against a pid reused by another program. */
  cmdlineOf(tenant: string, nodeId: string, pid: number, comm: string): string | null {
    const known = this.processes.get(ofTenant(tenant, nodeId))?.get(pid);
    return known !== undefined && known.comm === comm ? known.cmdline : null;
  }

  expire(nowMs: number): void {
    this.clockMs = nowMs;
    for (const map of [this.exact, this.wildcard]) {
      for (const [key, listener] of map) if (nowMs - listener.seenMs > this.ttlMs) map.delete(key);
    }
    for (const [nodeId, ofNode] of this.processes) {
      for (const [pid, known] of ofNode) {
        if (nowMs - known.seenMs > this.ttlMs) {
          ofNode.delete(pid);
          this.processCount--;
        }
      }
      if (ofNode.size === 0) this.processes.delete(nodeId);
    }
  }

  private bounded(map: Map<string, Listener>): Map<string, Listener> {
    if (map.size >= this.maxEntries) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
    return map;
  }
}
