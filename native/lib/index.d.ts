export class BpfError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly op: string;
  /** libbpf's log of the failed operation (e.g. the verifier output), when there was one. */
  readonly detail?: string;
  /** The BPF program the kernel or libbpf refused, when the log or the message names one. */
  readonly program?: string;
  constructor(op: string, errno: number, message: string, detail?: string);
}
/** 'EPERM' for 1, 'ENOTSUPP' for 524, 'E<n>' when unknown. */
export function errnoName(errno: number): string;

/** counters: no program on send/recv; bytes from each socket's sequence numbers, counted by iterators user space runs (refreshSockets). */
export type TrafficPath = 'counters' | 'tracepoint' | 'fentry' | 'kprobe';
export type SocketWalk = 'map_elem' | 'task';
export interface SocketTracerOptions {
  trafficPath: TrafficPath;     // which traffic programs get autoload=true; the others autoload=false
  /** Counters path: how the socket map is walked each interval: iter/bpf_map_elem, or an iter/task program calling bpf_for_each_map_elem (default map_elem). */
  socketWalk?: SocketWalk;
  maxSockets: number;           // bpf_map__set_max_entries(weft_socks) before load
  ringBufferBytes: number;      // bpf_map__set_max_entries(weft_events) before load (power of two, >= page size; validate in JS)
  netnsInodes: number[] | null; // null: all namespaces; else set rodata filter_netns=1 before load and fill weft_netns_filter after load, BEFORE attach
  /** L7 capture (bpf/l7_capture.bpf.c): its programs are loaded and its ring buffer read. Default false. */
  l7?: boolean;
  /** TLS capture (bpf/tls_capture.bpf.c) with L7 capture: its uprobe programs are loaded, to be attached to each libssl with attachTlsLibrary. Default false. */
  l7Tls?: boolean;
  /** bpf_map__set_max_entries(weft_l7_events) when l7 (power of two, >= page size); default as ringBufferBytes' default. */
  l7RingBufferBytes?: number;
  /** With l7: the kernel wakes the reader only when a quarter of the L7 ring waits, and the ring is also read every 10 ms (false: a wakeup per call). Default true. */
  l7RingBatch?: boolean;
  /** With l7: simple HTTP/1 exchanges of fresh plain sockets are framed and aggregated in the kernel (bpf/l7_http1_fast.bpf.h), read with drainL7Aggregates. Default false. */
  l7Http1Kernel?: boolean;
  /** Only connections with one of these local or remote ports are parsed (null: all); at most constants.maxL7Filter. */
  l7Ports?: number[] | null;
  /** Only calls of processes with one of these names (comm, <= 15 bytes) are parsed (null: all); at most constants.maxL7Filter. */
  l7Processes?: string[] | null;
  /** Test-only: these programs are given to the kernel as the wrong type, so their load is refused (to exercise path fallback). */
  refusePrograms?: string[];
}
export interface RecordLayout {
  socketSize: number; eventSize: number; eventSocketOffset: number; eventTypeOffset: number; eventTsOffset: number;
  socket: Record<'sk'|'created_ns'|'bytes_sent'|'bytes_received'|'cgroup_id'|'srtt_us'|'retransmits'|'resets_sent'|'resets_received'|'tgid'|'pid'|'netns'|'family'|'sport'|'dport'|'role'|'flags'|'state'|'saddr'|'daddr'|'comm', number>; // offsetof each field in struct weft_socket
  counters: { socketMapFull: number; ringbufDrops: number; events: number; sends: number; recvs: number; l7Calls: number; l7Drops: number; l7Gaps: number; l7SocketMapFull: number; l7Untracked: number; l7TlsCalls: number; l7TlsNoSocket: number; l7TlsNoEntry: number; l7DnsUdpCalls: number; l7DnsOtherServer: number; l7DnsSocketMapFull: number;
    l7FastRequests: number; l7FastFallbackMessage: number; l7FastFallbackPipeline: number; l7FastFallbackEarly: number; l7FastFallbackOverrun: number; l7FastAggFull: number; l7FastLost: number; count: number }; // enum weft_counter values, count = WEFT_CNT_MAX
  /** struct weft_l7_call: offsets of its fields, and weft.h's L7 constants. A record is cut after head_len bytes of head. */
  l7Call: Record<'sk'|'created_ns'|'ts_ns'|'tgid'|'pid'|'length'|'head_len'|'tail_len'|'direction'|'protocol'|'flags'|'tail'|'head', number> & {
    headBytes: number; tailBytes: number; directionSend: number; directionRecv: number; directionClosed: number;
    protocolHttp1: number; protocolHttp2: number; protocolDns: number; flagGap: number; flagClassified: number; flagPredates: number; flagAfterLoss: number; flagTls: number; flagUdp: number;
    /** HTTP/1 in the kernel: a path's text (head: struct weft_l7_path, then the bytes), and a request in flight handed to the parser (head: struct weft_l7_handoff). */
    directionPath: number; directionHandoff: number;
  };
  /** struct weft_l7_path (its size: the path's bytes follow) and struct weft_l7_handoff. */
  l7Path: Record<'hash'|'size', number>;
  l7Handoff: Record<'start_ns'|'path_hash'|'body_remaining'|'method'|'role'|'size', number>;
  /**
   * drainL7Aggregates' records: a header of headerSize bytes (sk u64 at 0, created_ns u64 at 8, path_hash u64 at 16,
   * count u32 at 24, status u16 at 28, method u8 at 30, buckets u8 at 31), then `buckets` (index u32, count u32) pairs.
   * Histogram: bucket i < exact is i us; above, subBits bits below the top bit (see bpf/weft.h WEFT_L7_AGG_*).
   * methods: enum weft_http_method.
   */
  l7Aggregate: { headerSize: number; bucketCount: number; exact: number; subBits: number;
    methods: Record<'GET'|'HEAD'|'POST'|'PUT'|'DELETE'|'PATCH'|'OPTIONS'|'TRACE', number> };
  /** struct weft_dns_udp_peer: the flow at the start of a UDP DNS call's head (flagUdp), and its size. */
  dnsUdpPeer: Record<'family'|'sport'|'dport'|'netns'|'cgroup_id'|'saddr'|'daddr'|'comm'|'size', number>;
  eventTypes: { open: number; close: number; listen: number };
  roles: { unknown: number; client: number; server: number };
  flags: { connectFailed: number; established: number; seenOpen: number; counting: number; finSent: number; finReceived: number };
}
export const layout: RecordLayout;
/** Limits the options are validated against, and weft.h's defaults. */
export interface NativeConstants {
  pageSize: number;               // sysconf(_SC_PAGESIZE): ringBufferBytes minimum
  commLength: number;             // WEFT_COMM_LEN
  maxNetnsFilter: number;         // WEFT_MAX_NETNS_FILTER: netnsInodes maximum length
  maxL7Filter: number;            // WEFT_L7_MAX_FILTER: l7Ports / l7Processes maximum length
  defaultMaxSockets: number;      // WEFT_DEFAULT_MAX_SOCKETS
  defaultRingBufferBytes: number; // WEFT_DEFAULT_RINGBUF_BYTES
}
export const constants: NativeConstants;
export type ProbeOutcome = { ok: true } | { ok: false; code: string; errno: number; message: string; log: string };
export interface ProgramProbe {
  name: string;          // the program's name in bpf/ (weft_refresh_sockets, ...)
  section: string;       // its ELF section, which says its type: iter/task, tp_btf/..., kprobe/...
  load: ProbeOutcome;    // loaded alone (every other program left out)
  attach?: ProbeOutcome; // attached alone, when it loaded
}
/** Loads each program of the skeleton alone, then attaches it; never throws for kernel refusals. */
export function probePrograms(): ProgramProbe[];
export class SocketTracer {
  constructor(options: SocketTracerOptions); // open skeleton, configure, load, attach; throws BpfError (op 'open'|'load'|'attach'|'netns_filter'); on failure everything done so far is undone
  readonly batchLookup: boolean;          // whether BPF_MAP_LOOKUP_BATCH works on weft_socks (probe it at construction: an empty map returns ENOENT, which means supported; EINVAL/ENOTSUPP means not)
  /** All values of weft_socks, concatenated struct weft_socket records, read with bpf_map_lookup_batch (chunks until ENOENT; handle ENOSPC by retrying with a bigger chunk) or, if unsupported, bpf_map_get_next_key + lookup. Returns a fresh Buffer (length = n * socketSize). Reuse an internal scratch allocation sized to max_entries. */
  readSockets(): Buffer;
  /** ring_buffer__consume synchronously; returns concatenated struct weft_event records (possibly empty Buffer). */
  drainEvents(): Buffer;
  /** Starts a uv_poll on ring_buffer__epoll_fd(); on readable, consume and call back once with all events read in that wakeup, as one Buffer. No thread per event, no busy loop. Calling again replaces the callback. */
  onEvents(callback: (events: Buffer) => void): void;
  /** L7 calls consumed from the ring so far and not handed over (concatenated struct weft_l7_call records, each cut after head_len bytes of head). */
  drainL7Calls(): Buffer;
  /** Like onEvents, for the L7 calls (same poll); throws BpfError op 'l7' when the tracer was made without l7. */
  onL7Calls(callback: (calls: Buffer) => void): void;
  /**
   * TLS capture: attaches its programs to SSL_write, SSL_read and (when the library has them) SSL_write_ex and
   * SSL_read_ex of the libssl file at `path` (e.g. /proc/PID/root/usr/lib/x86_64-linux-gnu/libssl.so.3); every
   * process mapping that file is covered. Returns how many of the four functions were attached. Throws BpfError op
   * 'tls_attach' when TLS capture is off or the kernel refused (nothing of that library stays attached).
   */
  attachTlsLibrary(path: string): number;
  /** HTTP/1 in the kernel: the aggregate map's entries, read and deleted (records as layout.l7Aggregate says); empty without l7Http1Kernel. Throws BpfError op 'read'. */
  drainL7Aggregates(): Buffer;
  /** L7 calls dropped in user space because nobody took them (more than 16 MiB waiting). */
  readonly l7PendingDrops: number;
  /** weft_counters summed over all possible CPUs (libbpf_num_possible_cpus), one number per index 0..count-1 (values fit in double). */
  readCounters(): number[];
  /** Kernel ids of the maps (bpf_map_get_info_by_fd), so tests can inspect them with bpftool. */
  mapIds(): { sockets: number; events: number; counters: number };
  /** Counters path: runs the socket map iterator, which turns each socket's sequence growth into bytes (do it before readSockets). Returns how many tracked sockets still have no owning process and want findOwners(). 0 on other paths. */
  refreshSockets(): number;
  /** Counters path: scans every task's open files and names the process of each tracked socket that has none. Returns how many it named. */
  findOwners(): number;
  /** Counters path: tracks the TCP sockets that some process holds and that are not tracked yet (those that predate the tracer), from now on, with their owners. Returns how many. */
  adoptSockets(): number;
  /** Stops polling, detaches and destroys the skeleton. Idempotent. Also happens at process exit (napi env cleanup hook). */
  close(): void;
}
export interface ConntrackFlow {
  family: 4 | 6;
  origSrc: string; origSrcPort: number; origDst: string; origDstPort: number;   // the tuple as the client sent it (e.g. client -> service VIP)
  replySrc: string; replySrcPort: number; replyDst: string; replyDstPort: number; // the reply tuple (the backend that actually answered -> client or SNAT address)
}
export interface ConntrackEvent extends ConntrackFlow { type: 'new' | 'update' | 'destroy' }
export interface ConntrackWatcherOptions {
  /** Also subscribe to UPDATE events (every TCP state change: several per connection). Default false. */
  updates?: boolean;
  /** Event socket receive buffer (SO_RCVBUFFORCE); default 8 MiB; 0 keeps the system default. */
  receiveBufferBytes?: number;
  /** Watch the conntrack table of this network namespace (/run/netns/NAME, /proc/PID/ns/net) instead of the caller's own; entering it needs CAP_SYS_ADMIN. */
  netnsPath?: string;
}
/** Conntrack of the calling process's own network namespace, TCP only, over netlink (libnetfilter_conntrack or libmnl). Needs CAP_NET_ADMIN: throw BpfError op 'conntrack_open' with code EPERM otherwise. */
export class ConntrackWatcher {
  /** Opens and subscribes the event socket at once (that is the permission check); events queue in the kernel until onEvents(). */
  constructor(options?: ConntrackWatcherOptions);
  dump(): ConntrackFlow[];                 // full table dump (IPv4 and IPv6, TCP), synchronous, on its own netlink socket
  /** Subscribe to NEW and DESTROY (and UPDATE if cheap) events; uv_poll on the socket fd (non-blocking); each wakeup delivers one array. On ENOBUFS (the kernel dropped events) increment `overflows` and keep going (TS will re-dump). */
  onEvents(callback: (events: ConntrackEvent[]) => void): void;
  /** The events queued on the event socket right now, read synchronously (the poll may not have run since the kernel queued them). */
  drain(): ConntrackEvent[];
  readonly overflows: number;
  close(): void;                           // idempotent; also at env cleanup
}
