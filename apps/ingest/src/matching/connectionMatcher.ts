import { canonicalConnection, type CanonicalConnection } from '../halves/canonicalConnection.js';
import type { ConnectionHalf } from '../ingestTypes.js';
import { ConnectionTable } from './connectionTable.js';

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

/**
 * What a half carries from its arrival to its release: its interval's
 * counters, and its L7 requests (by reference, not copied). The rest of it
 * (addresses, process, socket) went into its connection's state when it
 * arrived; holding whole halves for the window kept ~2 s of decoded samples
 * alive, and copying them was most of the GC.
 */
export type HalfCounters = Pick<
  ConnectionHalf,
  | 'second' | 'tsMs' | 'role' | 'opened' | 'closed' | 'connectFailed' | 'bytesSent' | 'bytesReceived' | 'srttUs' | 'retransmits' | 'resetsSent' | 'resetsReceived'
  | 'requests'
>;

function countersOf(half: ConnectionHalf): HalfCounters {
  return {
    second: half.second,
    tsMs: half.tsMs,
    role: half.role,
    opened: half.opened,
    closed: half.closed,
    connectFailed: half.connectFailed,
    bytesSent: half.bytesSent,
    bytesReceived: half.bytesReceived,
    srttUs: half.srttUs,
    retransmits: half.retransmits,
    resetsSent: half.resetsSent,
    resetsReceived: half.resetsReceived,
    // Always set (undefined when none): one shape for every half.
    requests: half.requests,
  };
}

/** One half's interval, with everything known about its connection when it was released. */
export interface MatchedSample {
  /** The tenant whose agent reported the half (both halves of a connection are one tenant's). */
  tenant: string;
  half: HalfCounters;
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
  tenant: string;
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

/** The halves of one event second waiting for release, each with its connection's state (two columns, no object per half). */
interface PendingSecond {
  halves: HalfCounters[];
  states: ConnectionState[];
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

function newState(tenant: string, connection: CanonicalConnection, second: number): ConnectionState {
  return { tenant, connection, client: null, server: null, lastSecond: second, closed: false, countedFrom: null, memo: {} };
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
 *
 * Halves are joined within their tenant only (one connection table per tenant, node clocks
 * per tenant and node): two tenants may use the same addresses and node names, and a half of
 * one never completes a connection of the other.
 */
export class ConnectionMatcher {
  /** tenant -> its connections. */
  private readonly tables = new Map<string, ConnectionTable<ConnectionState>>();
  private connectionCount = 0;
  private readonly pending = new Map<number, PendingSecond>();
  private pendingCount = 0;
  private readonly nodes = new Map<string, NodeClock>();
  private newestSecond = Number.NEGATIVE_INFINITY;
  private firstSecond = Number.POSITIVE_INFINITY;
  readonly counters: MatcherCounters = { pendingDropped: 0, connectionsEvicted: 0, matched: 0, unmatched: 0 };
  /** Every half of an event second up to this one has been released (-Infinity before the first release). */
  releasedThrough = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: ConnectionMatcherOptions = DEFAULT_MATCHER_OPTIONS) {}

  get pendingHalves(): number {
    return this.pendingCount;
  }

  get connectionsTracked(): number {
    return this.connectionCount;
  }

  /** Takes one node's halves of one interval of a tenant (an empty list still advances that node's clock). */
  add(tenant: string, nodeId: string, second: number, halves: readonly ConnectionHalf[]): void {
    const clockKey = `${tenant}\u0000${nodeId}`;
    const clock = this.nodes.get(clockKey);
    if (clock) clock.latestSecond = Math.max(clock.latestSecond, second);
    else this.nodes.set(clockKey, { latestSecond: second });
    let table = this.tables.get(tenant);
    if (!table && halves.length > 0) {
      table = new ConnectionTable<ConnectionState>();
      this.tables.set(tenant, table);
    }
    if (second > this.newestSecond) this.newestSecond = second;
    if (second < this.firstSecond) this.firstSecond = second;
    for (const half of halves) {
      if (this.pendingCount >= this.options.maxPending) {
        this.counters.pendingDropped++;
        continue;
      }
      const state = this.remember(tenant, table as ConnectionTable<ConnectionState>, half);
      const known = half.role === 'client' ? state.client : state.server;
      if (known === null || known.pid !== half.pid || known.comm !== half.comm) {
        if (half.role === 'client') state.client = originOf(half);
        else state.server = originOf(half);
        state.memo = {};
      }
      let bucket = this.pending.get(half.second);
      if (!bucket) {
        bucket = { halves: [], states: [] };
        this.pending.set(half.second, bucket);
      }
      bucket.halves.push(countersOf(half));
      bucket.states.push(state);
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
    const released: MatchedSample[] = [];
    this.releaseEach((sample) => released.push({ ...sample }), flush);
    return released;
  }

  /**
   * release(), one half at a time: `visit` gets one sample object, reused for
   * every half (valid during the call only). A second's worth of samples
   * built at once lived through several young-generation collections, and
   * the collector copied every one of them.
   */
  releaseEach(visit: (sample: Readonly<MatchedSample>) => void, flush = false): void {
    const mark = this.watermark();
    const upTo = flush ? Number.POSITIVE_INFINITY : mark === null ? Number.NEGATIVE_INFINITY : mark - this.options.windowSeconds;
    const seconds = [...this.pending.keys()].filter((s) => s <= upTo).sort((a, b) => a - b);
    if (upTo > this.releasedThrough) this.releasedThrough = upTo;
    let sample: MatchedSample | undefined;
    for (const second of seconds) {
      const bucket = this.pending.get(second);
      if (!bucket) continue;
      this.pending.delete(second);
      this.pendingCount -= bucket.halves.length;
      for (let i = 0; i < bucket.halves.length; i++) {
        const half = bucket.halves[i] as HalfCounters;
        // The state the half was added to: its own connection's, even if it
        // was forgotten (evicted) or its 4-tuple reused since.
        const state = bucket.states[i] as ConnectionState;
        const { client, server } = state;
        state.countedFrom ??= half.role === 'client' || client !== null ? 'client' : 'server';
        if (client !== null && server !== null) this.counters.matched++;
        else this.counters.unmatched++;
        const primary = half.role === state.countedFrom;
        if (sample) {
          sample.tenant = state.tenant;
          sample.half = half;
          sample.connection = state.connection;
          sample.client = client;
          sample.server = server;
          sample.primary = primary;
          sample.memo = state.memo;
        } else {
          sample = { tenant: state.tenant, half, connection: state.connection, client, server, primary, memo: state.memo };
        }
        visit(sample);
      }
    }
    if (mark !== null) this.forget(mark);
  }

  private remember(tenant: string, table: ConnectionTable<ConnectionState>, half: ConnectionHalf): ConnectionState {
    let state = table.get(half);
    if (!state) {
      if (this.connectionCount >= this.options.maxConnections) this.evictLeastRecent();
      state = newState(tenant, canonicalConnection(half), half.second);
      this.setState(table, state);
    } else if (state.closed) {
      // A 4-tuple reused after a close, by another socket, is a new connection
      // (the peer's half of a short connection arrives after the close: same socket).
      const known = half.role === 'client' ? state.client : state.server;
      if (known !== null && (known.socketId !== half.socketId || known.nodeId !== half.nodeId)) {
        state = newState(tenant, canonicalConnection(half), half.second);
        this.setState(table, state);
      }
    }
    if (half.second > state.lastSecond) state.lastSecond = half.second;
    if (half.closed || half.connectFailed) state.closed = true;
    return state;
  }

  /** Full: forget the tenth of connections least recently active (one scan, not one per insert). */
  private evictLeastRecent(): void {
    const seconds = Float64Array.from(this.allStates(), (s) => s.lastSecond).sort();
    const cutoff = seconds[Math.max(0, Math.floor(seconds.length / 10) - 1)] ?? Number.NEGATIVE_INFINITY;
    // Tables left empty stay: add() is still filling one of them.
    this.counters.connectionsEvicted += this.deleteWhere((state) => state.lastSecond <= cutoff, false);
  }

  private setState(table: ConnectionTable<ConnectionState>, state: ConnectionState): void {
    const before = table.size;
    table.set(state);
    this.connectionCount += table.size - before;
  }

  private *allStates(): IterableIterator<ConnectionState> {
    for (const table of this.tables.values()) yield* table.values();
  }

  /** Forgets, in every tenant's table, the states `drop` says to (with `dropEmpty`, a table left empty too); returns how many. */
  private deleteWhere(drop: (state: ConnectionState) => boolean, dropEmpty: boolean): number {
    let deleted = 0;
    for (const [tenant, table] of this.tables) {
      deleted += table.deleteWhere(drop);
      if (dropEmpty && table.size === 0) this.tables.delete(tenant);
    }
    this.connectionCount -= deleted;
    return deleted;
  }

  private forget(mark: number): void {
    // A closed connection is remembered as long as a lagging node's half of it
    // may still come: forgetting it earlier would count that half again.
    const closedBefore = mark - this.options.nodeSilenceSeconds - 2 * this.options.windowSeconds;
    const idleBefore = mark - this.options.idleSeconds;
    this.deleteWhere((state) => (state.closed && state.lastSecond < closedBefore) || state.lastSecond < idleBefore, true);
  }
}
