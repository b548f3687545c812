import { MAX_DURATION_SAMPLES, type RequestRow } from '../connections/connectionRow.js';
import type { L7Aggregate } from '../kernel/l7Aggregate.js';
import type { KernelHandoff, L7CallRecord } from '../kernel/l7CallRecord.js';
import { histogramSamples, type HistogramShape } from './http1/durationHistogram.js';
import { Http1Stream } from './http1/http1Stream.js';
import { KernelPathTable } from './http1/kernelPathTable.js';
import { RouteTable } from './http1/routeTemplate.js';
import { Http2Connection } from './http2/http2Connection.js';
import { DnsStream, type DnsAnswerListener } from './dns/dnsStream.js';
import { emptyParserCounters, httpOutcome, UNKNOWN_ROUTE, type CompletedRequest, type L7Stream, type ParserCounters } from './l7Types.js';

export interface RequestTrackerOptions {
  /** Connections parsed at once; beyond, the least recently active is forgotten (counted). */
  maxStreams: number;
  /** Distinct route templates reported; beyond, `{other}` (counted). */
  maxRoutes: number;
  /**
   * Intervals a connection's requests wait for its row (its bytes may be
   * counted an interval apart from its calls); then they are dropped, counted.
   */
  holdIntervals: number;
  /** Told every DNS response's answers (the agent's names of external endpoints). */
  onDnsAnswers?: DnsAnswerListener;
  /** HTTP/1 framed in the kernel: the shape of its duration histograms, and how many of its path texts are kept. */
  kernel?: { histogram: HistogramShape; maxPaths: number };
}

export interface RequestTrackerStats extends ParserCounters {
  streams: number;
  routes: number;
  routeOverflows: number;
  /** Connections forgotten while open because maxStreams was reached. */
  streamsEvicted: number;
  /** Requests dropped because no row of their connection came to take them. */
  requestsUnclaimed: number;
  /** Duration samples not kept because a group already held MAX_DURATION_SAMPLES (its count stays exact). */
  durationsCapped: number;
  /** Requests framed in the kernel whose path's text was not known (its record lost, or forgotten): reported under UNKNOWN_ROUTE. */
  kernelRoutesUnknown: number;
  /** Kernel path texts forgotten because the table was full. */
  kernelPathEvictions: number;
}

interface PendingRequests {
  groups: Map<string, RequestRow>;
  age: number;
  /** Read from TLS plaintext (OpenSSL's calls). */
  tls: boolean;
}

/** A connection's request groups since the last take, and whether they were read from TLS plaintext. */
export interface TakenRequests {
  groups: RequestRow[];
  tls: boolean;
}

/**
 * Turns the kernel's L7 calls into each connection's request rows: a
 * parser per connection (closed with the connection), of the protocol the
 * kernel classified the connection as (its first call's), completed requests
 * grouped per (protocol, method, route) until the connection's next row
 * takes them.
 */
export class RequestTracker {
  private readonly streams = new Map<string, L7Stream>();
  /** Streams whose calls are TLS plaintext. */
  private readonly tlsStreams = new Set<string>();
  /** The interval each stream last moved to the end of `streams` in (once an interval is enough for eviction order). */
  private readonly touched = new Map<string, number>();
  private intervalNumber = 0;
  private readonly pending = new Map<string, PendingRequests>();
  private readonly routes: RouteTable;
  private readonly counters = emptyParserCounters();
  private streamsEvicted = 0;
  private requestsUnclaimed = 0;
  private durationsCapped = 0;
  private kernelRoutesUnknown = 0;
  private readonly kernelPaths: KernelPathTable | null;

  constructor(private readonly options: RequestTrackerOptions) {
    this.routes = new RouteTable(options.maxRoutes);
    this.kernelPaths = options.kernel ? new KernelPathTable(options.kernel.maxPaths) : null;
  }

  push(calls: readonly L7CallRecord[]): void {
    for (const call of calls) {
      if (call.direction === 'closed') {
        this.streams.get(call.socketId)?.close();
        this.forget(call.socketId);
        continue;
      }
      if (call.direction === 'path') {
        if (call.path) this.kernelPaths?.learn(call.path.hash, call.path.text);
        continue;
      }
      if (call.direction === 'handoff') {
        if (call.handoff) this.adopt(call, call.handoff);
        continue;
      }
      const stream = this.streamOf(call);
      if (call.afterLoss) stream.lose();
      stream.push(call.direction, call);
    }
  }

  /**
   * Requests the kernel framed and counted (its aggregates since the last
   * read), into the same groups as the parsers' requests of the socket.
   */
  pushAggregates(aggregates: readonly L7Aggregate[]): void {
    const shape = this.options.kernel?.histogram;
    if (!shape) return;
    for (const a of aggregates) {
      const status = a.status === 0 ? null : a.status;
      const group = this.groupOf(a.socketId, 'http1', a.method, this.kernelRoute(a.pathHash));
      if (!group) {
        this.requestsUnclaimed += a.count;
        continue;
      }
      group.requests += a.count;
      const outcome = httpOutcome(status);
      if (outcome === 'error') group.errors += a.count;
      else if (outcome === 'client_error') group.client_errors += a.count;
      // Representative durations (bucket midpoints, at most the group's room): the count above is exact.
      const room = MAX_DURATION_SAMPLES - group.durations_us.length;
      const timed = status === null ? 0 : a.buckets.reduce((sum, b) => sum + b.count, 0);
      if (timed > room) this.durationsCapped += timed - room;
      for (const us of histogramSamples(a.buckets, shape, room)) group.durations_us.push(us);
    }
  }

  /** The request rows completed on the socket since the last take, or undefined. */
  take(socketId: string): TakenRequests | undefined {
    const pending = this.pending.get(socketId);
    if (!pending) return undefined;
    this.pending.delete(socketId);
    return { groups: [...pending.groups.values()], tls: pending.tls };
  }

  /** Sockets with requests no row has taken yet. */
  waitingSocketIds(): string[] {
    return [...this.pending.keys()];
  }

  /** Calls were lost in user space (which connections', unknown): every connection resynchronises. */
  loseAll(): void {
    for (const stream of this.streams.values()) stream.lose();
  }

  /** Gives up what waited too long for its answer (DNS queries), at ktime `nowNs` (CLOCK_MONOTONIC, as the calls' tsNs). */
  expire(nowNs: bigint): void {
    for (const stream of this.streams.values()) stream.expire?.(nowNs);
  }

  /** A socket ended without the kernel saying so (a UDP flow gone idle): its parser closes as at a close. */
  end(socketId: string): void {
    this.streams.get(socketId)?.close();
    this.forget(socketId);
  }

  /** Ends an interval: requests left untaken too long are dropped (counted). */
  endInterval(): void {
    this.intervalNumber += 1;
    for (const [socketId, pending] of this.pending) {
      pending.age += 1;
      if (pending.age > this.options.holdIntervals) {
        for (const group of pending.groups.values()) this.requestsUnclaimed += group.requests;
        this.pending.delete(socketId);
      }
    }
  }

  stats(): RequestTrackerStats {
    return {
      ...this.counters,
      streams: this.streams.size,
      routes: this.routes.size,
      routeOverflows: this.routes.overflows,
      streamsEvicted: this.streamsEvicted,
      requestsUnclaimed: this.requestsUnclaimed,
      durationsCapped: this.durationsCapped,
      kernelRoutesUnknown: this.kernelRoutesUnknown,
      kernelPathEvictions: this.kernelPaths?.evictions ?? 0,
    };
  }

  /** The route of a path the kernel named by hash. */
  private kernelRoute(hash: bigint): string {
    const text = this.kernelPaths?.textOf(hash);
    if (text === undefined) {
      this.kernelRoutesUnknown += 1;
      return UNKNOWN_ROUTE;
    }
    return this.routes.routeOf(text);
  }

  /** A request the kernel framed, handed to the connection's parser to be answered there. */
  private adopt(call: L7CallRecord, handoff: KernelHandoff): void {
    const stream = this.streamOf(call);
    if (stream instanceof Http1Stream) {
      stream.adopt(handoff.role, handoff.method, this.kernelRoute(handoff.pathHash), handoff.startNs, handoff.bodyRemaining);
    }
  }

  private streamOf(call: L7CallRecord): L7Stream {
    const socketId = call.socketId;
    let stream = this.streams.get(socketId);
    if (stream) {
      // Active this interval: to the end, so the map's first entry is the one to evict.
      if (this.touched.get(socketId) !== this.intervalNumber) {
        this.streams.delete(socketId);
        this.streams.set(socketId, stream);
        this.touched.set(socketId, this.intervalNumber);
      }
      return stream;
    }
    if (this.streams.size >= this.options.maxStreams) {
      const oldest = this.streams.keys().next().value;
      if (oldest !== undefined) this.forget(oldest);
      this.streamsEvicted += 1;
    }
    const emit = (request: CompletedRequest): void => this.record(socketId, request);
    stream =
      call.protocol === 'http2'
        ? new Http2Connection(this.routes, this.counters, emit)
        : call.protocol === 'dns'
          ? new DnsStream(call.udp ? 'udp' : 'tcp', this.routes, this.counters, emit, this.options.onDnsAnswers ?? null)
          : new Http1Stream(this.routes, this.counters, emit);
    this.streams.set(socketId, stream);
    this.touched.set(socketId, this.intervalNumber);
    if (call.tls) this.tlsStreams.add(socketId);
    return stream;
  }

  private forget(socketId: string): void {
    this.streams.delete(socketId);
    this.touched.delete(socketId);
    this.tlsStreams.delete(socketId);
  }

  private record(socketId: string, request: CompletedRequest): void {
    const group = this.groupOf(socketId, request.protocol, request.method, request.route);
    if (!group) {
      this.requestsUnclaimed += 1;
      return;
    }
    group.requests += 1;
    if (request.outcome === 'error') group.errors += 1;
    else if (request.outcome === 'client_error') group.client_errors += 1;
    if (request.durationUs !== null) {
      if (group.durations_us.length < MAX_DURATION_SAMPLES) group.durations_us.push(request.durationUs);
      else this.durationsCapped += 1;
    }
  }

  /**
   * The socket's pending group of (protocol, method, route), made when new:
   * where the parsers' requests and the kernel's aggregates meet. Null when
   * the bound of sockets waiting is reached.
   */
  private groupOf(socketId: string, protocol: RequestRow['protocol'], method: string, route: string): RequestRow | null {
    let pending = this.pending.get(socketId);
    if (!pending) {
      if (this.pending.size >= this.options.maxStreams) return null;
      pending = { groups: new Map(), age: 0, tls: this.tlsStreams.has(socketId) };
      this.pending.set(socketId, pending);
    }
    const key = `${protocol} ${method} ${route}`;
    let group = pending.groups.get(key);
    if (!group) {
      group = { protocol, method, route, requests: 0, errors: 0, client_errors: 0, durations_us: [] };
      pending.groups.set(key, group);
    }
    return group;
  }
}
