// SPDX-License-Identifier: GPL-2.0
/* Retransmits and resets, counted on the socket's entry. Only sockets we
 * already track are touched: these fire in softirq, where the current task
 * is unrelated to the socket. */
#include "socket_common.bpf.h"

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(weft_retransmit, const struct sock *sk)
{
	struct weft_socket *s = weft_socket_entry(sk, WEFT_ROLE_UNKNOWN, false);

	if (s)
		__sync_fetch_and_add(&s->retransmits, 1);
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(weft_receive_reset, struct sock *sk)
{
	struct weft_socket *s = weft_socket_entry(sk, WEFT_ROLE_UNKNOWN, false);

	if (s)
		__sync_fetch_and_add(&s->resets_received, 1);
	return 0;
}

/* sk is NULL for resets sent without a socket (a SYN to a closed port);
 * those belong to no connection of this host. */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(weft_send_reset, const struct sock *sk)
{
	struct weft_socket *s;

	if (!sk)
		return 0;
	s = weft_socket_entry(sk, WEFT_ROLE_UNKNOWN, false);
	if (s)
		__sync_fetch_and_add(&s->resets_sent, 1);
	return 0;
}
