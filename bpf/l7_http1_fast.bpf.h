/* SPDX-License-Identifier: GPL-2.0 */
/* HTTP/1 framed in the kernel: the simple exchanges of a fresh plain HTTP/1
 * socket (one request, then its response, each framed by Content-Length or
 * having no body, its head whole in the call that starts it) are timed here
 * and counted in weft_l7_aggs by (socket, method, path hash, status), so
 * user space reads a few aggregates an interval instead of a record per call.
 * A call that continues a body only moves the count of bytes to come: its
 * bytes are never read.
 *
 * Each socket is one end: a client sends requests and receives responses,
 * a server the other way round (its role comes from its first request's
 * direction). A socket leaves for the per-call path (l7_capture.bpf.c) for
 * good at the first thing this does not frame, at a message boundary: the
 * call that starts that message is its first per-call record, so the
 * user-space parser starts at a message start; a request still in flight
 * then goes to it first (a WEFT_L7_HANDOFF record) to be answered there.
 *
 * A path's text goes to user space once per new hash (a WEFT_L7_PATH record,
 * remembered in the weft_l7_paths LRU). Included by l7_capture.bpf.c only. */
#ifndef WEFT_L7_HTTP1_FAST_BPF_H
#define WEFT_L7_HTTP1_FAST_BPF_H

#include "l7_common.bpf.h"

#define WEFT_FAST_MASK (WEFT_L7_HEAD_BYTES - 1)
/* Content-Length values beyond this are left to user space (no real body is this long). */
#define WEFT_FAST_MAX_BODY (1ULL << 40)
#define WEFT_E2BIG 7 /* errno: the map is full */
#define WEFT_FNV_OFFSET 0xcbf29ce484222325ULL
#define WEFT_FNV_PRIME 0x100000001b3ULL

/* Newlines looked for in eight bytes of head: header lines are longer. */
#define WEFT_FAST_NEWLINES_PER_WORD 3

/* What the header scan saw (struct weft_l7_scratch.fast_flags). */
#define WEFT_FAST_SAW_LENGTH (1 << 0)
#define WEFT_FAST_SAW_OTHER (1 << 1) /* Transfer-Encoding, Upgrade, a second Content-Length, a bad value */

/* What a call of a socket in the kernel path comes to. */
enum weft_fast_action {
	WEFT_FAST_HANDLED = 0,      /* framed here: no record */
	WEFT_FAST_NEEDS_HEAD = 1,   /* a message starts: its head is to be read and parsed */
	WEFT_FAST_PER_CALL = 2,     /* a per-call record, as for any socket */
	WEFT_FAST_PER_CALL_LOSS = 3, /* a per-call record after framing lost here (WEFT_L7F_AFTER_LOSS) */
};

static const struct weft_l7_agg weft_fast_zero_agg = {};

/* Four bytes of the head from `at`, lower-cased where letters (bit 0x20
 * set: digits and '-' ':' have it already), little-endian. */
static __always_inline __u32 weft_fast_word(const __u8 *h, __u32 at)
{
	return ((__u32)h[at & WEFT_FAST_MASK] | (__u32)h[(at + 1) & WEFT_FAST_MASK] << 8 |
		(__u32)h[(at + 2) & WEFT_FAST_MASK] << 16 | (__u32)h[(at + 3) & WEFT_FAST_MASK] << 24) |
	       0x20202020;
}

#define WEFT_FAST_WORD(a, b, c, d) ((__u32)(a) | (__u32)(b) << 8 | (__u32)(c) << 16 | (__u32)(d) << 24)

/* The value of the Content-Length header whose value starts at `at`:
 * blanks, then digits, then the line's end or blanks. -1 when not that. */
static __always_inline __s64 weft_fast_number(const __u8 *h, __u32 at, __u32 len)
{
	__u64 value = 0;
	int digits = 0;
	__u8 c;

	for (int i = 0; i < 24; i++, at++) {
		if (at >= len)
			return -1;
		c = h[at & WEFT_FAST_MASK];
		if (c >= '0' && c <= '9') {
			if (++digits > 13)
				return -1;
			value = value * 10 + (c - '0');
			continue;
		}
		if (c == ' ' || c == '\t') {
			if (digits == 0)
				continue;
			return value;
		}
		return c == '\r' && digits > 0 ? (__s64)value : -1;
	}
	return -1;
}

/* Scans the header lines of the head gathered in the scratch from `from`
 * (inside the start line) to its blank line. Sets fast_end (0: the head
 * ends before its headers do), fast_length and fast_flags. A global
 * function: the verifier checks it once, with the scratch looked up here.
 * Eight bytes a step, from newline to newline by bit tricks (the verifier
 * follows each step: few steps, few branches each); a line's name is
 * matched a word at a time, the one Content-Length value read after. */
__noinline int weft_fast_headers(__u32 from, __u32 len)
{
	__u32 zero = 0;
	struct weft_l7_scratch *sc = bpf_map_lookup_elem(&weft_l7_scratch, &zero);
	volatile __u32 *from_at;
	volatile __u32 *len_at;
	const __u8 *h;
	__u32 i;
	__u32 ls;
	__u32 w0, w1, w2, w3;
	__u64 x, m;
	__u32 j;
	__s64 n;

	if (!sc)
		return 0;
	h = sc->call.head;
	sc->fast_end = 0;
	sc->fast_length = 0;
	sc->fast_flags = 0;
	sc->fast_value = 0;
	if (len > WEFT_L7_HEAD_BYTES)
		len = WEFT_L7_HEAD_BYTES;
	/* from and len are read from map memory at each test: a register
	 * compared with each offset would carry a new range down every path,
	 * and no two paths' states would be the same for the verifier. */
	sc->fast_from = from;
	sc->fast_len = len;
	from_at = &sc->fast_from;
	len_at = &sc->fast_len;
	for (int k = 0; k < WEFT_L7_HEAD_BYTES / 8; k++) {
		if (k * 8 >= *len_at)
			return 0;
		x = *(const __u64 *)(h + k * 8) ^ 0x0a0a0a0a0a0a0a0aULL;
		for (int r = 0; r <= WEFT_FAST_NEWLINES_PER_WORD; r++) {
			/* The lowest zero byte of x is exact (higher ones may be
			 * false: a borrow); it is made nonzero once handled. */
			m = (x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL;
			if (!m)
				break;
			/* More newlines in eight bytes than header lines have: not framed here. */
			if (r == WEFT_FAST_NEWLINES_PER_WORD)
				return 0;
			/* Its index: the lowest bit, 0x80 << 8j, times bytes 7..0
			 * holding 0..7 puts j in the top byte (no carries). */
			j = ((((m & (0 - m)) >> 7) * 0x0001020304050607ULL) >> 56) & 7;
			x |= 0xffULL << (j * 8);
			i = k * 8 + j;
			if (i < *from_at)
				continue;
			ls = i + 1;
			if (ls + 1 >= *len_at)
				return 0;
			if (h[ls & WEFT_FAST_MASK] == '\r') {
				if (h[(ls + 1) & WEFT_FAST_MASK] == '\n')
					*(volatile __u32 *)&sc->fast_end = ls + 2;
				goto done;
			}
			w0 = weft_fast_word(h, ls);
			w1 = weft_fast_word(h, ls + 4);
			w2 = weft_fast_word(h, ls + 8);
			w3 = weft_fast_word(h, ls + 12);
			/* "content-length:" (15 bytes: the last word's 4th is the value's). */
			if (!((w0 ^ WEFT_FAST_WORD('c', 'o', 'n', 't')) | (w1 ^ WEFT_FAST_WORD('e', 'n', 't', '-')) |
			      (w2 ^ WEFT_FAST_WORD('l', 'e', 'n', 'g')) |
			      ((w3 ^ WEFT_FAST_WORD('t', 'h', ':', 0)) & 0xffffff))) {
				if (sc->fast_value)
					sc->fast_flags |= WEFT_FAST_SAW_OTHER;
				sc->fast_value = ls + 15;
				continue;
			}
			/* "transfer-encoding:" by its first 12 bytes, "upgrade:" whole. */
			if (!((w0 ^ WEFT_FAST_WORD('t', 'r', 'a', 'n')) | (w1 ^ WEFT_FAST_WORD('s', 'f', 'e', 'r')) |
			      (w2 ^ WEFT_FAST_WORD('-', 'e', 'n', 'c'))) ||
			    !((w0 ^ WEFT_FAST_WORD('u', 'p', 'g', 'r')) | (w1 ^ WEFT_FAST_WORD('a', 'd', 'e', ':'))))
				sc->fast_flags |= WEFT_FAST_SAW_OTHER;
		}
	}
done:
	if (!sc->fast_end || !sc->fast_value)
		return 0;
	n = weft_fast_number(h, sc->fast_value, sc->fast_end);
	if (n < 0 || n > WEFT_FAST_MAX_BODY)
		sc->fast_flags |= WEFT_FAST_SAW_OTHER;
	sc->fast_flags |= WEFT_FAST_SAW_LENGTH;
	sc->fast_length = n;
	return 0;
}

/* FNV-1a of the request target at `from` up to its query, fragment or end
 * (fast_hash, fast_path_len); 0 when it does not end within
 * WEFT_L7_FAST_PATH_BYTES inside the head. Global, like weft_fast_headers. */
__noinline int weft_fast_path(__u32 from, __u32 len)
{
	__u32 zero = 0;
	struct weft_l7_scratch *sc = bpf_map_lookup_elem(&weft_l7_scratch, &zero);
	__u64 hash = WEFT_FNV_OFFSET;
	__u32 at;
	__u8 c;

	if (!sc)
		return 0;
	if (len > WEFT_L7_HEAD_BYTES)
		len = WEFT_L7_HEAD_BYTES;
	for (int i = 0; i <= WEFT_L7_FAST_PATH_BYTES; i++) {
		at = from + i;
		if (at >= len)
			return 0;
		c = sc->call.head[at & WEFT_FAST_MASK];
		if (c == ' ' || c == '?' || c == '#') {
			if (i == 0)
				return 0;
			sc->fast_hash = hash;
			sc->fast_path_len = i;
			return 1;
		}
		if (c == '\r' || c == '\n')
			return 0;
		hash = (hash ^ c) * WEFT_FNV_PRIME;
	}
	return 0;
}

/* The method of a request line, and where its target starts; 0 when the
 * head starts no request this path frames. */
static __always_inline __u8 weft_fast_method(const __u8 *h, __u32 len, __u32 *target)
{
	if (len < 8)
		return 0;
	if (weft_l7_starts(h, "GET ", 4))
		return *target = 4, WEFT_HTTP_GET;
	if (weft_l7_starts(h, "POST ", 5))
		return *target = 5, WEFT_HTTP_POST;
	if (weft_l7_starts(h, "PUT ", 4))
		return *target = 4, WEFT_HTTP_PUT;
	if (weft_l7_starts(h, "HEAD ", 5))
		return *target = 5, WEFT_HTTP_HEAD;
	if (weft_l7_starts(h, "DELETE ", 7))
		return *target = 7, WEFT_HTTP_DELETE;
	if (weft_l7_starts(h, "PATCH ", 6))
		return *target = 6, WEFT_HTTP_PATCH;
	if (weft_l7_starts(h, "OPTIONS ", 8))
		return *target = 8, WEFT_HTTP_OPTIONS;
	if (weft_l7_starts(h, "TRACE ", 6))
		return *target = 6, WEFT_HTTP_TRACE;
	return 0;
}

/* The size of the message whose head is in the scratch (head bytes plus
 * body), when its head is whole there and nothing in it asks for framing
 * other than Content-Length; 0 otherwise. `no_body`: it has none whatever
 * its headers say (a response to HEAD, 204, 304); `length_optional`: none
 * without a Content-Length (a request; a response without one ends at the
 * close, which is user space's to frame). */
static __always_inline __u64 weft_fast_size(struct weft_l7_scratch *sc, __u32 from, __u32 head_len, bool no_body,
					    bool length_optional)
{
	__u32 end;
	__u32 flags;

	weft_fast_headers(from, head_len);
	end = *(volatile __u32 *)&sc->fast_end;
	flags = *(volatile __u32 *)&sc->fast_flags;
	if (end == 0 || (flags & WEFT_FAST_SAW_OTHER))
		return 0;
	if (no_body)
		return end;
	if (!(flags & WEFT_FAST_SAW_LENGTH))
		return length_optional ? end : 0;
	return end + *(volatile __u64 *)&sc->fast_length;
}

/* Sends a path's text to user space unless it was sent already (this
 * socket's last request had it, or weft_l7_paths remembers it); a lost
 * record is tried again at the path's next request. Says whether it went. */
static __always_inline bool weft_fast_send_path(struct weft_l7_scratch *sc, __u64 key, __u64 created_ns, __u32 from,
						__u32 len, bool sending)
{
	__u64 hash = sc->fast_hash;
	struct weft_l7_call *c;
	__u8 one = 1;

	if (bpf_map_lookup_elem(&weft_l7_paths, &hash))
		return true;
	c = bpf_ringbuf_reserve(&weft_l7_events, offsetof(struct weft_l7_call, head) + sizeof(struct weft_l7_path) +
							  WEFT_L7_FAST_PATH_BYTES,
				0);
	if (!c) {
		weft_count(WEFT_CNT_L7_DROPS);
		return false;
	}
	/* Bytes past len stay as the ring left them: user space reads len. */
	__builtin_memcpy(c->head, &hash, sizeof(hash));
	len &= WEFT_L7_FAST_PATH_BYTES * 2 - 1;
	barrier_var(len);
	if (len > WEFT_L7_FAST_PATH_BYTES)
		len = WEFT_L7_FAST_PATH_BYTES;
	if (len > 0 && bpf_probe_read_kernel(c->head + sizeof(hash), len, sc->call.head + (from & WEFT_FAST_MASK)))
		len = 0;
	weft_l7_fill(c, key, created_ns, 0, sizeof(hash) + len, 0, sending, WEFT_L7_HTTP1);
	c->direction = WEFT_L7_PATH;
	c->flags = 0;
	bpf_ringbuf_submit(c, weft_l7_ring_flags());
	bpf_map_update_elem(&weft_l7_paths, &hash, &one, BPF_ANY);
	return true;
}

/* The bucket of a duration in microseconds (see WEFT_L7_AGG_BUCKETS). */
static __always_inline __u32 weft_fast_bucket(__u64 us)
{
	__u32 top = 0;
	__u64 v;

	if (us < WEFT_L7_AGG_EXACT)
		return us;
	if (us >= (1ULL << 32))
		return WEFT_L7_AGG_BUCKETS - 1;
	v = us;
	/* The top bit's position, by halving the range five times. */
	if (v >= (1ULL << 16)) { v >>= 16; top += 16; }
	if (v >= (1ULL << 8)) { v >>= 8; top += 8; }
	if (v >= (1ULL << 4)) { v >>= 4; top += 4; }
	if (v >= (1ULL << 2)) { v >>= 2; top += 2; }
	if (v >= (1ULL << 1)) top += 1;
	return WEFT_L7_AGG_EXACT + (top - 4) * (1 << WEFT_L7_AGG_SUB_BITS) +
	       ((us >> (top - WEFT_L7_AGG_SUB_BITS)) & ((1 << WEFT_L7_AGG_SUB_BITS) - 1));
}

/* Counts a completed request (status 0: the socket closed before its
 * response) of socket `key`, taking `duration_ns` unless unanswered. */
static __always_inline void weft_fast_count(__u64 key, __u64 created_ns, const struct weft_l7_socket *l, __u16 status,
					    __u64 duration_ns)
{
	struct weft_l7_agg_key k = {};
	struct weft_l7_agg *a;
	__u32 bucket;

	k.sk = key;
	k.created_ns = created_ns;
	k.path_hash = l->path_hash;
	k.status = status;
	k.method = l->method;
	a = bpf_map_lookup_elem(&weft_l7_aggs, &k);
	if (!a) {
		/* NOEXIST: another CPU may have made it meanwhile; then that one is used. */
		if (bpf_map_update_elem(&weft_l7_aggs, &k, &weft_fast_zero_agg, BPF_NOEXIST) == -WEFT_E2BIG) {
			weft_count(WEFT_CNT_L7_FAST_AGG_FULL);
			return;
		}
		a = bpf_map_lookup_elem(&weft_l7_aggs, &k);
		if (!a) {
			weft_count(WEFT_CNT_L7_FAST_AGG_FULL);
			return;
		}
	}
	__sync_fetch_and_add(&a->count, 1);
	if (status != 0) {
		bucket = weft_fast_bucket(duration_ns / 1000);
		/* The compiler knows the bound; the verifier is told it here. */
		barrier_var(bucket);
		if (bucket < WEFT_L7_AGG_BUCKETS)
			__sync_fetch_and_add(&a->buckets[bucket], 1);
	}
	weft_count(WEFT_CNT_L7_FAST_REQUESTS);
}

/* A response's last byte: its request is counted and the socket waits for the next one. */
static __always_inline void weft_fast_complete(__u64 key, __u64 created_ns, struct weft_l7_socket *l)
{
	__u64 now = bpf_ktime_get_ns();

	weft_fast_count(key, created_ns, l, l->status, now > l->start_ns ? now - l->start_ns : 0);
	l->phase = WEFT_FAST_IDLE;
}

/* Whether a call of direction `sending` carries requests on this socket. */
static __always_inline bool weft_fast_is_request(const struct weft_l7_socket *l, bool sending)
{
	return l->role == 0 || (l->role == WEFT_ROLE_CLIENT) == sending;
}

/* Before any byte is read: a call that continues a body (or, draining,
 * belongs to user space) is decided here. Global, like weft_fast_start;
 * returns an enum weft_fast_action. */
__noinline int weft_fast_before(const struct weft_socket *s, struct weft_l7_socket *l, __u64 length, int sending)
{
	bool request;
	__u8 phase;
	__u64 key;
	__u64 created_ns;

	if (!s || !l)
		return WEFT_FAST_PER_CALL;
	request = weft_fast_is_request(l, sending);
	phase = l->phase;
	key = s->sk;
	created_ns = l->created_ns;
	if (phase == WEFT_FAST_DRAIN && request)
		return WEFT_FAST_PER_CALL;
	if ((phase == WEFT_FAST_REQ_BODY && request) || ((phase == WEFT_FAST_RESP_BODY || phase == WEFT_FAST_DRAIN) && !request)) {
		if (length < l->remaining) {
			l->remaining -= length;
			return WEFT_FAST_HANDLED;
		}
		if (phase == WEFT_FAST_REQ_BODY) {
			if (length == l->remaining) {
				l->remaining = 0;
				l->phase = WEFT_FAST_WAIT;
				return WEFT_FAST_HANDLED;
			}
			/* The body ends inside the call and something follows it:
			 * the request in flight cannot be answered in order. */
			l->fast = 0;
			weft_count(WEFT_CNT_L7_FAST_FALLBACK_OVERRUN);
			weft_count(WEFT_CNT_L7_FAST_LOST);
			return WEFT_FAST_PER_CALL_LOSS;
		}
		/* The response ends in this call. */
		weft_fast_complete(key, created_ns, l);
		if (length == l->remaining && phase != WEFT_FAST_DRAIN)
			return WEFT_FAST_HANDLED;
		l->fast = 0;
		if (length == l->remaining)
			return WEFT_FAST_HANDLED;
		weft_count(WEFT_CNT_L7_FAST_FALLBACK_OVERRUN);
		return WEFT_FAST_PER_CALL_LOSS;
	}
	return WEFT_FAST_NEEDS_HEAD;
}

/* Hands the request in flight to user space (see weft_l7_handoff) and
 * leaves the kernel path. False when the record was lost (counted): the
 * call that follows is then marked as after a loss. */
static __always_inline bool weft_fast_leave(__u64 key, __u64 created_ns, struct weft_l7_socket *l, __u64 body_remaining)
{
	l->fast = 0;
	return weft_l7_handoff(key, created_ns, l, body_remaining);
}

/* A call that starts a message, its head (head_len bytes) gathered in the
 * scratch, of the socket whose entries are s and l; `call` is
 * head_len << 1 | sending (a global function takes five arguments). Global: the verifier checks it once, not at every state the
 * capture reaches it in. Returns an enum weft_fast_action. */
__noinline int weft_fast_start(const struct weft_socket *s, struct weft_l7_socket *l, struct weft_l7_scratch *sc,
				__u64 length, __u64 call)
{
	bool sending = call & 1;
	__u32 head_len = (call >> 1) & (2 * WEFT_L7_HEAD_BYTES - 1);
	const __u8 *h;
	bool request;
	__u8 phase;
	__u64 created_ns;
	__u64 key;
	__u32 target = 0;
	__u64 size;
	__u8 method;
	__u16 status;

	if (!s || !l || !sc)
		return WEFT_FAST_PER_CALL;
	key = s->sk;
	h = sc->call.head;
	request = weft_fast_is_request(l, sending);
	phase = l->phase;
	created_ns = l->created_ns;

	/* The head must be the call's first bytes, all of them up to its bound. */
	if (head_len < (length < WEFT_L7_HEAD_BYTES ? length : WEFT_L7_HEAD_BYTES))
		head_len = 0;
	if (phase == WEFT_FAST_IDLE && request) {
		method = head_len ? weft_fast_method(h, head_len, &target) : 0;
		if (!method || !weft_fast_path(target, head_len)) {
			l->fast = 0;
			weft_count(WEFT_CNT_L7_FAST_FALLBACK_MESSAGE);
			return WEFT_FAST_PER_CALL;
		}
		size = weft_fast_size(sc, target + sc->fast_path_len, head_len, false, true);
		if (size == 0 || size < length) {
			l->fast = 0;
			weft_count(WEFT_CNT_L7_FAST_FALLBACK_MESSAGE);
			return WEFT_FAST_PER_CALL;
		}
		if (l->role == 0)
			l->role = sending ? WEFT_ROLE_CLIENT : WEFT_ROLE_SERVER;
		l->method = method;
		if (!l->path_sent || l->path_hash != sc->fast_hash) {
			l->path_hash = sc->fast_hash;
			l->path_sent = weft_fast_send_path(sc, key, created_ns, target, sc->fast_path_len, sending);
		}
		l->start_ns = bpf_ktime_get_ns();
		l->remaining = size - length;
		l->phase = l->remaining ? WEFT_FAST_REQ_BODY : WEFT_FAST_WAIT;
		return WEFT_FAST_HANDLED;
	}
	if (phase == WEFT_FAST_WAIT && !request) {
		status = 0;
		if (head_len >= 13 && weft_l7_starts(h, "HTTP/1.", 7) && h[8] == ' ' && h[9] >= '1' && h[9] <= '5' &&
		    h[10] >= '0' && h[10] <= '9' && h[11] >= '0' && h[11] <= '9' && (h[12] == ' ' || h[12] == '\r'))
			status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
		/* 1xx precede the real response (or switch protocols): user space's. */
		size = status >= 200 ? weft_fast_size(sc, 12, head_len, l->method == WEFT_HTTP_HEAD || status == 204 || status == 304,
						      false)
				     : 0;
		if (size == 0 || size < length) {
			weft_count(WEFT_CNT_L7_FAST_FALLBACK_MESSAGE);
			return weft_fast_leave(key, created_ns, l, 0) ? WEFT_FAST_PER_CALL : WEFT_FAST_PER_CALL_LOSS;
		}
		l->status = status;
		l->remaining = size - length;
		if (l->remaining)
			l->phase = WEFT_FAST_RESP_BODY;
		else
			weft_fast_complete(key, created_ns, l);
		return WEFT_FAST_HANDLED;
	}
	if (phase == WEFT_FAST_WAIT) {
		/* Pipelining: the next request before the response. */
		weft_count(WEFT_CNT_L7_FAST_FALLBACK_PIPELINE);
		return weft_fast_leave(key, created_ns, l, 0) ? WEFT_FAST_PER_CALL : WEFT_FAST_PER_CALL_LOSS;
	}
	if (phase == WEFT_FAST_REQ_BODY) {
		/* A response while the request's body still comes (100-continue, an early error). */
		weft_count(WEFT_CNT_L7_FAST_FALLBACK_EARLY);
		return weft_fast_leave(key, created_ns, l, l->remaining) ? WEFT_FAST_PER_CALL : WEFT_FAST_PER_CALL_LOSS;
	}
	if (phase == WEFT_FAST_RESP_BODY) {
		/* A request while the response is half sent: that response ends
		 * here, the request and what follows are user space's. */
		weft_count(WEFT_CNT_L7_FAST_FALLBACK_PIPELINE);
		l->phase = WEFT_FAST_DRAIN;
		return WEFT_FAST_PER_CALL;
	}
	/* A response with no request (IDLE): user space counts the orphan. */
	l->fast = 0;
	weft_count(WEFT_CNT_L7_FAST_FALLBACK_MESSAGE);
	return WEFT_FAST_PER_CALL;
}

#endif /* WEFT_L7_HTTP1_FAST_BPF_H */
