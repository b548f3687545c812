// SPDX-License-Identifier: GPL-2.0
/* L7 capture: the bytes of each send and receive, for request metrics.
 *
 * No kprobe and no syscall tracepoint: sock_send_length/sock_recv_length fire
 * at the end of sock_sendmsg/sock_recvmsg in the task that made the call, so
 * the system call in progress (its number and arguments, from the task's
 * saved user registers) says where the call's bytes are in user memory: the
 * buffer of read/write/sendto/recvfrom, the iovec of readv/writev, the
 * msghdr of sendmsg/recvmsg. The call's file descriptor must lead to this
 * very socket, or the bytes belong to something else (a kernel-internal
 * send, io_uring, sendfile and splice run outside such a call): those calls
 * are sent as gaps, their length only.
 *
 * A socket is classified on its first calls (HTTP/1 by its request or status
 * line); one that starts no message we know within WEFT_L7_MAX_MISSES calls is
 * left alone, so unclassified traffic costs two lookups per call. Every call
 * of a classified socket goes to user space (head and tail of its buffer),
 * which frames the messages: a response ends with its last byte, whichever
 * call carries it. Loaded only while L7 capture is on.
 *
 * DNS: a TCP connection to or from port 53 is DNS from its first call (the
 * agent frames its length-prefixed messages). A UDP socket is no entry of
 * the socket map: a datagram it sends to port 53 (the sendto/sendmsg
 * address, else the connected peer) makes it an entry of weft_dns_udp_socks,
 * and its datagrams then go to user space with the flow in front of each
 * (struct weft_dns_udp_peer): its receives too, although a recvfrom's source
 * address is not copied out yet when sock_recv_length fires (the agent pairs
 * a response with its query by socket and transaction id).
 *
 * A socket that OpenSSL drives (tls_capture.bpf.c) is never parsed here:
 * its bytes are ciphertext. A call made inside SSL_read/SSL_write notes its
 * socket for the SSL call's return, which sends the plaintext instead. */
#include "l7_common.bpf.h"
#include "l7_http1_fast.bpf.h"

#if defined(__TARGET_ARCH_x86)
#define WEFT_NR_READ 0
#define WEFT_NR_WRITE 1
#define WEFT_NR_READV 19
#define WEFT_NR_WRITEV 20
#define WEFT_NR_SENDTO 44
#define WEFT_NR_RECVFROM 45
#define WEFT_NR_SENDMSG 46
#define WEFT_NR_RECVMSG 47
#define WEFT_NR_RECVMMSG 299
#define WEFT_NR_SENDMMSG 307
#define WEFT_SYSCALL_NR(regs) ((regs)->orig_ax)
#define WEFT_SYSCALL_ARG1(regs) ((regs)->di)
#define WEFT_SYSCALL_ARG2(regs) ((regs)->si)
#define WEFT_SYSCALL_ARG3(regs) ((regs)->dx)
#define WEFT_SYSCALL_ARG5(regs) ((regs)->r8)
#elif defined(__TARGET_ARCH_arm64)
#define WEFT_NR_READ 63
#define WEFT_NR_WRITE 64
#define WEFT_NR_READV 65
#define WEFT_NR_WRITEV 66
#define WEFT_NR_SENDTO 206
#define WEFT_NR_RECVFROM 207
#define WEFT_NR_SENDMSG 211
#define WEFT_NR_RECVMSG 212
#define WEFT_NR_RECVMMSG 243
#define WEFT_NR_SENDMMSG 269
#define WEFT_SYSCALL_NR(regs) ((regs)->syscallno)
#define WEFT_SYSCALL_ARG1(regs) ((regs)->orig_x0)
#define WEFT_SYSCALL_ARG2(regs) ((regs)->regs[1])
#define WEFT_SYSCALL_ARG3(regs) ((regs)->regs[2])
#define WEFT_SYSCALL_ARG5(regs) ((regs)->regs[4])
#else
#error "L7 capture knows the system call numbers of x86_64 and arm64 only"
#endif

/* iovecs looked at to find the one holding a call's last byte. */
#define WEFT_L7_MAX_IOVECS 32

/* Where a call's last byte is (its head is gathered in the scratch). */
struct weft_l7_buffers {
	const __u8 *last; /* the call's last byte is last[last_len - 1] */
	__u64 last_len;
};

/* Appends up to `len` bytes at `from` to the head gathered so far; a piece
 * that cannot be read ends the head (it holds the call's first bytes, in
 * order, or nothing). */
static __always_inline void weft_l7_gather(struct weft_l7_scratch *sc, const __u8 *from, __u64 len)
{
	/* Read back from map memory: the verifier sees an unknown value here. */
	__u32 at = *(volatile __u32 *)&sc->gathered;
	__u64 n = len;

	if (*(volatile __u32 *)&sc->gather_stopped || at >= WEFT_L7_HEAD_BYTES || n == 0)
		return;
	if (n > WEFT_L7_HEAD_BYTES - at)
		n = WEFT_L7_HEAD_BYTES - at;
	/* Each bound alone for the verifier, which does not relate at and n:
	 * at + n stays inside the scratch's head and spill. */
	at &= WEFT_L7_HEAD_BYTES - 1;
	barrier_var(n);
	if (n > WEFT_L7_HEAD_BYTES)
		return;
	if (bpf_probe_read_user(sc->call.head + at, n, from)) {
		*(volatile __u32 *)&sc->gather_stopped = 1;
		return;
	}
	*(volatile __u32 *)&sc->gathered = at + n;
}

/* Whether descriptor fd of the current task is the socket sk: its file is
 * the one of sk's socket. This runs at every call: task and sk are BTF
 * pointers, read by direct loads (a fault reads 0), and only the table's
 * slot, an array the verifier cannot index, through a helper. */
static __always_inline bool weft_l7_fd_is(struct task_struct *task, __u64 fd, const struct sock *sk)
{
	struct socket *sock = sk->sk_socket;
	struct file *want = sock ? sock->file : NULL;
	struct files_struct *files = task->files;
	struct fdtable *fdt = files ? files->fdt : NULL;
	struct file *file = NULL;

	if (!want || !fdt || fd >= fdt->max_fds)
		return false;
	if (bpf_probe_read_kernel(&file, sizeof(file), fdt->fd + fd))
		return false;
	return file == want;
}

/* Finds the buffer of an iovec array holding the last byte of a call of
 * `bytes` bytes, and gathers the call's head from as many iovecs as it
 * takes: writers put one message in several (an HTTP/2 framer each frame,
 * or a frame header and its payload, apart), so the first alone would hide
 * what follows. */
static __always_inline bool weft_l7_iovecs(const struct iovec *iov, __u64 count, __u64 bytes,
					   struct weft_l7_buffers *out, struct weft_l7_scratch *sc)
{
	struct iovec v;
	__u64 seen = 0;

	for (int i = 0; i < WEFT_L7_MAX_IOVECS; i++) {
		if (i >= count)
			break;
		if (bpf_probe_read_user(&v, sizeof(v), iov + i))
			break;
		weft_l7_gather(sc, v.iov_base, v.iov_len < bytes - seen ? v.iov_len : bytes - seen);
		if (seen + v.iov_len >= bytes) {
			out->last = v.iov_base;
			out->last_len = bytes - seen;
			return true;
		}
		seen += v.iov_len;
	}
	/* The last byte lies beyond the iovecs looked at: head only. */
	out->last = NULL;
	out->last_len = 0;
	return true;
}

/* The system call in progress, as far as finding a call's bytes needs it. */
struct weft_l7_syscall {
	long nr;
	__u64 fd;
	__u64 arg;  /* the buffer, iovec, msghdr or mmsghdr vector */
	__u64 arg3; /* the iovec count of readv/writev, the vector length of sendmmsg/recvmmsg */
	__u64 arg5; /* sendto's destination */
	/* sendmsg/recvmsg: its msghdr; sendmmsg/recvmmsg: the vector's entry this message is. */
	const struct user_msghdr *msg;
};

/* Which entry of a sendmmsg/recvmmsg vector the current send or receive is:
 * the kernel sends (receives) them in order, each firing the tracepoint with
 * the call's arguments, so the thread's next index in the same vector is
 * it; another vector, or one whose messages were all seen, starts at 0 (a
 * call retried on the same vector after a partial send would be off: rare).
 * Called once per send or receive, since each advances the index. */
static __always_inline const struct user_msghdr *weft_l7_mmsg_entry(__u64 vec, __u64 vlen, bool sending)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct weft_l7_mmsg_thread *t = bpf_map_lookup_elem(&weft_l7_mmsg, &pid_tgid);
	struct weft_l7_mmsg_thread fresh = {};
	__u32 index = 0;

	if (t && t->vec == vec && t->vlen == vlen && t->sending == sending && t->next < vlen)
		index = t->next;
	/* UIO_MAXIOV: the kernel takes no longer vector. */
	if (index >= 1024)
		return NULL;
	if (t) {
		t->vec = vec;
		t->vlen = vlen;
		t->next = index + 1;
		t->sending = sending;
	} else {
		fresh.vec = vec;
		fresh.vlen = vlen;
		fresh.next = index + 1;
		fresh.sending = sending;
		bpf_map_update_elem(&weft_l7_mmsg, &pid_tgid, &fresh, BPF_ANY);
	}
	return (const struct user_msghdr *)(vec + (__u64)index * sizeof(struct mmsghdr));
}

/* Reads the system call in progress; false when it is none that moves a
 * socket's bytes this way (sendfile, io_uring, a kernel-internal send). */
static __always_inline bool weft_l7_syscall_of(bool sending, struct weft_l7_syscall *sys)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	long nr = WEFT_SYSCALL_NR(regs);

	if (sending ? (nr != WEFT_NR_WRITE && nr != WEFT_NR_SENDTO && nr != WEFT_NR_WRITEV && nr != WEFT_NR_SENDMSG &&
		       nr != WEFT_NR_SENDMMSG)
		    : (nr != WEFT_NR_READ && nr != WEFT_NR_RECVFROM && nr != WEFT_NR_READV && nr != WEFT_NR_RECVMSG &&
		       nr != WEFT_NR_RECVMMSG))
		return false;
	sys->nr = nr;
	sys->fd = WEFT_SYSCALL_ARG1(regs);
	sys->arg = WEFT_SYSCALL_ARG2(regs);
	sys->arg3 = WEFT_SYSCALL_ARG3(regs);
	sys->arg5 = nr == WEFT_NR_SENDTO ? WEFT_SYSCALL_ARG5(regs) : 0;
	sys->msg = NULL;
	if (nr == WEFT_NR_SENDMSG || nr == WEFT_NR_RECVMSG)
		sys->msg = (const struct user_msghdr *)sys->arg;
	else if (nr == WEFT_NR_SENDMMSG || nr == WEFT_NR_RECVMMSG)
		sys->msg = weft_l7_mmsg_entry(sys->arg, sys->arg3, sending);
	return true;
}

/* Gathers the head of the call in progress and finds its last buffer; false
 * when its bytes are unknown. */
static __always_inline bool weft_l7_locate(const struct sock *sk, const struct weft_l7_syscall *sys, __u64 bytes,
					   struct weft_l7_buffers *out, struct weft_l7_scratch *sc)
{
	struct user_msghdr msg;
	long nr = sys->nr;

	if (!weft_l7_fd_is(bpf_get_current_task_btf(), sys->fd, sk))
		return false;
	if (nr == WEFT_NR_WRITE || nr == WEFT_NR_SENDTO || nr == WEFT_NR_READ || nr == WEFT_NR_RECVFROM) {
		weft_l7_gather(sc, (const __u8 *)sys->arg, bytes);
		out->last = (const __u8 *)sys->arg;
		out->last_len = bytes;
		return true;
	}
	if (nr == WEFT_NR_WRITEV || nr == WEFT_NR_READV)
		return weft_l7_iovecs((const struct iovec *)sys->arg, sys->arg3, bytes, out, sc);
	if (!sys->msg || bpf_probe_read_user(&msg, sizeof(msg), sys->msg))
		return false;
	return weft_l7_iovecs(msg.msg_iov, msg.msg_iovlen, bytes, out, sc);
}

/* Reads an IPv4 or IPv6 address of family `family` at `from` (kernel memory)
 * into `to` (16 bytes, IPv4 in the first 4). */
static __always_inline void weft_dns_read_addr(__u8 *to, __u16 family, const struct sock *sk, bool remote)
{
	if (family == AF_INET)
		bpf_core_read(to, 4, remote ? (const void *)&sk->__sk_common.skc_daddr : (const void *)&sk->__sk_common.skc_rcv_saddr);
	else
		bpf_core_read(to, 16, remote ? (const void *)&sk->__sk_common.skc_v6_daddr
					     : (const void *)&sk->__sk_common.skc_v6_rcv_saddr);
}

/* Where the UDP send in progress goes: the address given to sendto/sendmsg
 * (sendmmsg: its message's), else the socket's connected peer. False when
 * it cannot be told (an address of another family, unreadable memory). */
static __always_inline bool weft_dns_send_dest(const struct sock *sk, const struct weft_l7_syscall *sys, __u16 family,
					       __u8 *addr, __u16 *port)
{
	const void *name = NULL;
	struct user_msghdr msg;
	struct sockaddr_in6 sa = {};

	if (sys->nr == WEFT_NR_SENDTO) {
		name = (const void *)sys->arg5;
	} else if (sys->msg) {
		if (bpf_probe_read_user(&msg, sizeof(msg), sys->msg))
			return false;
		name = msg.msg_name;
	}
	if (!name) {
		*port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		weft_dns_read_addr(addr, family, sk, true);
		return true;
	}
	/* The send succeeded, so the kernel took the address as valid: a
	 * sockaddr_in (16 bytes) or at least the RFC 2133 sockaddr_in6 (24). */
	if (bpf_probe_read_user(&sa, sizeof(struct sockaddr_in), name))
		return false;
	if (sa.sin6_family == AF_INET && family == AF_INET) {
		*port = bpf_ntohs(sa.sin6_port);
		__builtin_memcpy(addr, &((struct sockaddr_in *)&sa)->sin_addr, 4);
		return true;
	}
	if (sa.sin6_family != AF_INET6 || family != AF_INET6 || bpf_probe_read_user(&sa, 24, name))
		return false;
	*port = bpf_ntohs(sa.sin6_port);
	__builtin_memcpy(addr, &sa.sin6_addr, 16);
	return true;
}

static __always_inline bool weft_dns_same_addr(const __u8 *a, const __u8 *b)
{
	return *(const __u64 *)a == *(const __u64 *)b && *(const __u64 *)(a + 8) == *(const __u64 *)(b + 8);
}

/* A send or receive of a UDP socket: DNS when it sends to port 53, or
 * receives on a socket that did (see the header). */
static __always_inline void weft_dns_udp(const struct sock *sk, long ret, bool sending)
{
	__u64 key = (__u64)sk;
	__u32 zero = 0;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u16 sport;
	__u16 dport = 0;
	__u64 daddr_words[2] = {}; /* 8-byte aligned: compared a word at a time */
	__u8 *daddr = (__u8 *)daddr_words;
	struct weft_dns_udp_socket *d;
	struct weft_dns_udp_socket fresh = {};
	struct weft_dns_udp_peer *peer;
	struct weft_l7_scratch *scratch;
	struct weft_l7_call *c;
	struct weft_l7_buffers b = {};
	__u32 head_len;
	__u32 netns;
	bool located;
	struct weft_l7_syscall sys = {};
	__u16 peer_port;
	bool known;

	if ((family != AF_INET && family != AF_INET6) || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_UDP)
		return;
	/* A connected socket's peer; 0 when unconnected. */
	peer_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	/* Most UDP traffic ends here, at two reads: a socket connected to
	 * another port sends there (a sendto address on a connected socket is
	 * not looked at). */
	if (sending && peer_port != 0 && peer_port != WEFT_DNS_PORT)
		return;
	sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	d = bpf_map_lookup_elem(&weft_dns_udp_socks, &key);
	/* A freed socket's entry, its sk reused by another socket. */
	if (d && (d->sport != sport || d->family != family))
		d = NULL;
	/* weft_l7_syscall_of once per datagram of a socket that may be DNS,
	 * every one of its datagrams from here on: it steps a
	 * sendmmsg/recvmmsg's index. */
	if (sending) {
		known = weft_l7_syscall_of(true, &sys);
		if (!known || !weft_dns_send_dest(sk, &sys, family, daddr, &dport) || dport != WEFT_DNS_PORT)
			return;
		if (d && (d->dport != dport || !weft_dns_same_addr(d->daddr, daddr))) {
			/* Its flow names another server: this query is not reported as its. */
			weft_count(WEFT_CNT_L7_DNS_OTHER_SERVER);
			return;
		}
	} else {
		if (d) {
			dport = d->dport;
			__builtin_memcpy(daddr, d->daddr, 16);
		} else if (peer_port == WEFT_DNS_PORT) {
			/* Connected to port 53, receiving before it sent (no entry yet). */
			dport = peer_port;
			weft_dns_read_addr(daddr, family, sk, true);
		} else {
			return;
		}
		known = weft_l7_syscall_of(false, &sys);
	}
	netns = weft_netns_of(sk);
	if (!d) {
		if (!weft_netns_wanted(netns) || !weft_l7_wanted_ports(sport, dport))
			return;
		fresh.created_ns = bpf_ktime_get_ns();
		__builtin_memcpy(fresh.daddr, daddr, 16);
		fresh.dport = dport;
		fresh.sport = sport;
		fresh.family = family;
		if (bpf_map_update_elem(&weft_dns_udp_socks, &key, &fresh, BPF_ANY)) {
			weft_count(WEFT_CNT_L7_DNS_SOCKET_MAP_FULL);
			return;
		}
		d = bpf_map_lookup_elem(&weft_dns_udp_socks, &key);
		if (!d)
			return;
	}
	scratch = bpf_map_lookup_elem(&weft_l7_scratch, &zero);
	if (!scratch)
		return;
	c = &scratch->call;
	peer = (struct weft_dns_udp_peer *)c->head;
	__builtin_memset(peer, 0, sizeof(*peer));
	peer->family = family;
	peer->sport = sport;
	peer->dport = dport;
	peer->netns = netns;
	peer->cgroup_id = bpf_get_current_cgroup_id();
	weft_dns_read_addr(peer->saddr, family, sk, false);
	__builtin_memcpy(peer->daddr, daddr, 16);
	bpf_get_current_comm(peer->comm, sizeof(peer->comm));
	scratch->gathered = sizeof(*peer);
	scratch->gather_stopped = 0;
	located = known && weft_l7_locate(sk, &sys, ret, &b, scratch);
	head_len = scratch->gathered < WEFT_L7_HEAD_BYTES ? scratch->gathered : WEFT_L7_HEAD_BYTES;
	c->flags = WEFT_L7F_UDP;
	if (!located || head_len <= sizeof(*peer))
		c->flags |= WEFT_L7F_GAP;
	weft_l7_fill(c, key, d->created_ns, ret, head_len, 0, sending, WEFT_L7_DNS);
	if (bpf_ringbuf_output(&weft_l7_events, c, offsetof(struct weft_l7_call, head) + head_len, weft_l7_ring_flags())) {
		/* A lost datagram leaves its query unanswered or its response
		 * orphaned: the agent's timeout and orphan counts show it, and this. */
		weft_count(WEFT_CNT_L7_DROPS);
		return;
	}
	weft_count(WEFT_CNT_L7_DNS_UDP_CALLS);
}

/* Whether the current thread is inside SSL_read/SSL_write: then sk is the
 * socket of its SSL object, kept for the call's return (the first one the
 * call touched: OpenSSL's socket BIO uses one). */
static __always_inline bool weft_tls_claim(const struct sock *sk)
{
	__u64 pid_tgid;
	struct weft_tls_thread *t;

	/* No thread inside an SSL call: the common case costs no lookup. */
	if (!l7_tls || !*(volatile __u64 *)&l7_tls_inside)
		return false;
	pid_tgid = bpf_get_current_pid_tgid();
	t = bpf_map_lookup_elem(&weft_tls_threads, &pid_tgid);
	if (!t)
		return false;
	if (!t->sk)
		t->sk = (__u64)sk;
	return true;
}

/* Whether a socket classified HTTP/1 by this call is framed in the kernel
 * (l7_http1_fast.bpf.h): a fresh one (its handshake seen), not TLS. */
static __always_inline bool weft_l7_fast_wanted(const struct weft_socket *s, __u8 protocol)
{
	return l7_http1_fast && protocol == WEFT_L7_HTTP1 && (s->flags & WEFT_F_SEEN_OPEN);
}

static __always_inline void weft_l7_capture(const struct sock *sk, long ret, bool sending)
{
	__u64 key = (__u64)sk;
	__u32 zero = 0;
	struct weft_socket *s;
	struct weft_l7_socket *l;
	struct weft_l7_socket fresh = {};
	struct weft_l7_scratch *scratch;
	struct weft_l7_call *c;
	struct weft_l7_buffers b = {};
	struct weft_l7_syscall sys = {};
	enum weft_fast_action fast = WEFT_FAST_PER_CALL;
	__u32 head_len = 0;
	__u32 tail_len = 0;
	__u32 size;
	__u8 classified;
	__u8 protocol;
	bool known;

	/* Inside an OpenSSL call these are its ciphertext (tls_capture.bpf.c
	 * sends the plaintext): noted for it, never parsed. Before the length
	 * test: a read that found nothing still says whose socket it is. */
	if (weft_tls_claim(sk))
		return;
	if (ret <= 0)
		return;
	s = bpf_map_lookup_elem(&weft_socks, &key);
	if (!s) {
		/* Not TCP (UDP may be DNS), or a TCP socket the socket map will hold later. */
		if (weft_is_tcp(sk))
			weft_count(WEFT_CNT_L7_UNTRACKED);
		else
			weft_dns_udp(sk, ret, sending);
		return;
	}
	l = bpf_map_lookup_elem(&weft_l7_socks, &key);
	/* Given up on, or TLS (its handshake and close_notify, outside the SSL
	 * calls, are ciphertext too). */
	if (l && l->created_ns == s->created_ns && (l->protocol == WEFT_L7_NONE || l->tls))
		return;
	if (!l || l->created_ns != s->created_ns) {
		if (!weft_l7_wanted(s)) {
			fresh.created_ns = s->created_ns;
			fresh.protocol = WEFT_L7_NONE;
			if (bpf_map_update_elem(&weft_l7_socks, &key, &fresh, BPF_ANY))
				weft_count(WEFT_CNT_L7_SOCKET_MAP_FULL);
			return;
		}
	} else if (l->fast) {
		/* A body's continuation is framed before any byte is read. */
		fast = weft_fast_before(s, l, ret, sending);
		if (fast == WEFT_FAST_HANDLED)
			return;
	}
	scratch = bpf_map_lookup_elem(&weft_l7_scratch, &zero);
	if (!scratch)
		return;
	/* Kept in map memory across the gathering, which the verifier would
	 * otherwise follow once for each value. */
	*(volatile __u32 *)&scratch->fast_action = fast;
	c = &scratch->call;
	scratch->gathered = 0;
	scratch->gather_stopped = 0;
	scratch->tail_at = 0;
	scratch->tail_avail = 0;
	if (weft_l7_syscall_of(sending, &sys) && weft_l7_locate(sk, &sys, ret, &b, scratch)) {
		head_len = scratch->gathered < WEFT_L7_HEAD_BYTES ? scratch->gathered : WEFT_L7_HEAD_BYTES;
		/* Where the tail is, read only if the call gets a record (in map
		 * memory, like fast_action). A call whose every byte is in the
		 * head has no tail to send: its last bytes are the head's. */
		if (b.last && head_len < ret) {
			scratch->tail_at = (__u64)b.last + b.last_len;
			scratch->tail_avail = b.last_len < WEFT_L7_TAIL_BYTES ? b.last_len : WEFT_L7_TAIL_BYTES;
		}
	}
	fast = *(volatile __u32 *)&scratch->fast_action;
	known = l && l->created_ns == s->created_ns;
	if (!known || l->protocol == WEFT_L7_UNCLASSIFIED) {
		if (weft_l7_dns_port(s))
			classified = head_len >= 2 ? WEFT_L7_DNS : WEFT_L7_UNCLASSIFIED;
		else
			classified = weft_l7_classify(c->head, head_len, ret, !(s->flags & WEFT_F_SEEN_OPEN));
		if (!known) {
			fresh.created_ns = s->created_ns;
			fresh.protocol = classified;
			fresh.misses = classified == WEFT_L7_UNCLASSIFIED;
			fresh.fast = weft_l7_fast_wanted(s, classified);
			if (bpf_map_update_elem(&weft_l7_socks, &key, &fresh, BPF_ANY)) {
				weft_count(WEFT_CNT_L7_SOCKET_MAP_FULL);
				return;
			}
		} else if (classified == WEFT_L7_UNCLASSIFIED) {
			if (++l->misses >= WEFT_L7_MAX_MISSES)
				l->protocol = WEFT_L7_NONE;
		} else {
			l->protocol = classified;
			l->fast = weft_l7_fast_wanted(s, classified);
		}
		if (classified == WEFT_L7_UNCLASSIFIED)
			return;
		/* The first message of a socket framed in the kernel is its too. */
		if (weft_l7_fast_wanted(s, classified)) {
			l = bpf_map_lookup_elem(&weft_l7_socks, &key);
			if (l && l->created_ns == s->created_ns)
				fast = WEFT_FAST_NEEDS_HEAD;
		}
		protocol = classified;
		c->flags = WEFT_L7F_CLASSIFIED;
	} else {
		protocol = l->protocol;
		c->flags = 0;
	}
	/* A message start framed in the kernel needs its head only (none
	 * when its bytes cannot be read: then it is user space's). */
	if (fast == WEFT_FAST_NEEDS_HEAD && l) {
		fast = weft_fast_start(s, l, scratch, ret, (__u64)head_len << 1 | sending);
		if (fast == WEFT_FAST_HANDLED)
			return;
	}
	tail_len = *(volatile __u32 *)&scratch->tail_avail;
	if (tail_len > WEFT_L7_TAIL_BYTES)
		tail_len = WEFT_L7_TAIL_BYTES;
	if (tail_len && bpf_probe_read_user(c->tail, tail_len, (const void *)(scratch->tail_at - tail_len)))
		tail_len = 0;
	if (head_len == 0)
		c->flags |= WEFT_L7F_GAP;
	if (!(s->flags & WEFT_F_SEEN_OPEN))
		c->flags |= WEFT_L7F_PREDATES;
	weft_l7_fill(c, key, s->created_ns, ret, head_len, tail_len, sending, protocol);
	size = offsetof(struct weft_l7_call, head) + head_len;
	if (size > sizeof(*c))
		return;
	/* l is this socket's entry unless the call just classified it. */
	if (!(c->flags & WEFT_L7F_CLASSIFIED) && l && l->lost)
		c->flags |= WEFT_L7F_AFTER_LOSS;
	/* Framing lost in the kernel: the parser resynchronises from here. */
	if (fast == WEFT_FAST_PER_CALL_LOSS)
		c->flags |= WEFT_L7F_AFTER_LOSS;
	if (bpf_ringbuf_output(&weft_l7_events, c, size, weft_l7_ring_flags())) {
		weft_count(WEFT_CNT_L7_DROPS);
		/* The parser must not go on as if nothing was missed. */
		l = bpf_map_lookup_elem(&weft_l7_socks, &key);
		if (l)
			l->lost = 1;
		return;
	}
	if ((c->flags & WEFT_L7F_AFTER_LOSS) && l)
		l->lost = 0;
	weft_count(WEFT_CNT_L7_CALLS);
	if (c->flags & WEFT_L7F_GAP)
		weft_count(WEFT_CNT_L7_GAPS);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(weft_l7_send, struct sock *sk, int ret, int flags)
{
	weft_l7_capture(sk, ret, true);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(weft_l7_recv, struct sock *sk, int ret, int flags)
{
	/* A peek's bytes are read again by the real read. */
	if (flags & MSG_PEEK)
		return 0;
	weft_l7_capture(sk, ret, false);
	return 0;
}
