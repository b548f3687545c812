/* SPDX-License-Identifier: GPL-2.0 */
/* What the two L7 capture paths share: the plain one (l7_capture.bpf.c, the
 * bytes of each send and receive) and the TLS one (tls_capture.bpf.c, the
 * plaintext of OpenSSL's calls): the port and process filters, and how a
 * stream's first bytes classify it. */
#ifndef WEFT_L7_COMMON_BPF_H
#define WEFT_L7_COMMON_BPF_H

#include "socket_common.bpf.h"

/* Ports and process names L7 capture is limited to (--l7-ports,
 * --l7-processes), each filter on only when its flag is set; a connection
 * outside them is marked not to parse at its first call, so it costs one
 * map lookup per call from then on. */
extern struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WEFT_L7_MAX_FILTER);
	__type(key, __u16);
	__type(value, __u8);
} weft_l7_ports SEC(".maps");

extern struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WEFT_L7_MAX_FILTER);
	__type(key, char[16]);
	__type(value, __u8);
} weft_l7_comms SEC(".maps");

extern const volatile __u8 l7_port_filter;
extern const volatile __u8 l7_comm_filter;

/* Whether the filters let the calls of a socket with these ports (made by
 * the current task) be parsed. */
static __always_inline bool weft_l7_wanted_ports(__u16 sport, __u16 dport)
{
	char comm[16] = {};
	__u16 port;

	if (l7_port_filter) {
		port = sport;
		if (!bpf_map_lookup_elem(&weft_l7_ports, &port)) {
			port = dport;
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

static __always_inline bool weft_l7_wanted(const struct weft_socket *s)
{
	return weft_l7_wanted_ports(s->sport, s->dport);
}

/* DNS over TCP: a connection to or from port 53 (its messages carry a
 * 2-byte length each; user space frames them). */
static __always_inline bool weft_l7_dns_port(const struct weft_socket *s)
{
	return s->dport == WEFT_DNS_PORT || s->sport == WEFT_DNS_PORT;
}

static __always_inline bool weft_l7_starts(const __u8 *h, const char *word, int n)
{
	for (int i = 0; i < n; i++)
		if (h[i] != word[i])
			return false;
	return true;
}

/* A SETTINGS frame holds at most this many settings for it to classify a
 * socket: RFC 9113 and its extensions define 8, peers send 2 to 6. */
#define WEFT_L7_H2_MAX_SETTINGS 12

/* HTTP/2 from a server whose first bytes are its SETTINGS frame (it may send
 * before it reads the client's preface): a 9-byte frame header of type 4,
 * flags 0, stream 0, then settings of 6 bytes each, every one of them
 * visible and of an identifier the RFCs define (1-9), so that six zero bytes
 * in another binary protocol's first message do not pass for it. */
static __always_inline bool weft_l7_h2_settings(const __u8 *h, __u32 len)
{
	__u32 n;

	if (len < 9 || h[0] != 0 || h[1] != 0 || h[3] != 4 || h[4] != 0 || h[5] != 0 || h[6] != 0 ||
	    h[7] != 0 || h[8] != 0)
		return false;
	n = h[2];
	if (n % 6 != 0 || n > WEFT_L7_H2_MAX_SETTINGS * 6 || 9 + n > len)
		return false;
	for (int i = 0; i < WEFT_L7_H2_MAX_SETTINGS; i++) {
		if (i * 6 >= n)
			break;
		if (h[9 + i * 6] != 0 || h[10 + i * 6] == 0 || h[10 + i * 6] > 9)
			return false;
	}
	return true;
}

/* Frames a mid-stream call is checked for (see weft_l7_h2_frames). */
#define WEFT_L7_H2_MAX_CHAIN 8
/* SETTINGS_MAX_FRAME_SIZE's default: larger frames need a peer's consent. */
#define WEFT_L7_H2_MAX_FRAME 16384

/* Whether a 9-byte frame header is one RFC 9113 allows: a defined type, only
 * its defined flags, the stream (0 or not) its type requires, the length its
 * type requires, the reserved bit clear. */
static __always_inline bool weft_l7_h2_frame_ok(const __u8 *f, __u32 len)
{
	bool stream0 = f[5] == 0 && f[6] == 0 && f[7] == 0 && f[8] == 0;
	__u8 flags = f[4];

	if ((f[5] & 0x80) || len > WEFT_L7_H2_MAX_FRAME)
		return false;
	switch (f[3]) {
	case 0: /* DATA: END_STREAM, PADDED */
		return !stream0 && !(flags & ~0x09);
	case 1: /* HEADERS: END_STREAM, END_HEADERS, PADDED, PRIORITY */
		return !stream0 && !(flags & ~0x2d);
	case 2: /* PRIORITY */
		return !stream0 && flags == 0 && len == 5;
	case 3: /* RST_STREAM */
		return !stream0 && flags == 0 && len == 4;
	case 4: /* SETTINGS: ACK (empty) */
		return stream0 && (flags == 0 ? len % 6 == 0 : flags == 1 && len == 0);
	case 5: /* PUSH_PROMISE: END_HEADERS, PADDED */
		return !stream0 && !(flags & ~0x0c) && len >= 4;
	case 6: /* PING: ACK */
		return stream0 && !(flags & ~0x01) && len == 8;
	case 7: /* GOAWAY */
		return stream0 && flags == 0 && len >= 8;
	case 8: /* WINDOW_UPDATE */
		return flags == 0 && len == 4;
	case 9: /* CONTINUATION: END_HEADERS */
		return !stream0 && !(flags & ~0x04);
	default:
		return false;
	}
}

/* HTTP/2 met mid-stream, on a connection open before the agent (its preface
 * long gone): the call is whole frames, every header visible and allowed,
 * the last one ending at the call's last byte. Only such connections are
 * checked so, so the looser test never meets a fresh socket's first bytes. */
static __always_inline bool weft_l7_h2_frames(const __u8 *head, __u32 head_len, __u64 length)
{
	const __u8 *f;
	__u64 pos = 0;
	__u32 len;

	for (int i = 0; i < WEFT_L7_H2_MAX_CHAIN; i++) {
		if (pos + 9 > head_len)
			return false;
		f = head + (pos & (WEFT_L7_HEAD_BYTES - 1));
		len = ((__u32)f[0] << 16) | ((__u32)f[1] << 8) | f[2];
		if (!weft_l7_h2_frame_ok(f, len))
			return false;
		pos += 9 + len;
		if (pos == length)
			return true;
		if (pos > length)
			return false;
	}
	return false;
}

/* HTTP/1: a request line's method and space, or a status line's version.
 * HTTP/2: the client's connection preface (which a server receives first),
 * a server's SETTINGS frame, or on a connection that predates the agent
 * whole frames. */
static __always_inline __u8 weft_l7_classify(const __u8 *h, __u32 len, __u64 length, bool predates)
{
	if (len < 8)
		return WEFT_L7_UNCLASSIFIED;
	if (weft_l7_starts(h, "HTTP/1.", 7) || weft_l7_starts(h, "GET ", 4) || weft_l7_starts(h, "POST ", 5) ||
	    weft_l7_starts(h, "PUT ", 4) || weft_l7_starts(h, "HEAD ", 5) || weft_l7_starts(h, "DELETE ", 7) ||
	    weft_l7_starts(h, "PATCH ", 6) || weft_l7_starts(h, "OPTIONS ", 8) || weft_l7_starts(h, "CONNECT ", 8) ||
	    weft_l7_starts(h, "TRACE ", 6))
		return WEFT_L7_HTTP1;
	if (len >= 24 && weft_l7_starts(h, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24))
		return WEFT_L7_HTTP2;
	if (weft_l7_h2_settings(h, len))
		return WEFT_L7_HTTP2;
	if (predates && weft_l7_h2_frames(h, len, length))
		return WEFT_L7_HTTP2;
	return WEFT_L7_UNCLASSIFIED;
}

/* The header of a call record of socket `key` made at created_ns (its head and tail, and the
 * flags, are the caller's), made by the current task now. */
static __always_inline void weft_l7_fill(struct weft_l7_call *c, __u64 key, __u64 created_ns, __u64 length,
					 __u32 head_len, __u32 tail_len, bool sending, __u8 protocol)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	c->sk = key;
	c->created_ns = created_ns;
	c->ts_ns = bpf_ktime_get_ns();
	c->tgid = pid_tgid >> 32;
	c->pid = (__u32)pid_tgid;
	c->length = length;
	c->head_len = head_len;
	c->tail_len = tail_len;
	c->direction = sending ? WEFT_L7_SEND : WEFT_L7_RECV;
	c->protocol = protocol;
	c->pad = 0;
	c->pad2 = 0;
}

#endif /* WEFT_L7_COMMON_BPF_H */
