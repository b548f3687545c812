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

const volatile __u8 filter_netns = 0;
const volatile __u8 count_from_seq = 0;

char LICENSE[] SEC("license") = "GPL";
