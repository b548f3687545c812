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
 * A socket that OpenSSL drives (tls_capture.bpf.c) is never parsed here:
 * its bytes are ciphertext. A call made inside SSL_read/SSL_write notes its
 * socket for the SSL call's return, which sends the plaintext instead. */
#include "l7_common.bpf.h"

#if defined(__TARGET_ARCH_x86)
#define WEFT_NR_READ 0
#define WEFT_NR_WRITE 1
#define WEFT_NR_READV 19
#define WEFT_NR_WRITEV 20
#define WEFT_NR_SENDTO 44
#define WEFT_NR_RECVFROM 45
#define WEFT_NR_SENDMSG 46
#define WEFT_NR_RECVMSG 47
#define WEFT_SYSCALL_NR(regs) BPF_CORE_READ(regs, orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define WEFT_NR_READ 63
#define WEFT_NR_WRITE 64
#define WEFT_NR_READV 65
#define WEFT_NR_WRITEV 66
#define WEFT_NR_SENDTO 206
#define WEFT_NR_RECVFROM 207
#define WEFT_NR_SENDMSG 211
#define WEFT_NR_RECVMSG 212
#define WEFT_SYSCALL_NR(regs) BPF_CORE_READ(regs, syscallno)
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

/* Whether descriptor fd of the current task is the socket sk. */
static __always_inline bool weft_l7_fd_is(struct task_struct *task, __u64 fd, const struct sock *sk)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = NULL;
	struct socket *sock;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return false;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_core_read(&file, sizeof(file), fds + fd) || !file)
		return false;
	/* A file that is no socket has other private data: the sk read from it
	 * is then garbage that cannot equal sk. */
	sock = BPF_CORE_READ(file, private_data);
	return sock && BPF_CORE_READ(sock, sk) == sk;
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

/* Gathers the head of the call in progress and finds its last buffer; false
 * when its bytes are unknown. */
static __always_inline bool weft_l7_locate(const struct sock *sk, bool sending, __u64 bytes,
					   struct weft_l7_buffers *out, struct weft_l7_scratch *sc)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	long nr = WEFT_SYSCALL_NR(regs);
	__u64 fd = PT_REGS_PARM1_CORE_SYSCALL(regs);
	__u64 arg = PT_REGS_PARM2_CORE_SYSCALL(regs);
	struct user_msghdr msg;

	if (sending ? (nr != WEFT_NR_WRITE && nr != WEFT_NR_SENDTO && nr != WEFT_NR_WRITEV && nr != WEFT_NR_SENDMSG)
		    : (nr != WEFT_NR_READ && nr != WEFT_NR_RECVFROM && nr != WEFT_NR_READV && nr != WEFT_NR_RECVMSG))
		return false;
	if (!weft_l7_fd_is(task, fd, sk))
		return false;
	if (nr == WEFT_NR_WRITE || nr == WEFT_NR_SENDTO || nr == WEFT_NR_READ || nr == WEFT_NR_RECVFROM) {
		weft_l7_gather(sc, (const __u8 *)arg, bytes);
		out->last = (const __u8 *)arg;
		out->last_len = bytes;
		return true;
	}
	if (nr == WEFT_NR_WRITEV || nr == WEFT_NR_READV)
		return weft_l7_iovecs((const struct iovec *)arg, PT_REGS_PARM3_CORE_SYSCALL(regs), bytes, out, sc);
	if (bpf_probe_read_user(&msg, sizeof(msg), (const void *)arg))
		return false;
	return weft_l7_iovecs(msg.msg_iov, msg.msg_iovlen, bytes, out, sc);
}

/* Whether the current thread is inside SSL_read/SSL_write: then sk is the
 * socket of its SSL object, kept for the call's return (the first one the
 * call touched: OpenSSL's socket BIO uses one). */
static __always_inline bool weft_tls_claim(const struct sock *sk)
{
	__u64 pid_tgid;
	struct weft_tls_thread *t;

	if (!l7_tls)
		return false;
	pid_tgid = bpf_get_current_pid_tgid();
	t = bpf_map_lookup_elem(&weft_tls_threads, &pid_tgid);
	if (!t)
		return false;
	if (!t->sk)
		t->sk = (__u64)sk;
	return true;
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
	__u32 head_len = 0;
	__u32 tail_len = 0;
	__u32 size;
	__u8 classified;
	__u8 protocol;

	/* Inside an OpenSSL call these are its ciphertext (tls_capture.bpf.c
	 * sends the plaintext): noted for it, never parsed. Before the length
	 * test: a read that found nothing still says whose socket it is. */
	if (weft_tls_claim(sk))
		return;
	if (ret <= 0)
		return;
	s = bpf_map_lookup_elem(&weft_socks, &key);
	if (!s) {
		/* Not TCP, or a TCP socket the socket map will hold later. */
		if (weft_is_tcp(sk))
			weft_count(WEFT_CNT_L7_UNTRACKED);
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
	}
	scratch = bpf_map_lookup_elem(&weft_l7_scratch, &zero);
	if (!scratch)
		return;
	c = &scratch->call;
	scratch->gathered = 0;
	scratch->gather_stopped = 0;
	if (weft_l7_locate(sk, sending, ret, &b, scratch)) {
		head_len = scratch->gathered < WEFT_L7_HEAD_BYTES ? scratch->gathered : WEFT_L7_HEAD_BYTES;
		if (b.last) {
			tail_len = b.last_len < WEFT_L7_TAIL_BYTES ? b.last_len : WEFT_L7_TAIL_BYTES;
			if (bpf_probe_read_user(c->tail, tail_len, b.last + b.last_len - tail_len))
				tail_len = 0;
		}
	}
	if (!l || l->created_ns != s->created_ns || l->protocol == WEFT_L7_UNCLASSIFIED) {
		classified = weft_l7_classify(c->head, head_len, ret, !(s->flags & WEFT_F_SEEN_OPEN));
		if (!l || l->created_ns != s->created_ns) {
			fresh.created_ns = s->created_ns;
			fresh.protocol = classified;
			fresh.misses = classified == WEFT_L7_UNCLASSIFIED;
			if (bpf_map_update_elem(&weft_l7_socks, &key, &fresh, BPF_ANY)) {
				weft_count(WEFT_CNT_L7_SOCKET_MAP_FULL);
				return;
			}
		} else if (classified == WEFT_L7_UNCLASSIFIED) {
			if (++l->misses >= WEFT_L7_MAX_MISSES)
				l->protocol = WEFT_L7_NONE;
		} else {
			l->protocol = classified;
		}
		if (classified == WEFT_L7_UNCLASSIFIED)
			return;
		protocol = classified;
		c->flags = WEFT_L7F_CLASSIFIED;
	} else {
		protocol = l->protocol;
		c->flags = 0;
	}
	if (head_len == 0)
		c->flags |= WEFT_L7F_GAP;
	if (!(s->flags & WEFT_F_SEEN_OPEN))
		c->flags |= WEFT_L7F_PREDATES;
	weft_l7_fill(c, key, s, ret, head_len, tail_len, sending, protocol);
	size = offsetof(struct weft_l7_call, head) + head_len;
	if (size > sizeof(*c))
		return;
	/* l is this socket's entry unless the call just classified it. */
	if (!(c->flags & WEFT_L7F_CLASSIFIED) && l && l->lost)
		c->flags |= WEFT_L7F_AFTER_LOSS;
	if (bpf_ringbuf_output(&weft_l7_events, c, size, 0)) {
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
