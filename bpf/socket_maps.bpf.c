// SPDX-License-Identifier: GPL-2.0
/* The maps and settings every Weft program shares; the other objects declare
 * them extern (socket_common.bpf.h) and `bpftool gen object` links them. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "weft.h"

/* Per-socket state, aggregated in the kernel. Plain hash, not LRU: a full map
 * is counted (WEFT_CNT_SOCKET_MAP_FULL) instead of silently evicting live
 * connections. User space may resize it before load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WEFT_DEFAULT_MAX_SOCKETS);
	__type(key, __u64);
	__type(value, struct weft_socket);
} weft_socks SEC(".maps");

/* Rare events only: open, close (with final counters), listen. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, WEFT_DEFAULT_RINGBUF_BYTES);
} weft_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WEFT_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} weft_counters SEC(".maps");

/* Network namespaces to watch (inode -> 1) when filter_netns is set. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WEFT_MAX_NETNS_FILTER);
	__type(key, __u32);
	__type(value, __u8);
} weft_netns_filter SEC(".maps");

/* L7 capture (l7_capture.bpf.c); created only while it is on. The socket
 * map is a plain hash for the same reason as weft_socks; its entries go with
 * the socket (tcp_destroy_sock). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WEFT_DEFAULT_MAX_SOCKETS);
	__type(key, __u64);
	__type(value, struct weft_l7_socket);
} weft_l7_socks SEC(".maps");

/* Every call of a classified socket: a busier stream than weft_events, so
 * its own ring, and a full one never costs an open or close event. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, WEFT_DEFAULT_RINGBUF_BYTES);
} weft_l7_events SEC(".maps");

/* A call is assembled here (its 1 KiB is more than the BPF stack allows). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct weft_l7_scratch);
} weft_l7_scratch SEC(".maps");

/* Ports and process names L7 capture is limited to (--l7-ports,
 * --l7-processes), each filter on only when its flag is set
 * (l7_common.bpf.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WEFT_L7_MAX_FILTER);
	__type(key, __u16);
	__type(value, __u8);
} weft_l7_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WEFT_L7_MAX_FILTER);
	__type(key, char[16]);
	__type(value, __u8);
} weft_l7_comms SEC(".maps");

/* TLS capture (tls_capture.bpf.c); minimal unless it is on. The threads
 * inside an SSL call, by pid_tgid: LRU, so a thread that never returned
 * (it exited inside the call) cannot fill it for good. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WEFT_TLS_MAX_THREADS);
	__type(key, __u64);
	__type(value, struct weft_tls_thread);
} weft_tls_threads SEC(".maps");

/* SSL * -> its socket. LRU: OpenSSL frees SSL objects without our seeing it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WEFT_DEFAULT_MAX_SOCKETS);
	__type(key, __u64);
	__type(value, struct weft_tls_ssl_socket);
} weft_tls_ssl SEC(".maps");

/* DNS over UDP (l7_capture.bpf.c): the UDP sockets that sent a query. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WEFT_DNS_MAX_UDP_SOCKETS);
	__type(key, __u64);
	__type(value, struct weft_dns_udp_socket);
} weft_dns_udp_socks SEC(".maps");

/* L7 capture: the message index of threads inside sendmmsg/recvmmsg. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WEFT_L7_MAX_MMSG_THREADS);
	__type(key, __u64);
	__type(value, struct weft_l7_mmsg_thread);
} weft_l7_mmsg SEC(".maps");

/* HTTP/1 in the kernel (l7_http1_fast.bpf.h): completed requests by
 * (socket, method, path, status), read and deleted by user space every
 * interval. Not preallocated: its entries are a few per busy socket, its
 * bound is for the worst case; a full map is counted (WEFT_CNT_L7_FAST_AGG_FULL). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WEFT_L7_FAST_MAX_AGGREGATES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct weft_l7_agg_key);
	__type(value, struct weft_l7_agg);
} weft_l7_aggs SEC(".maps");

/* Path hashes whose text went to user space (a WEFT_L7_PATH record): an LRU,
 * so a path forgotten here is only sent again. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WEFT_L7_FAST_MAX_PATHS);
	__type(key, __u64);
	__type(value, __u8);
} weft_l7_paths SEC(".maps");

const volatile __u8 filter_netns = 0;
/* Set by user space: HTTP/1 of fresh plain sockets framed in the kernel. */
const volatile __u8 l7_http1_fast = 0;
const volatile __u8 l7_port_filter = 0;
const volatile __u8 l7_comm_filter = 0;
/* Set by user space when TLS capture is loaded (with L7 capture). */
const volatile __u8 l7_tls = 0;
const volatile __u8 l7_enabled = 0;
/* L7 ring: the consumer is woken only once this many bytes wait (it also
 * reads the ring on a short timer); 0 wakes it at every record. */
const volatile __u32 l7_wakeup_bytes = 0;
/* Threads inside an SSL call (entries made in weft_tls_threads less those
 * deleted; an LRU eviction leaves it higher, never lower): at 0 no send or
 * receive is one of OpenSSL's, and the thread map is not looked up. */
__u64 l7_tls_inside = 0;
const volatile __u8 count_from_seq = 0;

char LICENSE[] SEC("license") = "GPL";
