// SPDX-License-Identifier: GPL-2.0
/* The counters traffic path: nothing runs on send or receive. User space runs
 * these iterators instead (native/ creates one iterator fd per run):
 *   weft_refresh_*        every interval, one walk of the socket map: turns
 *                         the growth of each socket's sequence numbers into
 *                         bytes;
 *   weft_find_owners      when the refresh reports sockets nobody claimed yet
 *                         (a listener's child is made in softirq, so its
 *                         process is unknown until it closes): over every
 *                         task's open files, names the process holding each;
 *   weft_adopt_sockets    once at start-up: tracks the TCP sockets that
 *                         existed before the agent, with their owners.
 * The owner scan and the adoption write one byte to their output per socket
 * they report, so user space learns a count by reading the iterator; the
 * refresh writes its count as a number. */
#include "socket_common.bpf.h"

/* An unclaimed socket asks for this many owner scans at most (one per
 * interval): one still in a listener's accept queue has no file yet, and
 * must not make every interval scan all files of all tasks. */
#define WEFT_MAX_OWNER_SCANS 3

static __always_inline void weft_claim(struct weft_socket *s, struct task_struct *task)
{
	s->tgid = BPF_CORE_READ(task, tgid);
	s->pid = BPF_CORE_READ(task, pid);
	s->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	BPF_CORE_READ_STR_INTO(&s->comm, task, comm);
}

/* The socket behind an open file, or NULL when it is not a TCP socket. */
static __always_inline struct sock *weft_tcp_sock_of(struct file *file)
{
	struct socket *sock;
	struct sock *sk;

	if (!file)
		return NULL;
	sock = bpf_sock_from_file(file);
	if (!sock)
		return NULL;
	sk = BPF_CORE_READ(sock, sk);
	if (!sk || !weft_is_tcp(sk))
		return NULL;
	return sk;
}

/* Brings one entry's byte counters up to date; true when the socket still
 * has no owner and wants an owner scan. */
static __always_inline bool weft_refresh_one(struct weft_socket *s, __u64 key)
{
	const struct sock *sk = (const struct sock *)key;

	/* The entry exists, so the kernel has not destroyed the socket (destroy
	 * deletes it first); TCP sockets are SLAB_TYPESAFE_BY_RCU and the walk
	 * runs under RCU, so at worst a socket destroyed this instant is read as
	 * whatever reuses its memory, into an entry that is already gone. */
	weft_count_sequences(s, sk);
	s->srtt_us = BPF_CORE_READ((const struct tcp_sock *)sk, srtt_us) >> 3;
	if (s->tgid != 0 || s->owner_scans >= WEFT_MAX_OWNER_SCANS)
		return false;
	s->owner_scans++;
	return true;
}

/* The socket map walk, two ways; user space loads the first the kernel
 * accepts (kernels refuse iter/bpf_map_elem under lockdown with the BPF LSM,
 * seen with EPERM, while a task iterator calling bpf_for_each_map_elem loads).
 * Both report the number of sockets that want an owner scan as one __u32. */

/* Called once per entry; the count goes out at the end (ctx->value NULL). */
SEC("iter/bpf_map_elem")
int weft_refresh_map_elem(struct bpf_iter__bpf_map_elem *ctx)
{
	static __u32 unclaimed;
	__u64 *key = ctx->key;
	struct weft_socket *s = ctx->value;

	if (ctx->meta->seq_num == 0)
		unclaimed = 0;
	if (!key || !s) {
		bpf_seq_write(ctx->meta->seq, &unclaimed, sizeof(unclaimed));
		return 0;
	}
	if (weft_refresh_one(s, *key))
		unclaimed++;
	return 0;
}

static long weft_refresh_walk_one(struct bpf_map *map, __u64 *key, struct weft_socket *s, __u32 *unclaimed)
{
	if (weft_refresh_one(s, *key))
		*unclaimed += 1;
	return 0;
}

/* The task is only the way in: one walk per read. User space attaches it to
 * its own thread where the kernel can filter (6.1+); elsewhere it visits
 * every task and only the first does the walk. */
SEC("iter/task")
int weft_refresh_task_walk(struct bpf_iter__task *ctx)
{
	__u32 unclaimed = 0;

	if (!ctx->task || ctx->meta->seq_num != 0)
		return 0;
	bpf_for_each_map_elem(&weft_socks, weft_refresh_walk_one, &unclaimed, 0);
	bpf_seq_write(ctx->meta->seq, &unclaimed, sizeof(unclaimed));
	return 0;
}

SEC("iter/task_file")
int weft_find_owners(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct weft_socket *s;
	struct sock *sk;
	__u64 key;
	__u8 claimed = 1;

	if (!task)
		return 0;
	sk = weft_tcp_sock_of(ctx->file);
	if (!sk)
		return 0;
	key = (__u64)sk;
	s = bpf_map_lookup_elem(&weft_socks, &key);
	if (!s || s->tgid != 0)
		return 0;
	weft_claim(s, task);
	bpf_seq_write(ctx->meta->seq, &claimed, 1);
	return 0;
}

SEC("iter/task_file")
int weft_adopt_sockets(struct bpf_iter__task_file *ctx)
{
	const struct tcp_sock *tp;
	struct task_struct *task = ctx->task;
	struct weft_socket *s;
	struct sock *sk;
	__u8 state;
	__u8 adopted = 1;

	if (!task)
		return 0;
	sk = weft_tcp_sock_of(ctx->file);
	if (!sk)
		return 0;
	state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if (state == WEFT_TCP_LISTEN || state == WEFT_TCP_CLOSE || state == WEFT_TCP_SYN_SENT ||
	    state == WEFT_TCP_SYN_RECV)
		return 0;
	tp = (const struct tcp_sock *)sk;
	s = weft_socket_entry(sk, WEFT_ROLE_UNKNOWN, true);
	if (!s)
		return 0;
	if (!(s->flags & WEFT_F_COUNTING)) {
		/* Count from now; a FIN already exchanged has its number taken. */
		s->sent_seq = BPF_CORE_READ(tp, write_seq);
		s->copied_seq = BPF_CORE_READ(tp, copied_seq);
		if (state == WEFT_TCP_FIN_WAIT1 || state == WEFT_TCP_FIN_WAIT2 || state == WEFT_TCP_CLOSING ||
		    state == WEFT_TCP_LAST_ACK) {
			s->fin_write_seq = s->sent_seq - 1;
			weft_set_flags(s, WEFT_F_FIN_SENT);
		}
		if (state == WEFT_TCP_CLOSE_WAIT || state == WEFT_TCP_CLOSING || state == WEFT_TCP_LAST_ACK) {
			s->fin_rcv_end = BPF_CORE_READ(tp, rcv_nxt);
			weft_set_flags(s, WEFT_F_FIN_RECEIVED);
		}
		weft_set_flags(s, WEFT_F_COUNTING);
		weft_read_endpoints(s, sk);
		weft_read_tcp(s, sk);
		bpf_seq_write(ctx->meta->seq, &adopted, 1);
	}
	if (s->tgid == 0)
		weft_claim(s, task);
	return 0;
}
