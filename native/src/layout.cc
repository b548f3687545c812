// The record layout of bpf/weft.h, exported to TypeScript. Offsets come from
// offsetof so TS decodes exactly what the C compiler laid out; the
// static_asserts make any change to weft.h (or a host ABI that pads it
// differently from the BPF target) a build failure instead of garbage.
#include <linux/types.h>
#include <unistd.h>

#include <cstddef>

#include "common.h"
#include "weft.h"

namespace weft_native {

static_assert(sizeof(struct weft_socket) == 144, "weft_socket size changed: update TS consumers");
static_assert(offsetof(struct weft_socket, sk) == 0, "weft_socket.sk");
static_assert(offsetof(struct weft_socket, created_ns) == 8, "weft_socket.created_ns");
static_assert(offsetof(struct weft_socket, bytes_sent) == 16, "weft_socket.bytes_sent");
static_assert(offsetof(struct weft_socket, bytes_received) == 24, "weft_socket.bytes_received");
static_assert(offsetof(struct weft_socket, cgroup_id) == 32, "weft_socket.cgroup_id");
static_assert(offsetof(struct weft_socket, srtt_us) == 40, "weft_socket.srtt_us");
static_assert(offsetof(struct weft_socket, retransmits) == 44, "weft_socket.retransmits");
static_assert(offsetof(struct weft_socket, resets_sent) == 48, "weft_socket.resets_sent");
static_assert(offsetof(struct weft_socket, resets_received) == 52, "weft_socket.resets_received");
static_assert(offsetof(struct weft_socket, tgid) == 56, "weft_socket.tgid");
static_assert(offsetof(struct weft_socket, pid) == 60, "weft_socket.pid");
static_assert(offsetof(struct weft_socket, netns) == 64, "weft_socket.netns");
static_assert(offsetof(struct weft_socket, family) == 68, "weft_socket.family");
static_assert(offsetof(struct weft_socket, role) == 69, "weft_socket.role");
static_assert(offsetof(struct weft_socket, sport) == 70, "weft_socket.sport");
static_assert(offsetof(struct weft_socket, dport) == 72, "weft_socket.dport");
static_assert(offsetof(struct weft_socket, state) == 74, "weft_socket.state");
static_assert(offsetof(struct weft_socket, owner_scans) == 75, "weft_socket.owner_scans");
static_assert(offsetof(struct weft_socket, flags) == 76, "weft_socket.flags");
static_assert(offsetof(struct weft_socket, saddr) == 80, "weft_socket.saddr");
static_assert(offsetof(struct weft_socket, daddr) == 96, "weft_socket.daddr");
static_assert(offsetof(struct weft_socket, comm) == 112, "weft_socket.comm");
static_assert(offsetof(struct weft_socket, sent_seq) == 128, "weft_socket.sent_seq");
static_assert(offsetof(struct weft_socket, copied_seq) == 132, "weft_socket.copied_seq");
static_assert(offsetof(struct weft_socket, fin_write_seq) == 136, "weft_socket.fin_write_seq");
static_assert(offsetof(struct weft_socket, fin_rcv_end) == 140, "weft_socket.fin_rcv_end");
static_assert(sizeof(((struct weft_socket*)nullptr)->comm) == WEFT_COMM_LEN, "weft_socket.comm length");

static_assert(sizeof(struct weft_event) == 160, "weft_event size changed: update TS consumers");
static_assert(offsetof(struct weft_event, type) == 0, "weft_event.type");
static_assert(offsetof(struct weft_event, ts_ns) == 8, "weft_event.ts_ns");
static_assert(offsetof(struct weft_event, socket) == 16, "weft_event.socket");

static_assert(sizeof(struct weft_l7_call) == 64 + WEFT_L7_HEAD_BYTES, "weft_l7_call size changed: update TS consumers");
static_assert(offsetof(struct weft_l7_call, sk) == 0, "weft_l7_call.sk");
static_assert(offsetof(struct weft_l7_call, created_ns) == 8, "weft_l7_call.created_ns");
static_assert(offsetof(struct weft_l7_call, ts_ns) == 16, "weft_l7_call.ts_ns");
static_assert(offsetof(struct weft_l7_call, tgid) == 24, "weft_l7_call.tgid");
static_assert(offsetof(struct weft_l7_call, pid) == 28, "weft_l7_call.pid");
static_assert(offsetof(struct weft_l7_call, length) == 32, "weft_l7_call.length");
static_assert(offsetof(struct weft_l7_call, head_len) == 36, "weft_l7_call.head_len");
static_assert(offsetof(struct weft_l7_call, tail_len) == 38, "weft_l7_call.tail_len");
static_assert(offsetof(struct weft_l7_call, direction) == 39, "weft_l7_call.direction");
static_assert(offsetof(struct weft_l7_call, protocol) == 40, "weft_l7_call.protocol");
static_assert(offsetof(struct weft_l7_call, flags) == 41, "weft_l7_call.flags");
static_assert(offsetof(struct weft_l7_call, tail) == 48, "weft_l7_call.tail");
static_assert(offsetof(struct weft_l7_call, head) == 64, "weft_l7_call.head");
static_assert(sizeof(struct weft_dns_udp_peer) == 72, "weft_dns_udp_peer size changed: update TS consumers");
static_assert(offsetof(struct weft_dns_udp_peer, saddr) == 24, "weft_dns_udp_peer.saddr");
static_assert(offsetof(struct weft_dns_udp_peer, comm) == 56, "weft_dns_udp_peer.comm");
static_assert(sizeof(struct weft_l7_path) == 8, "weft_l7_path size changed: update TS consumers");
static_assert(sizeof(struct weft_l7_handoff) == 32, "weft_l7_handoff size changed: update TS consumers");
static_assert(sizeof(struct weft_l7_agg_key) == 32, "weft_l7_agg_key size changed");
static_assert(WEFT_TLS_RECORD_BYTES % 8 == 0, "TLS records keep the ring's 8-byte alignment");

namespace {

void SetNumber(Napi::Object o, const char* key, double value) {
  o.Set(key, Napi::Number::New(o.Env(), value));
}

}  // namespace

Napi::Object InitLayout(Napi::Env env, Napi::Object exports) {
  Napi::Object layout = Napi::Object::New(env);
  SetNumber(layout, "socketSize", sizeof(struct weft_socket));
  SetNumber(layout, "eventSize", sizeof(struct weft_event));
  SetNumber(layout, "eventSocketOffset", offsetof(struct weft_event, socket));
  SetNumber(layout, "eventTypeOffset", offsetof(struct weft_event, type));
  SetNumber(layout, "eventTsOffset", offsetof(struct weft_event, ts_ns));

  Napi::Object socket = Napi::Object::New(env);
#define WEFT_FIELD(name) SetNumber(socket, #name, offsetof(struct weft_socket, name))
  WEFT_FIELD(sk);
  WEFT_FIELD(created_ns);
  WEFT_FIELD(bytes_sent);
  WEFT_FIELD(bytes_received);
  WEFT_FIELD(cgroup_id);
  WEFT_FIELD(srtt_us);
  WEFT_FIELD(retransmits);
  WEFT_FIELD(resets_sent);
  WEFT_FIELD(resets_received);
  WEFT_FIELD(tgid);
  WEFT_FIELD(pid);
  WEFT_FIELD(netns);
  WEFT_FIELD(family);
  WEFT_FIELD(sport);
  WEFT_FIELD(dport);
  WEFT_FIELD(role);
  WEFT_FIELD(flags);
  WEFT_FIELD(state);
  WEFT_FIELD(saddr);
  WEFT_FIELD(daddr);
  WEFT_FIELD(comm);
#undef WEFT_FIELD
  layout.Set("socket", socket);

  Napi::Object counters = Napi::Object::New(env);
  SetNumber(counters, "socketMapFull", WEFT_CNT_SOCKET_MAP_FULL);
  SetNumber(counters, "ringbufDrops", WEFT_CNT_RINGBUF_DROPS);
  SetNumber(counters, "events", WEFT_CNT_EVENTS);
  SetNumber(counters, "sends", WEFT_CNT_SENDS);
  SetNumber(counters, "recvs", WEFT_CNT_RECVS);
  SetNumber(counters, "l7Calls", WEFT_CNT_L7_CALLS);
  SetNumber(counters, "l7Drops", WEFT_CNT_L7_DROPS);
  SetNumber(counters, "l7Gaps", WEFT_CNT_L7_GAPS);
  SetNumber(counters, "l7SocketMapFull", WEFT_CNT_L7_SOCKET_MAP_FULL);
  SetNumber(counters, "l7Untracked", WEFT_CNT_L7_UNTRACKED);
  SetNumber(counters, "l7TlsCalls", WEFT_CNT_L7_TLS_CALLS);
  SetNumber(counters, "l7TlsNoSocket", WEFT_CNT_L7_TLS_NO_SOCKET);
  SetNumber(counters, "l7TlsNoEntry", WEFT_CNT_L7_TLS_NO_ENTRY);
  SetNumber(counters, "l7DnsUdpCalls", WEFT_CNT_L7_DNS_UDP_CALLS);
  SetNumber(counters, "l7DnsOtherServer", WEFT_CNT_L7_DNS_OTHER_SERVER);
  SetNumber(counters, "l7DnsSocketMapFull", WEFT_CNT_L7_DNS_SOCKET_MAP_FULL);
  SetNumber(counters, "l7FastRequests", WEFT_CNT_L7_FAST_REQUESTS);
  SetNumber(counters, "l7FastFallbackMessage", WEFT_CNT_L7_FAST_FALLBACK_MESSAGE);
  SetNumber(counters, "l7FastFallbackPipeline", WEFT_CNT_L7_FAST_FALLBACK_PIPELINE);
  SetNumber(counters, "l7FastFallbackEarly", WEFT_CNT_L7_FAST_FALLBACK_EARLY);
  SetNumber(counters, "l7FastFallbackOverrun", WEFT_CNT_L7_FAST_FALLBACK_OVERRUN);
  SetNumber(counters, "l7FastAggFull", WEFT_CNT_L7_FAST_AGG_FULL);
  SetNumber(counters, "l7FastLost", WEFT_CNT_L7_FAST_LOST);
  SetNumber(counters, "count", WEFT_CNT_MAX);
  layout.Set("counters", counters);

  Napi::Object eventTypes = Napi::Object::New(env);
  SetNumber(eventTypes, "open", WEFT_EV_OPEN);
  SetNumber(eventTypes, "close", WEFT_EV_CLOSE);
  SetNumber(eventTypes, "listen", WEFT_EV_LISTEN);
  layout.Set("eventTypes", eventTypes);

  Napi::Object roles = Napi::Object::New(env);
  SetNumber(roles, "unknown", WEFT_ROLE_UNKNOWN);
  SetNumber(roles, "client", WEFT_ROLE_CLIENT);
  SetNumber(roles, "server", WEFT_ROLE_SERVER);
  layout.Set("roles", roles);

  Napi::Object flags = Napi::Object::New(env);
  SetNumber(flags, "connectFailed", WEFT_F_CONNECT_FAILED);
  SetNumber(flags, "established", WEFT_F_ESTABLISHED);
  SetNumber(flags, "seenOpen", WEFT_F_SEEN_OPEN);
  SetNumber(flags, "counting", WEFT_F_COUNTING);
  SetNumber(flags, "finSent", WEFT_F_FIN_SENT);
  SetNumber(flags, "finReceived", WEFT_F_FIN_RECEIVED);
  layout.Set("flags", flags);

  Napi::Object l7 = Napi::Object::New(env);
#define WEFT_L7_FIELD(name) SetNumber(l7, #name, offsetof(struct weft_l7_call, name))
  WEFT_L7_FIELD(sk);
  WEFT_L7_FIELD(created_ns);
  WEFT_L7_FIELD(ts_ns);
  WEFT_L7_FIELD(tgid);
  WEFT_L7_FIELD(pid);
  WEFT_L7_FIELD(length);
  WEFT_L7_FIELD(head_len);
  WEFT_L7_FIELD(tail_len);
  WEFT_L7_FIELD(direction);
  WEFT_L7_FIELD(protocol);
  WEFT_L7_FIELD(flags);
  WEFT_L7_FIELD(tail);
  WEFT_L7_FIELD(head);
#undef WEFT_L7_FIELD
  SetNumber(l7, "headBytes", WEFT_L7_HEAD_BYTES);
  SetNumber(l7, "tailBytes", WEFT_L7_TAIL_BYTES);
  SetNumber(l7, "directionSend", WEFT_L7_SEND);
  SetNumber(l7, "directionRecv", WEFT_L7_RECV);
  SetNumber(l7, "directionClosed", WEFT_L7_CLOSED);
  SetNumber(l7, "protocolHttp1", WEFT_L7_HTTP1);
  SetNumber(l7, "protocolHttp2", WEFT_L7_HTTP2);
  SetNumber(l7, "protocolDns", WEFT_L7_DNS);
  SetNumber(l7, "flagGap", WEFT_L7F_GAP);
  SetNumber(l7, "flagClassified", WEFT_L7F_CLASSIFIED);
  SetNumber(l7, "flagPredates", WEFT_L7F_PREDATES);
  SetNumber(l7, "flagAfterLoss", WEFT_L7F_AFTER_LOSS);
  SetNumber(l7, "flagTls", WEFT_L7F_TLS);
  SetNumber(l7, "flagUdp", WEFT_L7F_UDP);
  SetNumber(l7, "directionPath", WEFT_L7_PATH);
  SetNumber(l7, "directionHandoff", WEFT_L7_HANDOFF);
  layout.Set("l7Call", l7);
  Napi::Object path = Napi::Object::New(env);
  SetNumber(path, "hash", offsetof(struct weft_l7_path, hash));
  SetNumber(path, "size", sizeof(struct weft_l7_path));
  layout.Set("l7Path", path);
  Napi::Object handoff = Napi::Object::New(env);
#define WEFT_HANDOFF_FIELD(name) SetNumber(handoff, #name, offsetof(struct weft_l7_handoff, name))
  WEFT_HANDOFF_FIELD(start_ns);
  WEFT_HANDOFF_FIELD(path_hash);
  WEFT_HANDOFF_FIELD(body_remaining);
  WEFT_HANDOFF_FIELD(method);
  WEFT_HANDOFF_FIELD(role);
#undef WEFT_HANDOFF_FIELD
  SetNumber(handoff, "size", sizeof(struct weft_l7_handoff));
  layout.Set("l7Handoff", handoff);
  Napi::Object aggregate = Napi::Object::New(env);
  SetNumber(aggregate, "headerSize", 32);  // drainL7Aggregates' record header (socket_tracer.cc)
  SetNumber(aggregate, "bucketCount", WEFT_L7_AGG_BUCKETS);
  SetNumber(aggregate, "exact", WEFT_L7_AGG_EXACT);
  SetNumber(aggregate, "subBits", WEFT_L7_AGG_SUB_BITS);
  Napi::Object methods = Napi::Object::New(env);
  SetNumber(methods, "GET", WEFT_HTTP_GET);
  SetNumber(methods, "HEAD", WEFT_HTTP_HEAD);
  SetNumber(methods, "POST", WEFT_HTTP_POST);
  SetNumber(methods, "PUT", WEFT_HTTP_PUT);
  SetNumber(methods, "DELETE", WEFT_HTTP_DELETE);
  SetNumber(methods, "PATCH", WEFT_HTTP_PATCH);
  SetNumber(methods, "OPTIONS", WEFT_HTTP_OPTIONS);
  SetNumber(methods, "TRACE", WEFT_HTTP_TRACE);
  aggregate.Set("methods", methods);
  layout.Set("l7Aggregate", aggregate);
  Napi::Object peer = Napi::Object::New(env);
#define WEFT_PEER_FIELD(name) SetNumber(peer, #name, offsetof(struct weft_dns_udp_peer, name))
  WEFT_PEER_FIELD(family);
  WEFT_PEER_FIELD(sport);
  WEFT_PEER_FIELD(dport);
  WEFT_PEER_FIELD(netns);
  WEFT_PEER_FIELD(cgroup_id);
  WEFT_PEER_FIELD(saddr);
  WEFT_PEER_FIELD(daddr);
  WEFT_PEER_FIELD(comm);
#undef WEFT_PEER_FIELD
  SetNumber(peer, "size", sizeof(struct weft_dns_udp_peer));
  layout.Set("dnsUdpPeer", peer);

  // Limits TS validates options against (the addon itself decides nothing).
  Napi::Object constants = Napi::Object::New(env);
  SetNumber(constants, "pageSize", sysconf(_SC_PAGESIZE));
  SetNumber(constants, "commLength", WEFT_COMM_LEN);
  SetNumber(constants, "maxNetnsFilter", WEFT_MAX_NETNS_FILTER);
  SetNumber(constants, "maxL7Filter", WEFT_L7_MAX_FILTER);
  SetNumber(constants, "defaultMaxSockets", WEFT_DEFAULT_MAX_SOCKETS);
  SetNumber(constants, "defaultRingBufferBytes", WEFT_DEFAULT_RINGBUF_BYTES);

  exports.Set("layout", layout);
  exports.Set("constants", constants);
  return exports;
}

}  // namespace weft_native
