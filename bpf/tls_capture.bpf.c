// SPDX-License-Identifier: GPL-2.0
/* TLS capture: the plaintext of OpenSSL's SSL_write/SSL_read and their _ex
 * forms, for request metrics over HTTPS. No kprobe: a uprobe at each
 * function's entry keeps (per thread) the SSL object and the buffer, the
 * send or receive OpenSSL makes inside the call notes its socket
 * (weft_tls_claim in l7_capture.bpf.c, on sock_send_length/sock_recv_length),
 * and a uretprobe at the return reads how many bytes moved and sends the
 * buffer's head and tail as an L7 call of that socket, flagged
 * WEFT_L7F_TLS. The socket is then marked TLS: its own bytes, ciphertext,
 * are never parsed.
 *
 * A read that OpenSSL serves from its own buffer makes no system call: the
 * SSL object's socket, remembered from an earlier call, is used. A call
 * whose socket is known neither way is counted and dropped, never guessed.
 * User space attaches these programs to each libssl it finds mapped
 * (native attachTlsLibrary); loaded only while TLS capture is on. */
#include "l7_common.bpf.h"

static __always_inline int weft_tls_enter(const void *ssl, const void *buf, const void *size_ptr, bool sending)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct weft_tls_thread *old = bpf_map_lookup_elem(&weft_tls_threads, &pid_tgid);
	struct weft_tls_thread t = {};

	t.ssl = (__u64)ssl;
	t.buf = (__u64)buf;
	t.size_ptr = (__u64)size_ptr;
	t.sending = sending;
	/* OpenSSL does not nest these calls: a thread's entry is its current
	 * call. A new entry counts in l7_tls_inside before the thread's own
	 * sends and receives can need it; one left by a call whose return was
	 * missed is overwritten (already counted). */
	if (old) {
		__builtin_memcpy(old, &t, sizeof(t));
		return 0;
	}
	if (bpf_map_update_elem(&weft_tls_threads, &pid_tgid, &t, BPF_NOEXIST)) {
		weft_count(WEFT_CNT_L7_TLS_NO_ENTRY);
		return 0;
	}
	__sync_fetch_and_add(&l7_tls_inside, 1);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(weft_tls_write_enter, const void *ssl, const void *buf, int num)
{
	return weft_tls_enter(ssl, buf, NULL, true);
}

SEC("uprobe")
int BPF_KPROBE(weft_tls_write_ex_enter, const void *ssl, const void *buf, __u64 num, const void *written)
{
	return weft_tls_enter(ssl, buf, written, true);
}

SEC("uprobe")
int BPF_KPROBE(weft_tls_read_enter, const void *ssl, void *buf, int num)
{
	return weft_tls_enter(ssl, buf, NULL, false);
}

SEC("uprobe")
int BPF_KPROBE(weft_tls_read_ex_enter, const void *ssl, void *buf, __u64 num, const void *readbytes)
{
	return weft_tls_enter(ssl, buf, readbytes, false);
}

/* The socket of the call that just returned, with its socket map entry:
 * the one a send or receive inside it touched (remembered for the SSL
 * object), else the SSL object's from an earlier call. NULL when unknown
 * (counted). */
static __always_inline struct weft_socket *weft_tls_socket(const struct weft_tls_thread *t, __u64 *key)
{
	struct weft_tls_ssl_socket link = {};
	struct weft_tls_ssl_socket *known;
	struct weft_socket *s;
	__u64 ssl = t->ssl;

	if (t->sk) {
		*key = t->sk;
		s = bpf_map_lookup_elem(&weft_socks, key);
		if (!s) {
			/* Not TCP, outside the netns filter, or not tracked yet. */
			weft_count(WEFT_CNT_L7_UNTRACKED);
			return NULL;
		}
		link.sk = t->sk;
		link.created_ns = s->created_ns;
		bpf_map_update_elem(&weft_tls_ssl, &ssl, &link, BPF_ANY);
		return s;
	}
	known = bpf_map_lookup_elem(&weft_tls_ssl, &ssl);
	if (!known) {
		weft_count(WEFT_CNT_L7_TLS_NO_SOCKET);
		return NULL;
	}
	*key = known->sk;
	s = bpf_map_lookup_elem(&weft_socks, key);
	/* Closed since, or its address reused by another socket. */
	if (!s || s->created_ns != known->created_ns) {
		weft_count(WEFT_CNT_L7_TLS_NO_SOCKET);
		return NULL;
	}
	return s;
}

/* The socket's L7 entry, made (or started over) as a TLS stream: what the
 * plain path noted of its ciphertext (misses) does not count. */
static __always_inline struct weft_l7_socket *weft_tls_stream(__u64 key, const struct weft_socket *s)
{
	struct weft_l7_socket *l = bpf_map_lookup_elem(&weft_l7_socks, &key);
	struct weft_l7_socket fresh = {};

	if (l && l->created_ns == s->created_ns && l->tls)
		return l;
	fresh.created_ns = s->created_ns;
	fresh.protocol = weft_l7_wanted(s) ? WEFT_L7_UNCLASSIFIED : WEFT_L7_NONE;
	fresh.tls = 1;
	if (bpf_map_update_elem(&weft_l7_socks, &key, &fresh, BPF_ANY)) {
		weft_count(WEFT_CNT_L7_SOCKET_MAP_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&weft_l7_socks, &key);
}

SEC("uretprobe")
int BPF_KRETPROBE(weft_tls_return, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct weft_tls_thread *entry;
	struct weft_tls_thread t;
	struct weft_socket *s;
	struct weft_l7_socket *l;
	struct weft_l7_call *c;
	__u64 bytes = 0;
	__u64 key = 0;
	__u32 head_len;
	__u32 tail_len;
	__u8 classified;
	__u8 flags;
	bool predates;

	entry = bpf_map_lookup_elem(&weft_tls_threads, &pid_tgid);
	if (!entry) {
		weft_count(WEFT_CNT_L7_TLS_NO_ENTRY);
		return 0;
	}
	__builtin_memcpy(&t, entry, sizeof(t));
	if (!bpf_map_delete_elem(&weft_tls_threads, &pid_tgid))
		__sync_fetch_and_sub(&l7_tls_inside, 1);
	/* SSL_read/SSL_write return the bytes moved (<= 0: none, or not yet);
	 * the _ex forms 1 and the bytes in *size_ptr. */
	if (t.size_ptr) {
		if ((int)ret != 1 || bpf_probe_read_user(&bytes, sizeof(bytes), (const void *)t.size_ptr))
			return 0;
	} else {
		if ((int)ret <= 0)
			return 0;
		bytes = (__u32)(int)ret;
	}
	if (bytes == 0 || bytes > 0xffffffffULL)
		return 0;
	s = weft_tls_socket(&t, &key);
	if (!s)
		return 0;
	l = weft_tls_stream(key, s);
	if (!l || l->protocol == WEFT_L7_NONE)
		return 0;
	/* Assembled in the ring itself: a uretprobe can be preempted, and a
	 * per-CPU scratch shared with another task's program would be
	 * overwritten. User space reads only the header and head_len bytes; the
 * record's slack past the head lets the classifier's frame walk read a
 * header at any head offset. */
	c = bpf_ringbuf_reserve(&weft_l7_events, WEFT_TLS_RECORD_BYTES, 0);
	if (!c) {
		weft_count(WEFT_CNT_L7_DROPS);
		l->lost = 1;
		return 0;
	}
	head_len = bytes < WEFT_L7_HEAD_BYTES ? bytes : WEFT_L7_HEAD_BYTES;
	barrier_var(head_len);
	if (head_len > WEFT_L7_HEAD_BYTES || bpf_probe_read_user(c->head, head_len, (const void *)t.buf))
		head_len = 0;
	tail_len = bytes < WEFT_L7_TAIL_BYTES ? bytes : WEFT_L7_TAIL_BYTES;
	barrier_var(tail_len);
	if (tail_len > WEFT_L7_TAIL_BYTES ||
	    bpf_probe_read_user(c->tail, tail_len, (const void *)(t.buf + bytes - tail_len)))
		tail_len = 0;
	predates = !(s->flags & WEFT_F_SEEN_OPEN);
	flags = WEFT_L7F_TLS;
	if (l->protocol == WEFT_L7_UNCLASSIFIED) {
		classified = weft_l7_classify(c->head, head_len, bytes, predates);
		if (classified == WEFT_L7_UNCLASSIFIED) {
			if (++l->misses >= WEFT_L7_MAX_MISSES)
				l->protocol = WEFT_L7_NONE;
			bpf_ringbuf_discard(c, BPF_RB_NO_WAKEUP);
			return 0;
		}
		l->protocol = classified;
		flags |= WEFT_L7F_CLASSIFIED;
	} else if (l->lost) {
		flags |= WEFT_L7F_AFTER_LOSS;
	}
	if (head_len == 0)
		flags |= WEFT_L7F_GAP;
	if (predates)
		flags |= WEFT_L7F_PREDATES;
	c->flags = flags;
	weft_l7_fill(c, key, s->created_ns, bytes, head_len, tail_len, t.sending, l->protocol);
	bpf_ringbuf_submit(c, weft_l7_ring_flags());
	l->lost = 0;
	weft_count(WEFT_CNT_L7_CALLS);
	weft_count(WEFT_CNT_L7_TLS_CALLS);
	if (flags & WEFT_L7F_GAP)
		weft_count(WEFT_CNT_L7_GAPS);
	return 0;
}
