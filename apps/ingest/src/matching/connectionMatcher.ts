import { canonicalConnection, type CanonicalConnection } from '../halves/canonicalConnection.js';
import type { ConnectionHalf } from '../halves/connectionHalf.js';

/** What one end's own agent told us about its socket (present only when that end has an agent). */
export interface HalfOrigin {
  nodeId: string;
  netns: number;
  socketId: string;
  pid: number;
  comm: string;
  cmdline: string | null;
  containerId: string | null;
}

/** One half's interval, with everything known about its connection when it was released. */
export interface MatchedSample {
  half: ConnectionHalf;
  connection: CanonicalConnection;
  client: HalfOrigin | null;
  server: HalfOrigin | null;
  /**
   * Whether this half's counters are the connection's counters. Each
   * connection is counted from one half only: the client's when the client
   * has an agent (it also knows about failed connects), else the server's,
   * decided when its first half is released and kept for its lifetime.
   * The other half still contributes what only it sees (its retransmits).
   */
  primary: boolean;
  /**
   * A slot that lives as long as the connection's state, for whoever names
   * its ends (naming once per connection, not per interval). Reset when the
   * connection's halves change.
   */
  memo: ConnectionMemo;
}

export interface ConnectionMemo {
  value?: unknown;
}

export interface ConnectionMatcherOptions {
  /** How long (s of event time) a half waits for its peer's half before it is released. */
  windowSeconds: number;
  /**
   * A node this far (s of event time) behind the most advanced node no longer
   * holds releases back: it stopped sending. Event time, not the wall clock,
   * so that a replay of the same input releases the same halves.
   */
  nodeSilenceSeconds: number;
  /** Connections remembered; beyond this the least recently active is forgotten (counted). */
  maxConnections: number;
  /** Halves waiting for release; beyond this new halves are dropped (counted). */
  maxPending: number;
  /** An idle connection is forgotten after this long (s of event time). */
  idleSeconds: number;
  /**
   * Nothing is released until the input spans this long (s of event time):
   * at start-up a node that is a little behind has not been heard of yet,
   * and must not be left out of the first releases.
   */
  startupSeconds: number;
}

export const DEFAULT_MATCHER_OPTIONS: ConnectionMatcherOptions = {
  // The peer's half of a connection-second is stamped with its own agent's
  // second, at most one off; holding one more second is enough, and it is
  // most of the event-to-queryable latency.
  windowSeconds: 1,
  // Long enough for a node catching up after a transport outage (its batches
  // arrive late, all at once) not to be taken for a node that went away.
  nodeSilenceSeconds: 60,
  maxConnections: 1_000_000,
  maxPending: 2_000_000,
  idleSeconds: 600,
  startupSeconds: 5,
};

interface ConnectionState {
  connection: CanonicalConnection;
  client: HalfOrigin | null;
  server: HalfOrigin | null;
  lastSecond: number;
  closed: boolean;
  /**
   * Which end's halves count this connection, fixed at its first release:
   * a server half released before any client half was known (the client's
   * node lagging more than the node silence, or no agent there) makes it the
   * server's for good, so a client half arriving later cannot count it again.
   */
  countedFrom: 'client' | 'server' | null;
  memo: ConnectionMemo;
}

interface NodeClock {
  latestSecond: number;
}

export interface MatcherCounters {
  pendingDropped: number;
  connectionsEvicted: number;
  /** Halves released with their peer's half known. */
  matched: number;
  /** Halves released without a peer half (external peer, or a node without an agent). */
  unmatched: number;
}

function originOf(half: ConnectionHalf): HalfOrigin {
  return {
    nodeId: half.nodeId,
    netns: half.netns,
    socketId: half.socketId,
    pid: half.pid,
    comm: half.comm,
    cmdline: half.cmdline,
    containerId: half.containerId,
  };
}

/**
 * Joins the client half and the server half of each connection. Halves are
 * held for a short window of event time so that the peer's half (from
 * another node, whose batch may come a little later) is known before either
 * is released; release waits for the slowest node that is still sending, so
 * a node catching up after an outage is not outrun by the others. State is
 * kept per connection for its lifetime, so a long-lived connection matched
 * once stays matched even in seconds where only one end was active.
 */
export class ConnectionMatcher {
  private readonly connections = new Map<string, ConnectionState>();
  private readonly pending = new Map<number, Array<{ half: ConnectionHalf; key: string }>>();
  private pendingCount = 0;
  private readonly nodes = new Map<string, NodeClock>();
  private newestSecond = Number.NEGATIVE_INFINITY;
  private firstSecond = Number.POSITIVE_INFINITY;
  readonly counters: MatcherCounters = { pendingDropped: 0, connectionsEvicted: 0, matched: 0, unmatched: 0 };

  constructor(private readonly options: ConnectionMatcherOptions = DEFAULT_MATCHER_OPTIONS) {}

  get pendingHalves(): number {
    return this.pendingCount;
  }

  get connectionsTracked(): number {
    return this.connections.size;
  }

  /** Takes one node's halves of one interval (an empty list still advances that node's clock). */
  add(nodeId: string, second: number, halves: readonly ConnectionHalf[]): void {
    const clock = this.nodes.get(nodeId);
    if (clock) clock.latestSecond = Math.max(clock.latestSecond, second);
    else this.nodes.set(nodeId, { latestSecond: second });
    if (second > this.newestSecond) this.newestSecond = second;
    if (second < this.firstSecond) this.firstSecond = second;
    for (const half of halves) {
      if (this.pendingCount >= this.options.maxPending) {
        this.counters.pendingDropped++;
        continue;
      }
      const connection = canonicalConnection(half);
      const state = this.remember(connection, half);
      const known = half.role === 'client' ? state.client : state.server;
      if (known === null || known.pid !== half.pid || known.comm !== half.comm) {
        if (half.role === 'client') state.client = originOf(half);
        else state.server = originOf(half);
        state.memo = {};
      }
      let bucket = this.pending.get(half.second);
      if (!bucket) {
        bucket = [];
        this.pending.set(half.second, bucket);
      }
      bucket.push({ half, key: connection.key });
      this.pendingCount++;
    }
  }

  /**
   * The event second up to which every node still sending has reported, or
   * null before any node has.
   */
  watermark(): number | null {
    if (this.newestSecond - this.firstSecond < this.options.startupSeconds) return null;
    let low: number | null = null;
    for (const [nodeId, clock] of this.nodes) {
      if (clock.latestSecond < this.newestSecond - this.options.nodeSilenceSeconds) {
        // Gone quiet: forget it until it sends again (bounded node table).
        if (clock.latestSecond < this.newestSecond - 10 * this.options.nodeSilenceSeconds) this.nodes.delete(nodeId);
        continue;
      }
      low = low === null ? clock.latestSecond : Math.min(low, clock.latestSecond);
    }
    return low;
  }

  /**
   * Releases the halves whose window has passed (all of them with `flush`),
   * in event-time order, and forgets finished or idle connections.
   */
  release(flush = false): MatchedSample[] {
    const mark = this.watermark();
    const upTo = flush ? Number.POSITIVE_INFINITY : mark === null ? Number.NEGATIVE_INFINITY : mark - this.options.windowSeconds;
    const seconds = [...this.pending.keys()].filter((s) => s <= upTo).sort((a, b) => a - b);
    const released: MatchedSample[] = [];
    for (const second of seconds) {
      const bucket = this.pending.get(second) ?? [];
      this.pending.delete(second);
      this.pendingCount -= bucket.length;
      for (const { half, key } of bucket) {
        const state = this.connections.get(key);
        // Evicted meanwhile: what the half itself says is all there is.
        const connection = state?.connection ?? canonicalConnection(half);
        const client = state?.client ?? (half.role === 'client' ? originOf(half) : null);
        const server = state?.server ?? (half.role === 'server' ? originOf(half) : null);
        let primary: boolean;
        if (state) {
          state.countedFrom ??= half.role === 'client' || state.client !== null ? 'client' : 'server';
          primary = half.role === state.countedFrom;
        } else {
          primary = half.role === 'client' || client === null;
        }
        if (client !== null && server !== null) this.counters.matched++;
        else this.counters.unmatched++;
        released.push({ half, connection, client, server, primary, memo: state?.memo ?? {} });
      }
    }
    if (mark !== null) this.forget(mark);
    return released;
  }

  private remember(connection: CanonicalConnection, half: ConnectionHalf): ConnectionState {
    let state = this.connections.get(connection.key);
    if (!state) {
      if (this.connections.size >= this.options.maxConnections) this.evictLeastRecent();
      state = { connection, client: null, server: null, lastSecond: half.second, closed: false, countedFrom: null, memo: {} };
      this.connections.set(connection.key, state);
    } else if (state.closed) {
      // A 4-tuple reused after a close, by another socket, is a new connection
      // (the peer's half of a short connection arrives after the close: same socket).
      const known = half.role === 'client' ? state.client : state.server;
      if (known !== null && (known.socketId !== half.socketId || known.nodeId !== half.nodeId)) {
        state = { connection, client: null, server: null, lastSecond: half.second, closed: false, countedFrom: null, memo: {} };
        this.connections.set(connection.key, state);
      }
    }
    if (half.second > state.lastSecond) state.lastSecond = half.second;
    if (half.closed || half.connectFailed) state.closed = true;
    return state;
  }

  /** Full: forget the tenth of connections least recently active (one scan, not one per insert). */
  private evictLeastRecent(): void {
    const seconds = [...this.connections.values()].map((s) => s.lastSecond).sort((a, b) => a - b);
    const cutoff = seconds[Math.max(0, Math.floor(seconds.length / 10) - 1)] ?? Number.NEGATIVE_INFINITY;
    for (const [key, state] of this.connections) {
      if (state.lastSecond <= cutoff) {
        this.connections.delete(key);
        this.counters.connectionsEvicted++;
      }
    }
  }

  private forget(mark: number): void {
    // A closed connection is remembered as long as a lagging node's half of it
    // may still come: forgetting it earlier would count that half again.
    const closedBefore = mark - this.options.nodeSilenceSeconds - 2 * this.options.windowSeconds;
    const idleBefore = mark - this.options.idleSeconds;
    for (const [key, state] of this.connections) {
      if ((state.closed && state.lastSecond < closedBefore) || state.lastSecond < idleBefore) {
        this.connections.delete(key);
      }
    }
  }
}
