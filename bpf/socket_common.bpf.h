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
#define IPPROTO_UDP 17
#define MSG_PEEK 2

/* TCP states (include/net/tcp_states.h); not in BTF as an enum we can rely on. */
#define WEFT_TCP_ESTABLISHED 1
#define WEFT_TCP_SYN_SENT 2
#define WEFT_TCP_SYN_RECV 3
#define WEFT_TCP_FIN_WAIT1 4
#define WEFT_TCP_FIN_WAIT2 5
#define WEFT_TCP_TIME_WAIT 6
#define WEFT_TCP_CLOSE 7
#define WEFT_TCP_CLOSE_WAIT 8
#define WEFT_TCP_LAST_ACK 9
#define WEFT_TCP_LISTEN 10
#define WEFT_TCP_CLOSING 11

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

extern struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WEFT_DEFAULT_MAX_SOCKETS);
	__type(key, __u64);
	__type(value, struct weft_l7_socket);
} weft_l7_socks SEC(".maps");

extern struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, WEFT_DEFAULT_RINGBUF_BYTES);
} weft_l7_events SEC(".maps");

extern struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct weft_l7_scratch);
} weft_l7_scratch SEC(".maps");

extern struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WEFT_TLS_MAX_THREADS);
	__type(key, __u64);
	__type(value, struct weft_tls_thread);
} weft_tls_threads SEC(".maps");

extern struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WEFT_DEFAULT_MAX_SOCKETS);
	__type(key, __u64);
	__type(value, struct weft_tls_ssl_socket);
} weft_tls_ssl SEC(".maps");

extern struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WEFT_DNS_MAX_UDP_SOCKETS);
	__type(key, __u64);
	__type(value, struct weft_dns_udp_socket);
} weft_dns_udp_socks SEC(".maps");

extern struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WEFT_L7_MAX_MMSG_THREADS);
	__type(key, __u64);
	__type(value, struct weft_l7_mmsg_thread);
} weft_l7_mmsg SEC(".maps");

extern struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WEFT_L7_FAST_MAX_AGGREGATES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct weft_l7_agg_key);
	__type(value, struct weft_l7_agg);
} weft_l7_aggs SEC(".maps");

extern struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WEFT_L7_FAST_MAX_PATHS);
	__type(key, __u64);
	__type(value, __u8);
} weft_l7_paths SEC(".maps");

extern const volatile __u8 filter_netns;
extern const volatile __u8 l7_http1_fast;
extern const volatile __u8 l7_tls;
/* Set by user space when L7 capture is loaded. */
extern const volatile __u8 l7_enabled;
extern const volatile __u32 l7_wakeup_bytes;
extern __u64 l7_tls_inside;
/* Set by user space for the counters traffic path: bytes come from the
 * socket's sequence numbers (weft_count_sequences), not from send/recv hooks. */
extern const volatile __u8 count_from_seq;

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

/* Flag changes are atomic RMWs (fetch variants, which the BPF memory model
 * makes fully ordered): the same entry is written from softirq (state
 * changes) and from the iterators on another CPU, and a plain |= could undo
 * the other's bit. The full order also publishes the fields written before a
 * flag that says they are valid. */
static __always_inline void weft_set_flags(struct weft_socket *s, __u32 flags)
{
	__sync_fetch_and_or(&s->flags, flags);
}

static __always_inline void weft_clear_flags(struct weft_socket *s, __u32 flags)
{
	__sync_fetch_and_and(&s->flags, ~flags);
}

/* Counters path. A TCP socket already counts what the application moved:
 * write_seq grows by every byte sendmsg queues, copied_seq by every byte
 * recvmsg consumes, and each by one more for a FIN. So instead of a program
 * on every send and receive (about 200 ns each, measured), we note where
 * both streams start at the handshake and turn their growth into bytes once
 * per interval, at state changes and at destroy. Sequence numbers are 32
 * bits: counting at least once a second keeps a socket below 2 GiB/s exact.
 *
 * Where a stream starts is not always where the socket's counters are at
 * the handshake: with TCP Fast Open the client's SYN already carried data
 * (write_seq is past it), and a server may have written and read data before
 * the handshake completed (write_seq and copied_seq past it). So the start of
 * our stream is derived: snd_una - bytes_acked is its first sequence number
 * (the ISN for a client, whose SYN bytes_acked counts; ISN + 1 for a
 * listener's child, made with snd_una past its SYN-ACK); and for a server,
 * rcv_nxt - bytes_received is the peer's first data byte (bytes_received
 * does not count the SYN). A client cannot have read before it is
 * established, so its copied_seq is the start as it stands. */
static __always_inline void weft_start_counting(struct weft_socket *s, const struct sock *sk, bool client)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	__u32 send_start = BPF_CORE_READ(tp, snd_una) - (__u32)BPF_CORE_READ(tp, bytes_acked);

	if (client) {
		s->sent_seq = send_start + 1;
		s->copied_seq = BPF_CORE_READ(tp, copied_seq);
	} else {
		s->sent_seq = send_start;
		s->copied_seq = BPF_CORE_READ(tp, rcv_nxt) - (__u32)BPF_CORE_READ(tp, bytes_received);
	}
	weft_clear_flags(s, WEFT_F_FIN_SENT | WEFT_F_FIN_RECEIVED);
	weft_set_flags(s, WEFT_F_COUNTING);
}

/* Advances *position to target and adds the distance to *total, once even
 * when the interval's iterator and a state change race on two CPUs. */
static __always_inline void weft_count_advance(__u32 *position, __u64 *total, __u32 target)
{
	__u32 from = *(volatile __u32 *)position;
	__u32 delta = target - from;

	if ((__s32)delta <= 0)
		return;
	if (__sync_val_compare_and_swap(position, from, target) == from)
		__sync_fetch_and_add(total, delta);
}

static __always_inline void weft_count_sequences(struct weft_socket *s, const struct sock *sk)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	__u32 flags = *(volatile __u32 *)&s->flags;
	__u32 target;

	if (!(flags & WEFT_F_COUNTING))
		return;
	/* After our FIN nothing more can be written: stop before its number. */
	target = (flags & WEFT_F_FIN_SENT) ? s->fin_write_seq : BPF_CORE_READ(tp, write_seq);
	weft_count_advance(&s->sent_seq, &s->bytes_sent, target);
	/* copied_seq steps over the peer's FIN when the application reads the
	 * end of the stream; that step is not a byte. */
	target = BPF_CORE_READ(tp, copied_seq);
	if ((flags & WEFT_F_FIN_RECEIVED) && target == s->fin_rcv_end)
		target -= 1;
	weft_count_advance(&s->copied_seq, &s->bytes_received, target);
}

/* Notes FINs from a state change (before the change's own FIN takes its
 * sequence number: tcp_send_fin runs after tcp_set_state). */
static __always_inline void weft_note_fins(struct weft_socket *s, const struct sock *sk, int oldstate,
					   int newstate)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;

	if (!(s->flags & WEFT_F_COUNTING))
		return;
	if (!(s->flags & WEFT_F_FIN_SENT) &&
	    (newstate == WEFT_TCP_FIN_WAIT1 || newstate == WEFT_TCP_LAST_ACK)) {
		s->fin_write_seq = BPF_CORE_READ(tp, write_seq);
		weft_set_flags(s, WEFT_F_FIN_SENT);
	}
	/* tcp_fin: ESTABLISHED -> CLOSE_WAIT, FIN_WAIT1 -> CLOSING, and
	 * FIN_WAIT2 -> (time-wait) CLOSE with SOCK_DONE already set. Not
	 * RCV_SHUTDOWN: close() sets it too, and an orphan whose FIN is acked
	 * goes FIN_WAIT2 -> CLOSE (time-wait) before the peer's FIN arrives;
	 * taking that for the FIN made a reader that never read EOF (curl after
	 * Content-Length) one byte short. */
	if (!(s->flags & WEFT_F_FIN_RECEIVED) &&
	    ((oldstate == WEFT_TCP_ESTABLISHED && newstate == WEFT_TCP_CLOSE_WAIT) ||
	     (oldstate == WEFT_TCP_FIN_WAIT1 && newstate == WEFT_TCP_CLOSING) ||
	     (oldstate == WEFT_TCP_FIN_WAIT2 && newstate == WEFT_TCP_CLOSE &&
	      (BPF_CORE_READ(sk, __sk_common.skc_flags) & (1UL << bpf_core_enum_value(enum sock_flags, SOCK_DONE)))))) {
		s->fin_rcv_end = BPF_CORE_READ(tp, rcv_nxt);
		weft_set_flags(s, WEFT_F_FIN_RECEIVED);
	}
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
 * of `bytes` application bytes by the current task. This runs on every send
 * and receive on the host, so the common case (a socket we already track,
 * used by the same task as last time) costs one hash lookup, one atomic add
 * and two helper calls (measured with kernel.bpf_stats_enabled: about 190 ns
 * per call, of which about 85 ns are the lookup and the add); everything
 * else is read only when it can have changed. The counters path avoids even
 * that by running nothing here at all.
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

/* The flags of a write to the L7 ring: a wakeup per record would wake the
 * agent tens of thousands of times a second (an irq_work and a context
 * switch each), so the records batch until l7_wakeup_bytes wait; the agent
 * reads the ring on a timer as well, so none waits longer than its period. */
static __always_inline __u64 weft_l7_ring_flags(void)
{
	if (!l7_wakeup_bytes)
		return 0;
	if (bpf_ringbuf_query(&weft_l7_events, BPF_RB_AVAIL_DATA) >= l7_wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/* HTTP/1 in the kernel (l7_http1_fast.bpf.h): the socket leaves it with a
 * request in flight, which goes to the user-space parser to wait for its
 * response there (or to end unanswered at the close). False when the
 * record was lost (counted, and the socket's next record says so). */
static __always_inline bool weft_l7_handoff(__u64 key, __u64 created_ns, struct weft_l7_socket *l, __u64 body_remaining)
{
	struct weft_l7_call *c;
	struct weft_l7_handoff *h;
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	c = bpf_ringbuf_reserve(&weft_l7_events, offsetof(struct weft_l7_call, head) + sizeof(*h), 0);
	if (!c) {
		weft_count(WEFT_CNT_L7_DROPS);
		l->lost = 1;
		return false;
	}
	__builtin_memset(c, 0, offsetof(struct weft_l7_call, head) + sizeof(*h));
	c->sk = key;
	c->created_ns = created_ns;
	c->ts_ns = bpf_ktime_get_ns();
	c->tgid = pid_tgid >> 32;
	c->pid = (__u32)pid_tgid;
	c->head_len = sizeof(*h);
	c->direction = WEFT_L7_HANDOFF;
	c->protocol = WEFT_L7_HTTP1;
	h = (struct weft_l7_handoff *)c->head;
	h->start_ns = l->start_ns;
	h->path_hash = l->path_hash;
	h->body_remaining = body_remaining;
	h->method = l->method;
	h->role = l->role;
	bpf_ringbuf_submit(c, weft_l7_ring_flags());
	weft_count(WEFT_CNT_L7_CALLS);
	return true;
}

/* L7: a destroyed socket's entry goes, and a classified socket's stream is
 * ended by a record of its own in the L7 ring (after its last call, which
 * an event in the other ring would not be). */
static __always_inline void weft_l7_forget(const struct sock *sk, const struct weft_socket *s)
{
	__u64 key = (__u64)sk;
	struct weft_l7_socket *l;
	struct weft_l7_call *c;

	if (!l7_enabled)
		return;
	l = bpf_map_lookup_elem(&weft_l7_socks, &key);
	if (!l)
		return;
	if (s && l->created_ns == s->created_ns && l->protocol != WEFT_L7_UNCLASSIFIED && l->protocol != WEFT_L7_NONE) {
		/* A request framed in the kernel and not answered: the parser
		 * reports it, unanswered, at the close that follows. */
		if (l->fast && l->phase != WEFT_FAST_IDLE)
			weft_l7_handoff(key, s->created_ns, l, 0);
		c = bpf_ringbuf_reserve(&weft_l7_events, offsetof(struct weft_l7_call, head), 0);
		if (c) {
			__builtin_memset(c, 0, offsetof(struct weft_l7_call, head));
			c->sk = key;
			c->created_ns = s->created_ns;
			c->ts_ns = bpf_ktime_get_ns();
			c->direction = WEFT_L7_CLOSED;
			c->protocol = l->protocol;
			bpf_ringbuf_submit(c, weft_l7_ring_flags());
			weft_count(WEFT_CNT_L7_CALLS);
		} else {
			weft_count(WEFT_CNT_L7_DROPS);
		}
	}
	bpf_map_delete_elem(&weft_l7_socks, &key);
}

#endif /* WEFT_SOCKET_COMMON_BPF_H */
