import type { ConnectionHalf, ListenerReport } from '../ingestTypes.js';

interface Listener {
  nodeId: string;
  pid: number;
  comm: string;
  seenMs: number;
}

/**
 * Which process listens on which address and port, from the agents' listener
 * reports: names the server end of a connection whose server half has not
 * arrived (or never will: the connect failed). Wildcard listeners (0.0.0.0,
 * ::) match any address of their node and namespace, which the directory
 * learns from the agents' own sockets. Bounded; entries not reported again expire.
 */
export class ListenerDirectory {
  private readonly exact = new Map<string, Listener>();
  private readonly wildcard = new Map<string, Listener>(); // `${nodeId}|${netns}|${port}`
  private readonly placeOfAddress = new Map<string, string>(); // ip -> `${nodeId}|${netns}`

  constructor(
    private readonly maxEntries = 200_000,
    private readonly ttlMs = 10 * 60_000,
  ) {}

  noteListener(report: ListenerReport, nowMs: number): void {
    const listener = { nodeId: report.nodeId, pid: report.pid, comm: report.comm, seenMs: nowMs };
    if (report.ip === '0.0.0.0' || report.ip === '::') {
      this.bounded(this.wildcard).set(`${report.nodeId}|${report.netns}|${report.port}`, listener);
    } else {
      this.bounded(this.exact).set(`${report.ip}|${report.port}`, listener);
    }
  }

  /** The local addresses of an interval's halves (see notePlace); the place string is built once per namespace, not per half. */
  noteLocalAddresses(halves: readonly Pick<ConnectionHalf, 'localIp' | 'nodeId' | 'netns'>[]): void {
    let nodeId: string | null = null;
    let netns = 0;
    let place = '';
    for (const half of halves) {
      if (half.nodeId !== nodeId || half.netns !== netns) {
        nodeId = half.nodeId;
        netns = half.netns;
        place = `${nodeId}|${netns}`;
      }
      this.notePlace(half.localIp, place);
    }
  }

  /** An address some agent's socket used locally: it belongs to that node's namespace. */
  private notePlace(ip: string, place: string): void {
    if (this.placeOfAddress.get(ip) === place) return;
    if (this.placeOfAddress.size >= this.maxEntries) {
      const oldest = this.placeOfAddress.keys().next().value;
      if (oldest !== undefined) this.placeOfAddress.delete(oldest);
    }
    this.placeOfAddress.set(ip, place);
  }

  lookup(ip: string, port: number): Listener | null {
    const exact = this.exact.get(`${ip}|${port}`);
    if (exact) return exact;
    const place = this.placeOfAddress.get(ip);
    return place === undefined ? null : (this.wildcard.get(`${place}|${port}`) ?? null);
  }

  expire(nowMs: number): void {
    for (const map of [this.exact, this.wildcard]) {
      for (const [key, listener] of map) if (nowMs - listener.seenMs > this.ttlMs) map.delete(key);
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
