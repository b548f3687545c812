/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the Weft programs: which sockets we watch, how an entry
 * is made and refreshed, how events and counters are written. Kernel memory
 * is read only through CO-RE so one object runs on every BTF kernel. */
#ifndef WEFT_SOCKET_COMMON_BPF_H
#define WEFT_SOCKET_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "weft.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define MSG_PEEK 2

/* TCP states (include/net/tcp_states.h); not in BTF as an enum we can rely on. */
#define WEFT_TCP_ESTABLISHED 1
#define WEFT_TCP_SYN_SENT 2
#define WEFT_TCP_SYN_RECV 3
#define WEFT_TCP_FIN_WAIT1 4
#define WEFT_TCP_CLOSE 7
#define WEFT_TCP_LAST_ACK 9
#define WEFT_TCP_LISTEN 10

extern struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WEFT_DEFAULT_MAX_SOCKETS);
	__type(key, __u64);
	__type(value, struct weft_socket);
} weft_socks SEC(".maps");

extern struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, WEFT_DEFAULT_RINGBUF_BYTES);
} weft_events SEC(".maps");

extern struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WEFT_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} weft_counters SEC(".maps");

extern struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WEFT_MAX_NETNS_FILTER);
	__type(key, __u32);
	__type(value, __u8);
} weft_netns_filter SEC(".maps");

extern const volatile __u8 filter_netns;

static __always_inline void weft_count(__u32 counter)
{
	__u64 *value = bpf_map_lookup_elem(&weft_counters, &counter);

	if (value)
		*value += 1;
}

/* TCP over IPv4/IPv6 only: the send/recv tracepoints fire for every family. */
static __always_inline bool weft_is_tcp(const struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	if (family != AF_INET && family != AF_INET6)
		return false;
	return BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP;
}

static __always_inline __u32 weft_netns_of(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

static __always_inline bool weft_netns_wanted(__u32 netns)
{
	if (!filter_netns)
		return true;
	return bpf_map_lookup_elem(&weft_netns_filter, &netns) != NULL;
}

/* Addresses and ports change until the handshake is done (the source port of
 * a connect() is picked after SYN_SENT is set), so every touch refreshes them,
 * except once the socket is closing: the kernel releases the local port
 * (skc_num reads 0, already before TCP_CLOSE when the time-wait socket takes
 * it over) and we keep what we saw last. */
static __always_inline void weft_read_endpoints(struct weft_socket *s, const struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u16 sport;

	if (BPF_CORE_READ(sk, __sk_common.skc_state) == WEFT_TCP_CLOSE && s->sport != 0)
		return;
	sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (sport == 0 && s->sport != 0)
		return;
	s->family = family;
	s->sport = sport;
	s->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	/* Explicit sizes: BPF_CORE_READ_INTO would read sizeof(*dst), one byte. */
	if (family == AF_INET) {
		bpf_core_read(s->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(s->daddr, 4, &sk->__sk_common.skc_daddr);
	} else {
		bpf_core_read(s->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(s->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

static __always_inline void weft_read_tcp(struct weft_socket *s, const struct sock *sk)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;

	/* srtt_us is kept left-shifted by 3 (tcp_rtt_estimator). */
	s->srtt_us = BPF_CORE_READ(tp, srtt_us) >> 3;
	s->state = BPF_CORE_READ(sk, __sk_common.skc_state);
}

/* Only where we run in the task that owns the socket (syscall context). */
static __always_inline void weft_read_task(struct weft_socket *s)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	s->tgid = pid_tgid >> 32;
	s->pid = (__u32)pid_tgid;
	s->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(s->comm, sizeof(s->comm));
}

/* Finds the entry of sk, making it when `create` says so. A full map is
 * counted and the socket goes untracked; it never fails the caller. */
static __always_inline struct weft_socket *weft_socket_entry(const struct sock *sk, __u8 role,
							      bool create)
{
	__u64 key = (__u64)sk;
	struct weft_socket *s = bpf_map_lookup_elem(&weft_socks, &key);
	struct weft_socket fresh = {};
	__u32 netns;
	long err;

	if (s || !create)
		return s;
	netns = weft_netns_of(sk);
	if (!weft_netns_wanted(netns))
		return NULL;
	fresh.sk = key;
	fresh.created_ns = bpf_ktime_get_ns();
	fresh.netns = netns;
	fresh.role = role;
	err = bpf_map_update_elem(&weft_socks, &key, &fresh, BPF_NOEXIST);
	if (err && err != -17 /* EEXIST: raced with another CPU */) {
		weft_count(WEFT_CNT_SOCKET_MAP_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&weft_socks, &key);
}

static __always_inline void weft_emit(__u32 type, const struct weft_socket *s)
{
	struct weft_event *e = bpf_ringbuf_reserve(&weft_events, sizeof(*e), 0);

	if (!e) {
		weft_count(WEFT_CNT_RINGBUF_DROPS);
		return;
	}
	e->type = type;
	e->pad = 0;
	e->ts_ns = bpf_ktime_get_ns();
	__builtin_memcpy(&e->socket, s, sizeof(*s));
	bpf_ringbuf_submit(e, 0);
	weft_count(WEFT_CNT_EVENTS);
}

/* Shared by the tracepoint and the kprobe/fentry paths: one send or receive
 * of `bytes` application bytes by the current task. */
/* Shared by the tracepoint and the kprobe/fentry paths: one send or receive
 * of `bytes` application bytes by the current task. This runs on every send
 * and receive on the host, so the common case (a socket we already track,
 * used by the same task as last time) costs one hash lookup, one atomic add
 * and two helper calls (measured with kernel.bpf_stats_enabled: about 190 ns
 * per call, of which about 85 ns are the lookup and the add); everything else is read only when it can have changed.
 * Known trade-off: a comm changed by exec/prctl without a new thread keeps the
 * old name until another thread touches the socket. */
static __always_inline void weft_account(const struct sock *sk, long bytes, bool sending)
{
	__u64 key = (__u64)sk;
	struct weft_socket *s;
	__u64 pid_tgid;

	if (bytes <= 0)
		return;
	s = bpf_map_lookup_elem(&weft_socks, &key);
	if (!s) {
		/* Only TCP sockets are ever inserted, so the type checks are
		 * needed on a miss only (UDP, unix, or a socket predating us). */
		if (!weft_is_tcp(sk) || BPF_CORE_READ(sk, __sk_common.skc_state) == WEFT_TCP_LISTEN)
			return;
		/* A socket we did not see open predates the agent: track it from now. */
		s = weft_socket_entry(sk, WEFT_ROLE_UNKNOWN, true);
		if (!s)
			return;
		weft_read_endpoints(s, sk);
		weft_read_tcp(s, sk);
	}
	/* Atomic: two threads may write one socket at once, and bytes must be exact. */
	if (sending)
		__sync_fetch_and_add(&s->bytes_sent, bytes);
	else
		__sync_fetch_and_add(&s->bytes_received, bytes);
	pid_tgid = bpf_get_current_pid_tgid();
	if (s->pid != (__u32)pid_tgid || s->tgid != (pid_tgid >> 32))
		weft_read_task(s);
	/* Ports are final once established; before that (or if the port was
	 * picked late) read them again. */
	if (s->sport == 0)
		weft_read_endpoints(s, sk);
	s->srtt_us = BPF_CORE_READ((const struct tcp_sock *)sk, srtt_us) >> 3;
}

#endif /* WEFT_SOCKET_COMMON_BPF_H */
