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
 * call carries it. Loaded only while L7 capture is on. */
#include "socket_common.bpf.h"

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

/* Ports and process names L7 capture is limited to (--l7-ports,
 * --l7-processes), each filter on only when its flag is set; a connection
 * outside them is marked not to parse at its first call, so it costs one
 * map lookup per call from then on. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WEFT_L7_MAX_FILTER);
	__type(key, __u16);
	__type(value, __u8);
} weft_l7_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WEFT_L7_MAX_FILTER);
	__type(key, char[16]);
	__type(value, __u8);
} weft_l7_comms SEC(".maps");

const volatile __u8 l7_port_filter = 0;
const volatile __u8 l7_comm_filter = 0;

/* Whether the filters let this socket's calls (made by the current task) be parsed. */
static __always_inline bool weft_l7_wanted(const struct weft_socket *s)
{
	char comm[16] = {};
	__u16 port;

	if (l7_port_filter) {
		port = s->sport;
		if (!bpf_map_lookup_elem(&weft_l7_ports, &port)) {
			port = s->dport;
			if (!bpf_map_lookup_elem(&weft_l7_ports, &port))
				return false;
		}
	}
	if (l7_comm_filter) {
		bpf_get_current_comm(comm, sizeof(comm));
		if (!bpf_map_lookup_elem(&weft_l7_comms, comm))
			return false;
	}
	return true;
}

/* Where a call's bytes are: the first buffer (and how much of the call it
 * holds) and the buffer holding its last byte. */
struct weft_l7_buffers {
	const __u8 *first;
	__u64 first_len;
	const __u8 *last; /* the call's last byte is last[last_len - 1] */
	__u64 last_len;
};

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

/* Finds the buffers of an iovec array for a call of `bytes` bytes. */
static __always_inline bool weft_l7_iovecs(const struct iovec *iov, __u64 count, __u64 bytes,
					   struct weft_l7_buffers *out)
{
	struct iovec v;
	__u64 seen = 0;

	for (int i = 0; i < WEFT_L7_MAX_IOVECS; i++) {
		if (i >= count)
			break;
		if (bpf_probe_read_user(&v, sizeof(v), iov + i))
			return false;
		if (i == 0) {
			out->first = v.iov_base;
			out->first_len = v.iov_len < bytes ? v.iov_len : bytes;
		}
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
	return out->first != NULL;
}

/* The user buffers of the call in progress, false when they are unknown. */
static __always_inline bool weft_l7_locate(const struct sock *sk, bool sending, __u64 bytes,
					   struct weft_l7_buffers *out)
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
		out->first = out->last = (const __u8 *)arg;
		out->first_len = out->last_len = bytes;
		return true;
	}
	if (nr == WEFT_NR_WRITEV || nr == WEFT_NR_READV)
		return weft_l7_iovecs((const struct iovec *)arg, PT_REGS_PARM3_CORE_SYSCALL(regs), bytes, out);
	if (bpf_probe_read_user(&msg, sizeof(msg), (const void *)arg))
		return false;
	return weft_l7_iovecs(msg.msg_iov, msg.msg_iovlen, bytes, out);
}

static __always_inline bool weft_l7_starts(const __u8 *h, const char *word, int n)
{
	for (int i = 0; i < n; i++)
		if (h[i] != word[i])
			return false;
	return true;
}

/* HTTP/1: a request line's method and space, or a status line's version. */
static __always_inline __u8 weft_l7_classify(const __u8 *h, __u32 len)
{
	if (len < 8)
		return WEFT_L7_UNCLASSIFIED;
	if (weft_l7_starts(h, "HTTP/1.", 7) || weft_l7_starts(h, "GET ", 4) || weft_l7_starts(h, "POST ", 5) ||
	    weft_l7_starts(h, "PUT ", 4) || weft_l7_starts(h, "HEAD ", 5) || weft_l7_starts(h, "DELETE ", 7) ||
	    weft_l7_starts(h, "PATCH ", 6) || weft_l7_starts(h, "OPTIONS ", 8) || weft_l7_starts(h, "CONNECT ", 8) ||
	    weft_l7_starts(h, "TRACE ", 6))
		return WEFT_L7_HTTP1;
	return WEFT_L7_UNCLASSIFIED;
}

static __always_inline void weft_l7_capture(const struct sock *sk, long ret, bool sending)
{
	__u64 key = (__u64)sk;
	__u32 zero = 0;
	struct weft_socket *s;
	struct weft_l7_socket *l;
	struct weft_l7_socket fresh = {};
	struct weft_l7_call *c;
	struct weft_l7_buffers b = {};
	__u64 pid_tgid;
	__u32 head_len = 0;
	__u32 tail_len = 0;
	__u32 size;
	__u8 classified;
	__u8 protocol;

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
	if (l && l->created_ns == s->created_ns && l->protocol == WEFT_L7_NONE)
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
	c = bpf_map_lookup_elem(&weft_l7_scratch, &zero);
	if (!c)
		return;
	if (weft_l7_locate(sk, sending, ret, &b)) {
		head_len = b.first_len < WEFT_L7_HEAD_BYTES ? b.first_len : WEFT_L7_HEAD_BYTES;
		if (bpf_probe_read_user(c->head, head_len, b.first))
			head_len = 0;
		if (b.last) {
			tail_len = b.last_len < WEFT_L7_TAIL_BYTES ? b.last_len : WEFT_L7_TAIL_BYTES;
			if (bpf_probe_read_user(c->tail, tail_len, b.last + b.last_len - tail_len))
				tail_len = 0;
		}
	}
	if (!l || l->created_ns != s->created_ns || l->protocol == WEFT_L7_UNCLASSIFIED) {
		classified = weft_l7_classify(c->head, head_len);
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
	pid_tgid = bpf_get_current_pid_tgid();
	c->sk = key;
	c->created_ns = s->created_ns;
	c->ts_ns = bpf_ktime_get_ns();
	c->tgid = pid_tgid >> 32;
	c->pid = (__u32)pid_tgid;
	c->length = ret;
	c->head_len = head_len;
	c->tail_len = tail_len;
	c->direction = sending ? WEFT_L7_SEND : WEFT_L7_RECV;
	c->protocol = protocol;
	c->pad = 0;
	c->pad2 = 0;
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
