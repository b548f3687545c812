/**
 * Who held an IP address at a given time.
 *
 * A pod's IP goes back to the node's pool when the pod ends and may be given
 * to the next pod scheduled there, so naming a connection by its address is
 * only right at the connection's own time. Each holder of an address gets an
 * interval [fromMs, toMs) (toMs null while it still holds it); a lookup picks
 * the interval that contains the time, so samples from before a reuse keep
 * naming the old pod however late they arrive ("never rename history").
 *
 * hostNetwork pods do not own an address: they share their node's. They are
 * kept apart, with the ports their containers declare, so a lookup of a node
 * address and a port can find the hostNetwork pod listening there.
 *
 * Addresses are opaque strings here; callers normalize them (see
 * kubernetesNamer's `normalizeIp`). Closed intervals older than the retention
 * are pruned; open ones are never pruned, so memory is bounded by the
 * addresses in use plus the churn within the retention.
 */

export interface IpOwnershipHistoryOptions {
  /** How long a closed interval is kept after it ended (default 15 minutes). */
  retentionMs?: number;
}

export interface OwnershipInterval<T> {
  /** Identifies the holder (a pod's uid) so it can be updated and released. */
  readonly key: string;
  owner: T;
  fromMs: number;
  /** Exclusive end, null while the holder still holds the address. */
  toMs: number | null;
  /** hostNetwork holders only: the ports their containers declare. */
  readonly ports: ReadonlySet<number> | null;
}

export interface HoldOptions {
  /** The holder shares the address (hostNetwork) and declares these ports. */
  hostNetworkPorts?: Iterable<number>;
}

export const DEFAULT_IP_HISTORY_RETENTION_MS = 15 * 60_000;

function contains(interval: OwnershipInterval<unknown>, atMs: number): boolean {
  return interval.fromMs <= atMs && (interval.toMs === null || atMs < interval.toMs);
}

export class IpOwnershipHistory<T> {
  readonly retentionMs: number;
  /** Exclusive holders (pod network), per address, in order of fromMs. */
  private readonly exclusive = new Map<string, OwnershipInterval<T>[]>();
  /** Shared holders (hostNetwork pods), per node address, in order of fromMs. */
  private readonly shared = new Map<string, OwnershipInterval<T>[]>();

  constructor(options: IpOwnershipHistoryOptions = {}) {
    this.retentionMs = options.retentionMs ?? DEFAULT_IP_HISTORY_RETENTION_MS;
    if (!(this.retentionMs >= 0)) throw new RangeError(`retentionMs must be >= 0, got ${options.retentionMs}`);
  }

  /**
   * `key` holds `ip` from `fromMs` on. Holding again with the key of an open
   * interval updates its owner (a pod that changed) and never moves its start
   * later. A new exclusive holder cannot start before the previous holder's
   * release (timestamps from the API are whole seconds), and it ends any
   * other open holder of the address (a release we never saw).
   */
  hold(ip: string, key: string, owner: T, fromMs: number, options: HoldOptions = {}): void {
    const isShared = options.hostNetworkPorts !== undefined;
    const table = isShared ? this.shared : this.exclusive;
    let intervals = table.get(ip);
    if (!intervals) {
      intervals = [];
      table.set(ip, intervals);
    }
    const open = intervals.find((i) => i.key === key && i.toMs === null);
    if (open) {
      open.owner = owner;
      if (fromMs < open.fromMs && !isShared) {
        // Only as far back as the end of the holder before it.
        open.fromMs = Math.max(fromMs, this.lastEndBefore(intervals, open));
      } else if (fromMs < open.fromMs) {
        open.fromMs = fromMs;
      }
      return;
    }
    let from = fromMs;
    if (!isShared) {
      for (const other of intervals) {
        if (other.toMs !== null) from = Math.max(from, other.toMs);
      }
      for (const other of intervals) {
        if (other.toMs === null) other.toMs = Math.max(other.fromMs, from);
      }
    }
    const interval: OwnershipInterval<T> = {
      key,
      owner,
      fromMs: from,
      toMs: null,
      ports: isShared ? new Set(options.hostNetworkPorts) : null,
    };
    let at = intervals.length;
    while (at > 0 && intervals[at - 1]!.fromMs > from) at--;
    intervals.splice(at, 0, interval);
  }

  /** `key` stopped holding `ip` at `toMs` (never before it started). */
  release(ip: string, key: string, toMs: number): OwnershipInterval<T> | null {
    for (const table of [this.exclusive, this.shared]) {
      const open = table.get(ip)?.find((i) => i.key === key && i.toMs === null);
      if (open) {
        open.toMs = Math.max(open.fromMs, toMs);
        return open;
      }
    }
    return null;
  }

  /** Replaces the owner of every interval of `key` on `ip` (to freeze a name at release). */
  setOwner(ip: string, key: string, owner: T): void {
    for (const table of [this.exclusive, this.shared]) {
      for (const i of table.get(ip) ?? []) if (i.key === key) i.owner = owner;
    }
  }

  /** The exclusive holder of `ip` at `atMs`, or null. */
  ownerAt(ip: string, atMs: number): T | null {
    return this.intervalAt(ip, atMs)?.owner ?? null;
  }

  intervalAt(ip: string, atMs: number): OwnershipInterval<T> | null {
    const intervals = this.exclusive.get(ip);
    if (!intervals) return null;
    // Latest start first: if two ever overlap, the newer holder wins.
    for (let i = intervals.length - 1; i >= 0; i--) {
      const interval = intervals[i]!;
      if (contains(interval, atMs)) return interval;
    }
    return null;
  }

  /**
   * The hostNetwork holder of `ip` at `atMs` whose containers declare `port`,
   * or null (the address then stands for the node itself).
   */
  sharedOwnerAt(ip: string, port: number, atMs: number): T | null {
    const intervals = this.shared.get(ip);
    if (!intervals) return null;
    for (let i = intervals.length - 1; i >= 0; i--) {
      const interval = intervals[i]!;
      if (interval.ports?.has(port) && contains(interval, atMs)) return interval.owner;
    }
    return null;
  }

  /** Whether any hostNetwork holder is recorded for `ip` (open or within retention). */
  hasShared(ip: string): boolean {
    return this.shared.has(ip);
  }

  /** Drops intervals that ended more than the retention before `nowMs`. Returns how many. */
  prune(nowMs: number): number {
    const cutoff = nowMs - this.retentionMs;
    let removed = 0;
    for (const table of [this.exclusive, this.shared]) {
      for (const [ip, intervals] of table) {
        const kept = intervals.filter((i) => i.toMs === null || i.toMs > cutoff);
        removed += intervals.length - kept.length;
        if (kept.length === 0) table.delete(ip);
        else if (kept.length !== intervals.length) table.set(ip, kept);
      }
    }
    return removed;
  }

  /** Addresses and intervals held in memory (for metrics and tests). */
  get size(): { addresses: number; intervals: number; open: number } {
    let addresses = 0;
    let intervals = 0;
    let open = 0;
    for (const table of [this.exclusive, this.shared]) {
      addresses += table.size;
      for (const list of table.values()) {
        intervals += list.length;
        for (const i of list) if (i.toMs === null) open++;
      }
    }
    return { addresses, intervals, open };
  }

  clear(): void {
    this.exclusive.clear();
    this.shared.clear();
  }

  private lastEndBefore(intervals: OwnershipInterval<T>[], interval: OwnershipInterval<T>): number {
    let end = Number.NEGATIVE_INFINITY;
    for (const other of intervals) {
      if (other !== interval && other.toMs !== null && other.toMs <= interval.fromMs) end = Math.max(end, other.toMs);
    }
    return end;
  }
}
