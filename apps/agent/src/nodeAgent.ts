import type { Server } from 'node:http';
import { existsSync } from 'node:fs';
import { ConntrackWatcher, SocketTracer, layout } from '@weft/native';
import type { AgentConfig } from './config/agentConfig.js';
import { ConfigError } from './config/configError.js';
import type { ConnectionDelta } from './connections/connectionDelta.js';
import type { ConnectionRow } from './connections/connectionRow.js';
import { ConnectionTracker } from './connections/connectionTracker.js';
import { UdpFlowTable } from './connections/udpFlowTable.js';
import { L7AggregateDecoder } from './kernel/l7AggregateDecoder.js';
import { L7CallDecoder } from './kernel/l7CallDecoder.js';
import type { KernelEvent, SocketRecord } from './kernel/socketRecord.js';
import { SocketRecordDecoder } from './kernel/socketRecordDecoder.js';
import { DnsNameCache } from './l7/dns/dnsNameCache.js';
import { RequestTracker } from './l7/requestTracker.js';
import { AgentMetrics } from './metrics/agentMetrics.js';
import { startMetricsServer } from './metrics/metricsServer.js';
import { ConntrackTable } from './nat/conntrackTable.js';
import { resolveNetns } from './netns/netnsResolver.js';
import { assertCapabilities } from './privileges/capabilities.js';
import { loadTracer, type PathChoice } from './probes/tracerLoader.js';
import { ProcessDirectory } from './process/processDirectory.js';
import { RoleInference } from './roles/roleInference.js';
import { LibsslScanner } from './tls/libsslScanner.js';
import type { ListenerRow, RowSink } from './sinks/rowSink.js';

export interface AgentLog {
  info(message: string): void;
  warn(message: string): void;
}

const VMLINUX_BTF = '/sys/kernel/btf/vmlinux';
// Events waiting for the next interval; beyond this they are dropped and counted.
const MAX_PENDING_EVENTS = 1_000_000;
const MAX_LISTENERS = 4096;
/** Intervals a connection's requests wait for a row of it (its bytes can be read an interval apart). */
const REQUEST_HOLD_INTERVALS = 3;
/** TLS capture: libssl files attached at most, and processes whose mappings one interval's scan reads at most. */
const MAX_TLS_LIBRARIES = 64;
const TLS_MAPS_PER_SCAN = 32;
/** DNS: UDP flows reported at once (the kernel's weft_dns_udp_socks holds as many sockets), and addresses the answer cache names. */
const MAX_UDP_FLOWS = 16_384;
const MAX_DNS_NAMES = 65_536;
/** HTTP/1 framed in the kernel: path texts kept (the kernel remembers 4,096 it sent: more here, so a path it still knows is known here). */
const MAX_KERNEL_PATHS = 16_384;

/**
 * The node agent: loads the kernel programs, and every interval turns the
 * socket map and the ring buffer's events into per-connection rows for a sink.
 * It owns no business logic beyond counting, naming the process and undoing NAT.
 */
export class NodeAgent {
  private readonly decoder = new SocketRecordDecoder(layout);
  private readonly tracker = new ConnectionTracker();
  private readonly processes = new ProcessDirectory();
  private readonly roles = new RoleInference();
  private readonly nat = new ConntrackTable();
  private readonly l7Decoder = new L7CallDecoder(layout);
  private readonly aggregateDecoder = new L7AggregateDecoder(layout);
  /** Request metrics, when L7 capture is loaded. */
  private readonly requests: RequestTracker | null;
  /** DNS over UDP as connections, and the node's DNS answers (address -> name), when L7 capture is loaded. */
  private readonly udpFlows = new UdpFlowTable(MAX_UDP_FLOWS);
  private readonly dnsNames = new DnsNameCache(MAX_DNS_NAMES);
  /** The name each open client connection got at its first row (an answer's TTL may run out while it lives). */
  private readonly remoteNames = new Map<string, string | null>();
  private lastDnsNameEvictions = 0;
  private lastUdpFlowsEvicted = 0;
  /** TLS capture: finds the libssl files to attach to, when its programs are loaded. */
  private readonly libssl: LibsslScanner | null;
  private lastTlsAttachFailures = 0;
  /** Listeners seen since start, by netns/address/port (bounded: oldest go first). */
  private readonly listeners = new Map<string, ListenerRow>();
  private pendingEvents: KernelEvent[] = [];
  private droppedEvents = 0;
  private lastCounters: number[] = [];
  private lastLostCloses = 0;
  private lastRowsDropped = 0;
  private lastEventsDropped = 0;
  private lastL7PendingDrops = 0;
  private readonly lastParserTotals = new Map<string, number>();
  private readonly lastConntrackOverflows: number[] = [];
  private timer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;

  private constructor(
    private readonly config: AgentConfig,
    private readonly sink: RowSink,
    private readonly log: AgentLog,
    private readonly tracer: SocketTracer,
    private readonly conntrack: readonly ConntrackWatcher[],
    private readonly metrics: AgentMetrics,
    private readonly metricsServer: Server | null,
    readonly path: PathChoice,
    netnsInodes: number[] | null,
  ) {
    this.requests = path.l7.on
      ? new RequestTracker({
          maxStreams: config.maxSockets,
          maxRoutes: config.l7MaxRoutes,
          holdIntervals: REQUEST_HOLD_INTERVALS,
          onDnsAnswers: (question, answers) => this.dnsNames.learn(question, answers, Date.now()),
          kernel: { histogram: { exact: layout.l7Aggregate.exact, subBits: layout.l7Aggregate.subBits }, maxPaths: MAX_KERNEL_PATHS },
        })
      : null;
    this.libssl = path.tls.on
      ? new LibsslScanner(
          tracer,
          { processNames: config.l7Processes, netnsInodes, maxLibraries: MAX_TLS_LIBRARIES, mapsPerScan: TLS_MAPS_PER_SCAN },
          log,
        )
      : null;
  }

  static async start(config: AgentConfig, sink: RowSink, log: AgentLog): Promise<NodeAgent> {
    assertCapabilities();
    const netns = config.netns.map((given) => resolveNetns(given));
    const conntrackNetns = config.conntrackNetns.map((given) => resolveNetns(given, undefined, '--conntrack-netns'));
    if (!existsSync(VMLINUX_BTF)) {
      throw new ConfigError(
        `this kernel has no BTF (${VMLINUX_BTF} is missing): Weft needs a kernel built with CONFIG_DEBUG_INFO_BTF=y`,
      );
    }
    const { tracer, choice: path } = loadTracer(
      config.trafficPath,
      {
        maxSockets: config.maxSockets,
        ringBufferBytes: config.ringBufferBytes,
        netnsInodes: netns.length > 0 ? netns.map((n) => n.inode) : null,
        refusePrograms: config.refusePrograms,
        l7: config.l7,
        l7Tls: config.l7Tls,
        l7Http1Kernel: config.l7Http1Kernel,
        l7RingBufferBytes: config.ringBufferBytes,
        // Batched wakeups (a timer reads the rest): a wakeup per call cost more than the parsing.
        l7RingBatch: true,
        l7Ports: config.l7Ports,
        l7Processes: config.l7Processes,
      },
      (options) => new SocketTracer(options),
      (message) => log.info(message),
    );

    const conntrack: ConntrackWatcher[] = [];
    for (const ns of conntrackNetns.length > 0 ? conntrackNetns : [null]) {
      try {
        conntrack.push(ns ? new ConntrackWatcher({ netnsPath: ns.path }) : new ConntrackWatcher());
      } catch (err) {
        // NAT resolution is an enrichment: without it rows keep the dialled address.
        log.warn(`conntrack${ns ? ` of ${ns.given}` : ''} unavailable, NAT will not be undone there: ${(err as Error).message}`);
      }
    }

    const metrics = new AgentMetrics();
    let metricsServer: Server | null = null;
    if (config.metricsAddr) {
      try {
        metricsServer = await startMetricsServer(metrics.registry, config.metricsAddr.host, config.metricsAddr.port);
      } catch (err) {
        tracer.close();
        for (const watcher of conntrack) watcher.close();
        throw new ConfigError(
          `--metrics-addr ${config.metricsAddr.host}:${config.metricsAddr.port}: ${(err as Error).message}`,
          '--metrics-addr',
        );
      }
    }

    const agent = new NodeAgent(config, sink, log, tracer, conntrack, metrics, metricsServer, path, netns.length > 0 ? netns.map((n) => n.inode) : null);
    // Every process running now, before the agent says it is ready; later ones a few at a time each interval.
    agent.libssl?.scan(Number.MAX_SAFE_INTEGER);
    agent.run();
    return agent;
  }

  private run(): void {
    this.tracer.onEvents((buffer) => this.queueEvents(buffer));
    // Calls are parsed as they come: a second of them can be more than the ring holds.
    if (this.requests) this.tracer.onL7Calls((buffer) => this.parseCalls(buffer));
    // Counters path: sockets that predate the agent are tracked from now on
    // (the hook paths find them at their next send or receive instead).
    if (this.path.path === 'counters') this.metrics.socketsAdopted.inc(this.tracer.adoptSockets());
    for (const watcher of this.conntrack) {
      this.nat.load(watcher.dump());
      watcher.onEvents((events) => this.nat.apply(events));
    }
    // The interval runs after the loop's next poll phase, not in the timer
    // itself: conntrack's NEW for a connection that just opened is then
    // applied before the connection's first row needs its translation (a busy
    // loop, with L7 calls to parse, left it for the next interval: the row
    // went out with the service VIP, a phantom node on the map).
    this.timer = setInterval(() => {
      setImmediate(() => {
        if (!this.stopping) this.interval();
      });
    }, this.config.intervalMs);
  }

  private queueEvents(buffer: Buffer): void {
    if (buffer.length === 0) return;
    const events = this.decoder.decodeEvents(buffer);
    const room = MAX_PENDING_EVENTS - this.pendingEvents.length;
    if (events.length > room) {
      this.droppedEvents += events.length - Math.max(0, room);
      events.length = Math.max(0, room);
    }
    for (const event of events) {
      // Read /proc now, while a short-lived client is most likely still alive.
      if (event.type === 'open' && event.socket.tgid !== 0) {
        this.processes.lookup(event.socket.tgid, event.socket.comm);
      }
      this.pendingEvents.push(event);
    }
  }

  private parseCalls(buffer: Buffer): void {
    if (buffer.length === 0 || !this.requests) return;
    try {
      const calls = this.l7Decoder.decode(buffer);
      const now = Date.now();
      for (const call of calls) if (call.udp) this.udpFlows.note(call, now);
      this.requests.push(calls);
    } catch (err) {
      // A record the decoder does not understand is a build mismatch: count it and go on.
      this.metrics.l7DecodeErrors.inc();
      this.log.warn(`L7 calls not decoded: ${(err as Error).message}`);
    }
  }

  /** One interval: drain events, read the map, compute deltas, hand rows to the sink. */
  private interval(): void {
    const started = process.hrtime.bigint();
    const ts = Date.now();
    // Events first: the kernel deletes a closed socket's entry before its
    // event is visible, so the map read after this cannot see it again.
    this.queueEvents(this.tracer.drainEvents());
    // Conntrack's events queued by now, read here rather than left to the loop's next poll: a
    // connection the map shows had its NEW queued before it was established, so its first row
    // gets its translation (a row with the service VIP is a phantom node on the map).
    for (const watcher of this.conntrack) this.nat.apply(watcher.drain());
    const events = this.pendingEvents;
    this.pendingEvents = [];

    const readStarted = process.hrtime.bigint();
    if (this.path.path === 'counters') {
      // Bring every socket's byte counters up to date, and name the process of
      // sockets made in softirq (a listener's children) while they are young.
      if (this.tracer.refreshSockets() > 0) {
        this.metrics.ownerScans.inc();
        this.tracer.findOwners();
      }
    }
    const snapshot = this.decoder.decodeSockets(this.tracer.readSockets());
    this.metrics.readSeconds.observe(Number(process.hrtime.bigint() - readStarted) / 1e9);
    // L7 calls after the map: a request is then never ahead of its connection's
    // close row (its calls all precede the close), only of bytes read next interval.
    if (this.requests) {
      this.parseCalls(this.tracer.drainL7Calls());
      // The kernel's HTTP/1 aggregates after the calls: the path records they name came before them.
      this.requests.pushAggregates(this.aggregateDecoder.decode(this.tracer.drainL7Aggregates()));
      // Same clock as the calls' ktime (CLOCK_MONOTONIC).
      this.requests.expire(process.hrtime.bigint());
    }

    for (const event of events) {
      this.metrics.events.inc({ type: event.type });
      if (event.type === 'listen') {
        this.roles.noteListener(event.socket.netns, event.socket.sport);
        this.noteListener(event.socket);
      }
    }
    const deltas = this.tracker.advance(events, snapshot);
    if (this.requests) deltas.push(...this.idleWithRequests(deltas, snapshot));
    const rows = deltas.map((delta) => this.toRow(delta, ts));
    if (this.requests) rows.push(...this.udpRows(ts));
    this.requests?.endInterval();
    this.sink.write(rows, {
      ts,
      trafficPath: this.path.path,
      socketsTracked: snapshot.length,
      listeners: [...this.listeners.values()],
    });

    this.updateMetrics(snapshot.length, rows);
    // After the rows: new processes' libraries (bounded work), for the next interval's calls.
    this.libssl?.scan();
    this.nat.expire(ts);
    this.metrics.intervalSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
  }

  /** Open sockets that moved no bytes this interval but have requests to report (their bytes came in the last). */
  private idleWithRequests(deltas: readonly ConnectionDelta[], snapshot: readonly SocketRecord[]): ConnectionDelta[] {
    const waiting = new Set(this.requests?.waitingSocketIds());
    if (waiting.size === 0) return [];
    for (const delta of deltas) waiting.delete(delta.socket.id);
    if (waiting.size === 0) return [];
    return snapshot
      .filter((socket) => waiting.has(socket.id))
      .map((socket) => ({ socket, bytesSent: 0, bytesReceived: 0, retransmits: 0, resetsSent: 0, resetsReceived: 0, opened: false, closed: false, connectFailed: false }));
  }

  /** The UDP DNS flows' rows: flows that moved, opened, closed (idle) or have requests waiting. */
  private udpRows(ts: number): ConnectionRow[] {
    const requests = this.requests;
    if (!requests) return [];
    const waiting = new Set(requests.waitingSocketIds());
    const { deltas, closed } = this.udpFlows.advance(ts, (id) => waiting.has(id));
    // A closing flow's parser ends first, so that what it still waited for is in its last row.
    for (const id of closed) requests.end(id);
    return deltas.map((delta) => {
      const row = this.toRow(delta, ts);
      row.udp = true;
      return row;
    });
  }

  /** The name a client connection's remote address got from the node's DNS answers, fixed at its first row. */
  private remoteNameOf(socketId: string, daddr: string, closed: boolean, ts: number): string | null {
    let name = this.remoteNames.get(socketId);
    if (name === undefined) {
      name = this.dnsNames.nameOf(daddr, ts);
      if (this.remoteNames.size >= this.config.maxSockets + MAX_UDP_FLOWS) this.remoteNames.clear();
      this.remoteNames.set(socketId, name);
    }
    if (closed) this.remoteNames.delete(socketId);
    return name;
  }

  private noteListener(socket: SocketRecord): void {
    const key = `${socket.netns}|${socket.saddr}|${socket.sport}`;
    this.listeners.delete(key);
    if (this.listeners.size >= MAX_LISTENERS) {
      const oldest = this.listeners.keys().next().value;
      if (oldest !== undefined) this.listeners.delete(oldest);
    }
    this.listeners.set(key, { netns: socket.netns, addr: socket.saddr, port: socket.sport, pid: socket.tgid, comm: socket.comm });
  }

  private toRow(delta: ConnectionDelta, ts: number): ConnectionRow {
    const socket = delta.socket;
    const { role, inferred } = this.roles.roleOf(socket);
    const details = this.processes.lookup(socket.tgid, socket.comm, ts);
    const row: ConnectionRow = {
      ts,
      socket_id: socket.id,
      netns: socket.netns,
      pid: socket.tgid,
      tid: socket.tid,
      comm: socket.comm,
      cmdline: details.cmdline,
      container_id: details.containerId,
      cgroup_id: socket.cgroupId.toString(),
      role,
      role_inferred: inferred,
      family: socket.family,
      saddr: socket.saddr,
      sport: socket.sport,
      daddr: socket.daddr,
      dport: socket.dport,
      bytes_sent: delta.bytesSent,
      bytes_received: delta.bytesReceived,
      srtt_us: socket.srttUs,
      retransmits: delta.retransmits,
      resets_sent: delta.resetsSent,
      resets_received: delta.resetsReceived,
      resets: delta.resetsSent + delta.resetsReceived,
      connect_failed: delta.connectFailed,
      opened: delta.opened,
      closed: delta.closed,
    };
    const requests = this.requests?.take(socket.id);
    if (requests) {
      row.requests = requests.groups;
      // Requests of a connection opened before the agent: counted, and marked so.
      if (!socket.seenOpen) row.predates_agent = true;
      if (requests.tls) row.tls = true;
    }
    // Only the dialling side has a translated destination; a server sees the real peer.
    if (role === 'client') {
      if (this.requests) {
        const name = this.remoteNameOf(socket.id, socket.daddr, delta.closed || delta.connectFailed, ts);
        if (name !== null) row.remote_name = name;
      }
      const translated = this.nat.lookup(socket.saddr, socket.sport, socket.daddr, socket.dport, !delta.closed);
      if (translated) {
        row.nat_daddr = translated.daddr;
        row.nat_dport = translated.dport;
      }
    }
    return row;
  }

  private updateL7Metrics(grew: (index: number) => number, rows: readonly ConnectionRow[]): void {
    const m = this.metrics;
    const c = layout.counters;
    m.l7Calls.inc(grew(c.l7Calls));
    m.l7Drops.inc({ where: 'ring' }, grew(c.l7Drops));
    m.l7Gaps.inc(grew(c.l7Gaps));
    m.l7SocketMapFull.inc(grew(c.l7SocketMapFull));
    m.l7Untracked.inc(grew(c.l7Untracked));
    m.l7TlsCalls.inc(grew(c.l7TlsCalls));
    m.l7TlsDropped.inc({ reason: 'no_socket' }, grew(c.l7TlsNoSocket));
    m.l7TlsDropped.inc({ reason: 'no_entry' }, grew(c.l7TlsNoEntry));
    m.l7DnsUdpCalls.inc(grew(c.l7DnsUdpCalls));
    m.l7DnsDropped.inc({ reason: 'other_server' }, grew(c.l7DnsOtherServer));
    m.l7DnsDropped.inc({ reason: 'socket_map_full' }, grew(c.l7DnsSocketMapFull));
    m.l7KernelRequests.inc(grew(c.l7FastRequests));
    m.l7KernelFallbacks.inc({ reason: 'message' }, grew(c.l7FastFallbackMessage));
    m.l7KernelFallbacks.inc({ reason: 'pipelined' }, grew(c.l7FastFallbackPipeline));
    m.l7KernelFallbacks.inc({ reason: 'early_response' }, grew(c.l7FastFallbackEarly));
    m.l7KernelFallbacks.inc({ reason: 'overrun' }, grew(c.l7FastFallbackOverrun));
    m.l7KernelDropped.inc({ reason: 'map_full' }, grew(c.l7FastAggFull));
    m.l7KernelDropped.inc({ reason: 'lost' }, grew(c.l7FastLost));
    const flows = this.udpFlows.stats();
    m.udpFlows.set(flows.flows);
    m.udpFlowsEvicted.inc(Math.max(0, flows.evicted - this.lastUdpFlowsEvicted));
    this.lastUdpFlowsEvicted = flows.evicted;
    const names = this.dnsNames.stats();
    m.dnsNames.set(names.entries);
    m.dnsNameEvictions.inc(Math.max(0, names.evictions - this.lastDnsNameEvictions));
    this.lastDnsNameEvictions = names.evictions;
    m.l7TlsOn.set(this.libssl ? 1 : 0);
    if (this.libssl) {
      const tls = this.libssl.current();
      m.l7TlsLibraries.set(tls.libraries);
      const failures = tls.attachFailures + tls.librariesSkipped;
      m.l7TlsAttachFailures.inc(Math.max(0, failures - this.lastTlsAttachFailures));
      this.lastTlsAttachFailures = failures;
    }
    const userDrops = this.tracer.l7PendingDrops;
    m.l7Drops.inc({ where: 'user' }, Math.max(0, userDrops - this.lastL7PendingDrops));
    // The addon does not say whose calls it dropped: every connection starts over at its next message.
    if (userDrops > this.lastL7PendingDrops) this.requests?.loseAll();
    this.lastL7PendingDrops = userDrops;
    for (const row of rows) for (const group of row.requests ?? []) m.requests.inc({ protocol: group.protocol }, group.requests);
    const stats = this.requests?.stats();
    if (!stats) return;
    m.l7Streams.set(stats.streams);
    const totals: Record<string, number> = {
      desync: stats.desyncs,
      orphan_response: stats.orphanResponses,
      pipeline_overflow: stats.pipelineOverflows,
      headers_unseen: stats.headersUnseen,
      upgrade: stats.upgrades,
      requests_lost: stats.requestsLost,
      framing_lost: stats.framingLost,
      framing_resync: stats.framingResyncs,
      hpack_lost: stats.hpackLost,
      stream_overflow: stats.streamOverflows,
      state_unknown: stats.stateUnknown,
      route_overflow: stats.routeOverflows,
      stream_evicted: stats.streamsEvicted,
      unclaimed: stats.requestsUnclaimed,
      duration_capped: stats.durationsCapped,
      kernel_route_unknown: stats.kernelRoutesUnknown,
      kernel_path_evicted: stats.kernelPathEvictions,
      dns_timeout: stats.dnsTimeouts,
      dns_malformed: stats.dnsMalformed,
      dns_pending_overflow: stats.dnsPendingOverflows,
      dns_retransmit: stats.dnsRetransmits,
    };
    for (const [event, total] of Object.entries(totals)) {
      m.l7Parser.inc({ event }, Math.max(0, total - (this.lastParserTotals.get(event) ?? 0)));
      this.lastParserTotals.set(event, total);
    }
  }

  private updateMetrics(socketsTracked: number, rowList: readonly ConnectionRow[]): void {
    const m = this.metrics;
    m.socketsTracked.set(socketsTracked);
    m.rows.inc(rowList.length);
    m.batchSize.observe(rowList.length);
    const counters = this.tracer.readCounters();
    const grew = (index: number): number => Math.max(0, (counters[index] ?? 0) - (this.lastCounters[index] ?? 0));
    m.socketMapFull.inc(grew(layout.counters.socketMapFull));
    m.ringbufDrops.inc(grew(layout.counters.ringbufDrops));
    if (this.requests) this.updateL7Metrics(grew, rowList);
    this.lastCounters = counters;

    const { lostCloses } = this.tracker.stats();
    m.lostCloses.inc(lostCloses - this.lastLostCloses);
    this.lastLostCloses = lostCloses;
    m.rowsDropped.inc(this.sink.dropped - this.lastRowsDropped);
    this.lastRowsDropped = this.sink.dropped;
    m.eventsDropped.inc(this.droppedEvents - this.lastEventsDropped);
    this.lastEventsDropped = this.droppedEvents;

    m.conntrackFlows.set(this.nat.size);
    this.conntrack.forEach((watcher, i) => {
      const overflows = watcher.overflows;
      const last = this.lastConntrackOverflows[i] ?? 0;
      if (overflows > last) {
        m.conntrackOverflows.inc(overflows - last);
        // Events were lost: the table is only right again after a full read.
        this.nat.load(watcher.dump());
        this.lastConntrackOverflows[i] = overflows;
      }
    });
  }

  /** Flushes the partial interval, then detaches everything. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      try {
        this.interval();
      } catch (err) {
        this.log.warn(`last interval failed: ${(err as Error).message}`);
      }
      this.tracer.close();
      for (const watcher of this.conntrack) watcher.close();
      await this.sink.close();
      if (this.metricsServer) {
        const server = this.metricsServer;
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    })();
    return this.stopping;
  }
}
