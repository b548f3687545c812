// SPDX-License-Identifier: GPL-2.0
/* Connection lifecycle from the sock tracepoints: who opened a socket (role),
 * when it became usable, when it listened, and its final counters when the
 * kernel destroys it. The close event is what lets a connection that lived
 * less than one poll interval still be reported with exact bytes. */
#include "socket_common.bpf.h"

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(weft_set_state, const struct sock *sk, const int oldstate, const int newstate)
{
	struct weft_socket *s;
	struct weft_socket listen = {};

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;

	if (newstate == WEFT_TCP_LISTEN) {
		listen.netns = weft_netns_of(sk);
		if (!weft_netns_wanted(listen.netns))
			return 0;
		listen.sk = (__u64)sk;
		listen.created_ns = bpf_ktime_get_ns();
		listen.role = WEFT_ROLE_SERVER;
		weft_read_task(&listen);
		weft_read_endpoints(&listen, sk);
		weft_read_tcp(&listen, sk);
		weft_emit(WEFT_EV_LISTEN, &listen);
		return 0;
	}

	if (newstate == WEFT_TCP_SYN_SENT) {
		/* connect(): we are in the caller's task. */
		s = weft_socket_entry(sk, WEFT_ROLE_CLIENT, true);
		if (!s)
			return 0;
		s->role = WEFT_ROLE_CLIENT;
		weft_set_flags(s, WEFT_F_SEEN_OPEN);
		weft_read_task(s);
		weft_read_endpoints(s, sk);
		weft_read_tcp(s, sk);
		return 0;
	}

	if (newstate == WEFT_TCP_ESTABLISHED && oldstate == WEFT_TCP_SYN_RECV) {
		/* A listener's child; runs in softirq, so no task details yet:
		 * the first send or receive fills them in. */
		s = weft_socket_entry(sk, WEFT_ROLE_SERVER, true);
		if (!s)
			return 0;
		s->role = WEFT_ROLE_SERVER;
		weft_set_flags(s, WEFT_F_SEEN_OPEN | WEFT_F_ESTABLISHED);
		if (count_from_seq)
			weft_start_counting(s, sk, false);
		weft_read_endpoints(s, sk);
		weft_read_tcp(s, sk);
		weft_emit(WEFT_EV_OPEN, s);
		return 0;
	}

	s = weft_socket_entry(sk, WEFT_ROLE_UNKNOWN, false);
	if (!s)
		return 0;
	weft_read_endpoints(s, sk);
	weft_read_tcp(s, sk);
	s->state = newstate;
	if (count_from_seq)
		weft_note_fins(s, sk, oldstate, newstate);

	if (newstate == WEFT_TCP_ESTABLISHED && oldstate == WEFT_TCP_SYN_SENT) {
		weft_set_flags(s, WEFT_F_ESTABLISHED);
		if (count_from_seq)
			weft_start_counting(s, sk, true);
		weft_emit(WEFT_EV_OPEN, s);
	} else if (oldstate == WEFT_TCP_SYN_SENT && newstate == WEFT_TCP_CLOSE) {
		/* Refused (RST), unreachable or timed out before the handshake. */
		weft_set_flags(s, WEFT_F_CONNECT_FAILED);
		weft_emit(WEFT_EV_OPEN, s);
	} else if (newstate == WEFT_TCP_FIN_WAIT1 || newstate == WEFT_TCP_LAST_ACK) {
		/* close() or shutdown() by the owner: still its task. */
		weft_read_task(s);
	}
	return 0;
}

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(weft_destroy_sock, struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct weft_socket *s = bpf_map_lookup_elem(&weft_socks, &key);
	struct weft_event *e;

	weft_l7_forget(sk, s);
	if (!s)
		return 0;
	weft_read_endpoints(s, sk);
	weft_read_tcp(s, sk);
	s->state = WEFT_TCP_CLOSE;
	if (count_from_seq)
		weft_count_sequences(s, sk);
	e = bpf_ringbuf_reserve(&weft_events, sizeof(*e), 0);
	if (!e) {
		/* User space notices the entry vanished without its close. */
		weft_count(WEFT_CNT_RINGBUF_DROPS);
		bpf_map_delete_elem(&weft_socks, &key);
		return 0;
	}
	e->type = WEFT_EV_CLOSE;
	e->pad = 0;
	e->ts_ns = bpf_ktime_get_ns();
	__builtin_memcpy(&e->socket, s, sizeof(*s));
	/* Delete before submit: once user space has read the close event the
	 * entry is gone, so a map read after it cannot count the socket twice. */
	bpf_map_delete_elem(&weft_socks, &key);
	bpf_ringbuf_submit(e, 0);
	weft_count(WEFT_CNT_EVENTS);
	return 0;
}
