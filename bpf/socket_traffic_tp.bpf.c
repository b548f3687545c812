// SPDX-License-Identifier: GPL-2.0
/* Application bytes from the sock_send_length/sock_recv_length tracepoints:
 * the per-call path for kernels without kprobes or fentry, where the
 * counters path cannot load.
 * They fire in sock_sendmsg/sock_recvmsg with the bytes the call moved, so
 * they count exactly what the application wrote and read (sendfile included,
 * since 6.5 splices through sock_sendmsg). Receives spliced out of a socket
 * bypass sock_recvmsg; the probe path (tcp_cleanup_rbuf) sees those. */
#include "socket_common.bpf.h"

SEC("tp_btf/sock_send_length")
int BPF_PROG(weft_tp_send, struct sock *sk, int ret, int flags)
{
	weft_account(sk, ret, true);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(weft_tp_recv, struct sock *sk, int ret, int flags)
{
	/* A peek leaves the bytes in the queue: the real read counts them. */
	if (flags & MSG_PEEK)
		return 0;
	weft_account(sk, ret, false);
	return 0;
}
