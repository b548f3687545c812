import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The agent's own health, exposed on --metrics-addr. */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly socketsTracked = new Gauge({ name: 'weft_agent_sockets_tracked', help: 'Entries in the kernel socket map at the last read', registers: [this.registry] });
  readonly socketMapFull = new Counter({ name: 'weft_agent_socket_map_full_total', help: 'Sockets not tracked because the kernel socket map was full', registers: [this.registry] });
  readonly ringbufDrops = new Counter({ name: 'weft_agent_ringbuf_drops_total', help: 'Kernel events lost because the ring buffer was full', registers: [this.registry] });
  readonly events = new Counter({ name: 'weft_agent_events_total', help: 'Kernel events read, by type', labelNames: ['type'] as const, registers: [this.registry] });
  readonly eventsDropped = new Counter({ name: 'weft_agent_events_dropped_total', help: 'Kernel events dropped in user space because too many waited for the next interval', registers: [this.registry] });
  readonly socketsAdopted = new Counter({ name: 'weft_agent_sockets_adopted_total', help: 'Sockets that predate the agent, tracked from start-up (counters path)', registers: [this.registry] });
  readonly ownerScans = new Counter({ name: 'weft_agent_owner_scans_total', help: 'Scans of all open files to name the process of new server sockets (counters path)', registers: [this.registry] });
  readonly lostCloses = new Counter({ name: 'weft_agent_lost_closes_total', help: 'Sockets that left the map without a close event', registers: [this.registry] });
  readonly rows = new Counter({ name: 'weft_agent_rows_total', help: 'Connection rows produced', registers: [this.registry] });
  readonly rowsDropped = new Counter({ name: 'weft_agent_rows_dropped_total', help: 'Connection rows dropped because the sink could not keep up', registers: [this.registry] });
  readonly batchSize = new Histogram({ name: 'weft_agent_batch_rows', help: 'Rows per interval batch', buckets: [0, 1, 10, 100, 1000, 10_000, 100_000], registers: [this.registry] });
  readonly readSeconds = new Histogram({ name: 'weft_agent_map_read_seconds', help: 'Time to read and decode the socket map', buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25], registers: [this.registry] });
  readonly intervalSeconds = new Histogram({ name: 'weft_agent_interval_work_seconds', help: 'Time spent on one interval (read, delta, enrich, sink)', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: [this.registry] });
  readonly conntrackFlows = new Gauge({ name: 'weft_agent_conntrack_nat_flows', help: 'Translated conntrack flows held', registers: [this.registry] });
  readonly conntrackOverflows = new Counter({ name: 'weft_agent_conntrack_overflows_total', help: 'Times the kernel dropped conntrack events (table re-read after each)', registers: [this.registry] });
  readonly conntrackEvictions = new Counter({ name: 'weft_agent_conntrack_evictions_total', help: 'NAT flows evicted because the table was full', registers: [this.registry] });
  readonly l7Calls = new Counter({ name: 'weft_agent_l7_calls_total', help: 'Sends and receives of classified connections the kernel copied for request parsing', registers: [this.registry] });
  readonly l7Drops = new Counter({ name: 'weft_agent_l7_drops_total', help: 'L7 calls lost, by where: ring (the kernel L7 ring buffer was full) or user (too many waited in the agent)', labelNames: ['where'] as const, registers: [this.registry] });
  readonly l7Gaps = new Counter({ name: 'weft_agent_l7_gaps_total', help: 'L7 calls whose bytes could not be read (io_uring, sendfile): their length only', registers: [this.registry] });
  readonly l7SocketMapFull = new Counter({ name: 'weft_agent_l7_socket_map_full_total', help: 'Connections not classified for request parsing because the kernel L7 socket map was full', registers: [this.registry] });
  readonly l7Untracked = new Counter({ name: 'weft_agent_l7_untracked_total', help: 'Calls on sockets the socket map did not hold (yet)', registers: [this.registry] });
  readonly l7DecodeErrors = new Counter({ name: 'weft_agent_l7_decode_errors_total', help: 'L7 call buffers the agent could not decode (a kernel/agent build mismatch)', registers: [this.registry] });
  readonly requests = new Counter({ name: 'weft_agent_requests_total', help: 'Requests reported in rows, by protocol', labelNames: ['protocol'] as const, registers: [this.registry] });
  readonly l7Parser = new Counter({ name: 'weft_agent_l7_parser_total', help: 'What the request parsers could not follow, by event: desync, orphan_response, pipeline_overflow, headers_unseen, upgrade, requests_lost (calls of their connection lost, or HTTP/2 framing lost), framing_lost (HTTP/2: a frame header outside the copied bytes), framing_resync (HTTP/2 framing found again), hpack_lost (HTTP/2: HPACK state of a direction given up), stream_overflow (HTTP/2: streams beyond the bound per connection), state_unknown (requests reported with method, route or outcome unknown), route_overflow, stream_evicted, unclaimed, duration_capped, dns_timeout (DNS queries unanswered within 5 s, reported as errors), dns_malformed (messages without a readable header), dns_pending_overflow (queries beyond the bound waiting on one socket), dns_retransmit (a query sent again with a waiting id), kernel_route_unknown (requests framed in the kernel whose path text was lost: reported as {unknown}), kernel_path_evicted (kernel path texts forgotten, the table full)', labelNames: ['event'] as const, registers: [this.registry] });
  readonly l7KernelRequests = new Counter({ name: 'weft_agent_l7_kernel_requests_total', help: 'HTTP/1 requests framed, timed and counted in the kernel (each end of a connection counts its own; also in weft_agent_requests_total)', registers: [this.registry] });
  readonly l7KernelFallbacks = new Counter({ name: 'weft_agent_l7_kernel_fallbacks_total', help: 'HTTP/1 connections that left the kernel\'s framing for the per-call parser, by reason: message (a message it does not frame: chunked, 1xx, upgrade, no Content-Length on a response, head not whole in the first 512 bytes, two messages in one call, a path over 128 bytes), pipelined (a request before the last was answered), early_response (a response before its request was whole), overrun (a call past its message\'s end)', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly l7KernelDropped = new Counter({ name: 'weft_agent_l7_kernel_dropped_total', help: 'HTTP/1 requests the kernel framed and could not report, by reason: map_full (its aggregate map was full), lost (its framing was lost at an overrun)', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly l7TlsCalls = new Counter({ name: 'weft_agent_l7_tls_calls_total', help: 'TLS capture: SSL_read/SSL_write calls whose plaintext the kernel copied for request parsing (also in weft_agent_l7_calls_total)', registers: [this.registry] });
  readonly l7TlsDropped = new Counter({ name: 'weft_agent_l7_tls_dropped_total', help: 'TLS capture: plaintext calls not sent, by reason: no_socket (the SSL object\'s socket unknown: no send or receive inside the call and none remembered; never guessed), no_entry (the call\'s entry state was not kept: thread map full)', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly l7TlsLibraries = new Gauge({ name: 'weft_agent_l7_tls_libraries', help: 'TLS capture: distinct libssl files the agent attached to (each covers every process mapping it)', registers: [this.registry] });
  readonly l7TlsAttachFailures = new Counter({ name: 'weft_agent_l7_tls_attach_failures_total', help: 'TLS capture: libssl files the kernel refused the uprobes on (each said once), or left out beyond the bound', registers: [this.registry] });
  readonly l7TlsOn = new Gauge({ name: 'weft_agent_l7_tls_capture', help: 'TLS capture: 1 while its programs are loaded, 0 when off (--l7-tls off, --l7 off, or refused by the kernel: the agent said why at start)', registers: [this.registry] });
  readonly l7DnsUdpCalls = new Counter({ name: 'weft_agent_l7_dns_udp_calls_total', help: 'DNS over UDP: datagrams (queries and responses) the kernel copied for request parsing (DNS over TCP is in weft_agent_l7_calls_total)', registers: [this.registry] });
  readonly l7DnsDropped = new Counter({ name: 'weft_agent_l7_dns_dropped_total', help: 'DNS over UDP: queries not captured, by reason: other_server (the socket already reports a flow to another server), socket_map_full (its socket\'s entry could not be made)', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly udpFlows = new Gauge({ name: 'weft_agent_udp_flows', help: 'DNS over UDP: flows (a socket and its server) reported as connections', registers: [this.registry] });
  readonly udpFlowsEvicted = new Counter({ name: 'weft_agent_udp_flows_evicted_total', help: 'DNS over UDP: flows closed early because the flow table was full', registers: [this.registry] });
  readonly dnsNames = new Gauge({ name: 'weft_agent_dns_names', help: 'Addresses the node\'s DNS answers name (external endpoints by name)', registers: [this.registry] });
  readonly dnsNameEvictions = new Counter({ name: 'weft_agent_dns_name_evictions_total', help: 'DNS answers dropped from the name cache before their TTL ran out (the cache was full)', registers: [this.registry] });
  readonly l7Streams = new Gauge({ name: 'weft_agent_l7_streams', help: 'Connections being parsed for requests', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'weft_agent_' });
  }
}
