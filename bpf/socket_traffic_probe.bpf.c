// SPDX-License-Identifier: GPL-2.0
/* Application bytes from tcp_sendmsg and tcp_cleanup_rbuf, as fexit/fentry
 * (preferred: no pt_regs, cheapest) or kprobe/kretprobe. The agent turns on
 * exactly one of the three traffic paths before load (see
 * apps/agent/src/probes/probePathSelector.ts).
 * tcp_cleanup_rbuf, not tcp_recvmsg: it runs once per read with the number
 * of bytes copied, for recvmsg and splice alike. Known gap: a MSG_PEEK read
 * also passes its bytes here, so a peeking application is over-counted on
 * this path (the tracepoint path skips peeks).
 */
#include "socket_common.bpf.h"

SEC("fexit/tcp_sendmsg")
int BPF_PROG(weft_fexit_tcp_sendmsg, struct sock *sk, struct msghdr *msg, size_t size, int ret)
{
	weft_account(sk, ret, true);
	return 0;
}

SEC("fentry/tcp_cleanup_rbuf")
int BPF_PROG(weft_fentry_tcp_cleanup_rbuf, struct sock *sk, int copied)
{
	weft_account(sk, copied, false);
	return 0;
}

/* kretprobe has no arguments: remember sk per thread at entry. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} weft_sendmsg_args SEC(".maps");

SEC("kprobe/tcp_sendmsg")
int BPF_KPROBE(weft_kprobe_tcp_sendmsg, struct sock *sk)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 skp = (__u64)sk;

	bpf_map_update_elem(&weft_sendmsg_args, &pid_tgid, &skp, BPF_ANY);
	return 0;
}

SEC("kretprobe/tcp_sendmsg")
int BPF_KRETPROBE(weft_kretprobe_tcp_sendmsg, int ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 *skp = bpf_map_lookup_elem(&weft_sendmsg_args, &pid_tgid);

	if (!skp)
		return 0;
	weft_account((const struct sock *)*skp, ret, true);
	bpf_map_delete_elem(&weft_sendmsg_args, &pid_tgid);
	return 0;
}

SEC("kprobe/tcp_cleanup_rbuf")
int BPF_KPROBE(weft_kprobe_tcp_cleanup_rbuf, struct sock *sk, int copied)
{
	weft_account(sk, copied, false);
	return 0;
}
