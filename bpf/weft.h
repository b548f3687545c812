/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Shapes shared by the BPF programs and user space (native/ reads these
 * through the skeleton; its static_asserts pin every size and offset, and it
 * exports the offsets to TypeScript so there is one definition).
 * Fixed-width fields only; no kernel types.
 */
#ifndef WEFT_H
#define WEFT_H

#define WEFT_COMM_LEN 16
/* Default bound of the socket map; user space may change it before load. */
#define WEFT_DEFAULT_MAX_SOCKETS 65536
#define WEFT_DEFAULT_RINGBUF_BYTES (1 << 22)
#define WEFT_MAX_NETNS_FILTER 256

enum weft_role {
	WEFT_ROLE_UNKNOWN = 0, /* socket predates the agent: user space infers */
	WEFT_ROLE_CLIENT = 1,  /* went through SYN_SENT */
	WEFT_ROLE_SERVER = 2,  /* child of a listener (SYN_RECV -> ESTABLISHED) */
};

enum weft_socket_flags {
	WEFT_F_CONNECT_FAILED = 1 << 0, /* SYN_SENT -> CLOSE: refused or timed out */
	WEFT_F_ESTABLISHED = 1 << 1,    /* reached ESTABLISHED while we watched */
	WEFT_F_SEEN_OPEN = 1 << 2,      /* its handshake happened while we watched */
	/* Counters path: the sequence positions below are valid and counted. */
	WEFT_F_COUNTING = 1 << 3,
	WEFT_F_FIN_SENT = 1 << 4,     /* our FIN is queued: fin_write_seq is set */
	WEFT_F_FIN_RECEIVED = 1 << 5, /* the peer's FIN arrived: fin_rcv_end is set */
};

enum weft_event_type {
	WEFT_EV_OPEN = 1,   /* connection established (both roles) or connect failed */
	WEFT_EV_CLOSE = 2,  /* socket destroyed: carries the final counters */
	WEFT_EV_LISTEN = 3, /* a socket entered LISTEN */
};

/* Indexes of the per-CPU counter array the agent exports as metrics. */
enum weft_counter {
	WEFT_CNT_SOCKET_MAP_FULL = 0, /* new socket not tracked: map full */
	WEFT_CNT_RINGBUF_DROPS = 1,   /* event lost: ring buffer full */
	WEFT_CNT_EVENTS = 2,          /* events written to the ring buffer */
	WEFT_CNT_SENDS = 3,           /* reserved: per-call counting costs too much on the hot path */
	WEFT_CNT_RECVS = 4,           /* reserved, likewise */
	WEFT_CNT_L7_CALLS = 5,        /* L7 calls written to the L7 ring buffer */
	WEFT_CNT_L7_DROPS = 6,        /* L7 call lost: L7 ring buffer full */
	WEFT_CNT_L7_GAPS = 7,         /* L7 call whose bytes could not be read (io_uring, sendfile, ...) */
	WEFT_CNT_L7_SOCKET_MAP_FULL = 8, /* socket not classified: L7 socket map full */
	WEFT_CNT_L7_UNTRACKED = 9,    /* call on a socket the socket map does not hold (yet) */
	WEFT_CNT_L7_TLS_CALLS = 10,   /* TLS: plaintext calls (SSL_read/SSL_write) written to the L7 ring */
	WEFT_CNT_L7_TLS_NO_SOCKET = 11, /* TLS: plaintext call dropped, its socket unknown (never guessed) */
	WEFT_CNT_L7_TLS_NO_ENTRY = 12,  /* TLS: a return whose entry state was not kept (thread map full) */
	WEFT_CNT_L7_DNS_UDP_CALLS = 13, /* DNS over UDP: datagrams (queries and responses) written to the L7 ring */
	WEFT_CNT_L7_DNS_OTHER_SERVER = 14, /* DNS over UDP: a query dropped, its socket already reports a flow to another server */
	WEFT_CNT_L7_DNS_SOCKET_MAP_FULL = 15, /* DNS over UDP: a socket's first query dropped, its entry could not be made */
	/* HTTP/1 in the kernel (l7_http1_fast.bpf.h): requests framed and
	 * timed there, and why a socket left it for the per-call path. */
	WEFT_CNT_L7_FAST_REQUESTS = 16,       /* requests completed and aggregated in the kernel */
	WEFT_CNT_L7_FAST_FALLBACK_MESSAGE = 17, /* a message start it does not frame (chunked, 1xx, upgrade, head not whole, two messages in a call, ...) */
	WEFT_CNT_L7_FAST_FALLBACK_PIPELINE = 18, /* a request before the one in flight was answered */
	WEFT_CNT_L7_FAST_FALLBACK_EARLY = 19,  /* a response before its request was whole (100-continue, an early error) */
	WEFT_CNT_L7_FAST_FALLBACK_OVERRUN = 20, /* a call past its message's end: the user-space parser resynchronises */
	WEFT_CNT_L7_FAST_AGG_FULL = 21,       /* a completed request not counted: the aggregate map was full */
	WEFT_CNT_L7_FAST_LOST = 22,           /* a request in flight given up at an overrun (its framing gone) */
	WEFT_CNT_MAX = 23,
};

/* L7 capture (bpf/l7_capture.bpf.c). */
#define WEFT_L7_HEAD_BYTES 512 /* bytes copied from the start of each call's buffer */
#define WEFT_L7_TAIL_BYTES 16  /* and from its end (a chunked body's terminator) */
#define WEFT_L7_MAX_FILTER 64   /* ports, and process names, L7 capture can be limited to */
/* Calls on a socket that start no message we know before it is left alone. */
#define WEFT_L7_MAX_MISSES 4
/* TLS capture: threads inside an SSL call at once, and SSL objects whose
 * socket is remembered (an LRU: a freed SSL's entry ages out). */
#define WEFT_TLS_MAX_THREADS 16384
/* DNS over UDP: the port a query goes to, and the UDP sockets that sent one
 * (an LRU: no hook sees a UDP socket destroyed without kprobes). */
#define WEFT_DNS_PORT 53
#define WEFT_DNS_MAX_UDP_SOCKETS 16384
/* Threads inside sendmmsg/recvmmsg at once (an LRU). */
#define WEFT_L7_MAX_MMSG_THREADS 16384

enum weft_l7_protocol {
	WEFT_L7_UNCLASSIFIED = 0,
	WEFT_L7_HTTP1 = 1,
	WEFT_L7_HTTP2 = 2, /* by the client preface, or a server's first SETTINGS frame */
	WEFT_L7_DNS = 3,   /* by port 53: TCP (length-prefixed messages), or UDP (WEFT_L7F_UDP) */
	WEFT_L7_NONE = 255, /* gave up: WEFT_L7_MAX_MISSES calls classified as nothing */
};

enum weft_l7_direction {
	WEFT_L7_SEND = 0,
	WEFT_L7_RECV = 1,
	WEFT_L7_CLOSED = 2, /* the socket was destroyed: no bytes, ends its stream */
	/* HTTP/1 in the kernel: a request path's text, once per new hash (the
	 * head is a struct weft_l7_path, then the path's bytes). */
	WEFT_L7_PATH = 3,
	/* HTTP/1 in the kernel: the socket leaves it with a request in flight,
	 * handed to the user-space parser (the head is a struct weft_l7_handoff). */
	WEFT_L7_HANDOFF = 4,
};

enum weft_l7_call_flags {
	WEFT_L7F_GAP = 1 << 0,        /* the call's bytes are unknown: only its length */
	WEFT_L7F_CLASSIFIED = 1 << 1, /* the first call of the socket's stream (it classified it) */
	WEFT_L7F_PREDATES = 1 << 2,   /* the socket was open before the agent watched it */
	WEFT_L7F_AFTER_LOSS = 1 << 3, /* calls of this socket were lost (ring full) before this one */
	WEFT_L7F_TLS = 1 << 4,        /* the plaintext of an OpenSSL call (SSL_read/SSL_write), not the socket's bytes */
	/* A DNS datagram of a UDP socket: the head starts with a struct
	 * weft_dns_udp_peer (the flow), then the datagram's first bytes. sk and
	 * created_ns are those of the socket's weft_dns_udp_socket entry. */
	WEFT_L7F_UDP = 1 << 5,
};

/* Kernel only: a thread inside sendmmsg/recvmmsg (key: pid_tgid). Each
 * message of the call fires its own send or receive, with the call's
 * arguments; the messages go in order, so the thread's next index in this
 * vector says which one it is (a new call, or another vector, starts at 0). */
struct weft_l7_mmsg_thread {
	__u64 vec;  /* the struct mmsghdr array */
	__u32 vlen;
	__u32 next; /* the index of the next message */
	__u8 sending;
	__u8 pad[7];
};

/* DNS over UDP, kernel only: a UDP socket that sent a DNS query (key: the
 * struct sock pointer). Its receives are DNS responses even where the
 * sender's address is not known yet (recvfrom copies it out after
 * sock_recv_length); one flow per socket, to the first server it queried. */
struct weft_dns_udp_socket {
	__u64 created_ns; /* when the entry was made: (sk, created_ns) names the flow */
	__u8 daddr[16];   /* the server queried */
	__u16 dport;      /* its port, host order */
	__u16 sport;      /* the socket's local port: a reused sk with another port is not this one */
	__u8 family;
	__u8 pad[3];
};

/* The flow a UDP DNS call belongs to, at the start of its head (WEFT_L7F_UDP). */
struct weft_dns_udp_peer {
	__u8 family;     /* AF_INET or AF_INET6 */
	__u8 pad;
	__u16 sport;     /* local port, host order */
	__u16 dport;     /* the server's port, host order */
	__u16 pad2;
	__u32 netns;
	__u32 pad3;
	__u64 cgroup_id;
	__u8 saddr[16];  /* local address (0.0.0.0 or :: for an unbound, unconnected socket) */
	__u8 daddr[16];  /* the server */
	char comm[WEFT_COMM_LEN];
};

/* HTTP/1 in the kernel (bpf/l7_http1_fast.bpf.h). */
#define WEFT_L7_FAST_PATH_BYTES 128 /* a path (up to '?', '#' or ' ') longer than this is left to user space */
#define WEFT_L7_FAST_MAX_AGGREGATES 16384 /* (socket, method, path, status) groups between two reads */
#define WEFT_L7_FAST_MAX_PATHS 4096 /* path hashes whose text user space was sent (an LRU) */
/* Duration histogram, in microseconds: values below WEFT_L7_AGG_EXACT have a
 * bucket each; above, 8 buckets per power of two (a bucket's width at most
 * 1/8 of its lower bound), up to 2^32 us. */
#define WEFT_L7_AGG_EXACT 16
#define WEFT_L7_AGG_SUB_BITS 3
#define WEFT_L7_AGG_BUCKETS (WEFT_L7_AGG_EXACT + (32 - 4) * (1 << WEFT_L7_AGG_SUB_BITS))

/* Methods as the kernel names them (CONNECT never: it leaves HTTP/1). */
enum weft_http_method {
	WEFT_HTTP_GET = 1,
	WEFT_HTTP_HEAD = 2,
	WEFT_HTTP_POST = 3,
	WEFT_HTTP_PUT = 4,
	WEFT_HTTP_DELETE = 5,
	WEFT_HTTP_PATCH = 6,
	WEFT_HTTP_OPTIONS = 7,
	WEFT_HTTP_TRACE = 8,
};

/* Where a socket's exchange in the kernel is (struct weft_l7_socket.phase). */
enum weft_l7_fast_phase {
	WEFT_FAST_IDLE = 0,      /* the next request direction call starts a request */
	WEFT_FAST_REQ_BODY = 1,  /* `remaining` bytes of the request's body to come */
	WEFT_FAST_WAIT = 2,      /* the request is whole: the next response direction call starts its response */
	WEFT_FAST_RESP_BODY = 3, /* `remaining` bytes of the response's body to come */
	/* A request came while a response was half sent: the request direction
	 * is user space's already, the response is finished here, then the
	 * socket is user space's. */
	WEFT_FAST_DRAIN = 4,
};

/* Value of the L7 socket map (key: struct sock pointer, as weft_socks). */
struct weft_l7_socket {
	__u64 created_ns; /* of the weft_socks entry it belongs to: a reused sk starts over */
	__u8 protocol;    /* enum weft_l7_protocol */
	__u8 misses;
	__u8 lost;        /* a call was lost: the next one sent says so (WEFT_L7F_AFTER_LOSS) */
	/* TLS: the socket carries OpenSSL's ciphertext. Its own bytes are never
	 * parsed; protocol, misses and lost describe the plaintext stream. */
	__u8 tls;
	/* HTTP/1 framed in the kernel while set (a fresh, plain HTTP/1 socket
	 * from its first call); cleared for good at a fallback. */
	__u8 fast;
	__u8 role;        /* enum weft_role, from its first request's direction; 0 before */
	__u8 phase;       /* enum weft_l7_fast_phase */
	__u8 method;      /* enum weft_http_method of the request in flight */
	__u64 remaining;  /* body bytes of the message in progress still to come */
	__u64 start_ns;   /* ktime of the call that started the request in flight */
	__u64 path_hash;  /* of the request in flight */
	__u16 status;     /* of the response in progress */
	__u8 path_sent;   /* path_hash's text went to user space (a keep-alive client repeats its path) */
	__u8 pad[5];
};

/* Key of the aggregate map: one socket's requests of one method, path and status. */
struct weft_l7_agg_key {
	__u64 sk;
	__u64 created_ns;
	__u64 path_hash;
	__u16 status; /* 0: the socket closed before the response */
	__u8 method;  /* enum weft_http_method */
	__u8 pad[5];
};

/* Value of the aggregate map: the requests completed since user space last
 * read (and deleted) the entry, and their durations' histogram. */
struct weft_l7_agg {
	__u32 count;
	__u32 pad;
	__u32 buckets[WEFT_L7_AGG_BUCKETS];
};

/* Head of a WEFT_L7_PATH record: the hash, then head_len - 8 bytes of path. */
struct weft_l7_path {
	__u64 hash;
};

/* Head of a WEFT_L7_HANDOFF record: the request in flight when the socket
 * left the kernel path, for the parser to wait on. */
struct weft_l7_handoff {
	__u64 start_ns;       /* ktime of its first call */
	__u64 path_hash;
	__u64 body_remaining; /* bytes of its body still to come (the parser skips them) */
	__u8 method;
	__u8 role;            /* enum weft_role of this end */
	__u8 pad[6];
};

/* TLS capture, kernel only: a thread inside SSL_read/SSL_write(_ex), from
 * the uprobe at its entry to the uretprobe at its return. */
struct weft_tls_thread {
	__u64 ssl;      /* the SSL * */
	__u64 buf;      /* the plaintext buffer */
	__u64 size_ptr; /* _ex: where it writes the bytes moved; 0 for SSL_read/SSL_write */
	__u64 sk;       /* the socket a send or receive inside the call touched; 0: none */
	__u8 sending;   /* SSL_write(_ex) */
	__u8 pad[7];
};

/* TLS capture, kernel only: the socket of an SSL object, for calls served
 * from OpenSSL's own buffer (no send or receive inside them). */
struct weft_tls_ssl_socket {
	__u64 sk;
	__u64 created_ns; /* of the weft_socks entry: a socket reused since is not this one */
};

/* One send or receive of a classified socket, as written to the L7 ring
 * buffer: this header and then head_len bytes of head (the record is cut
 * after them). */
struct weft_l7_call {
	__u64 sk;
	__u64 created_ns; /* with sk, the socket as in weft_socket */
	__u64 ts_ns;      /* ktime when the call returned */
	__u32 tgid;
	__u32 pid;
	__u32 length;     /* bytes the call moved */
	__u16 head_len;   /* valid bytes of head */
	__u8 tail_len;    /* valid bytes of tail (its last tail_len bytes are the call's last) */
	__u8 direction;   /* enum weft_l7_direction */
	__u8 protocol;    /* enum weft_l7_protocol */
	__u8 flags;       /* enum weft_l7_call_flags */
	__u16 pad;
	__u32 pad2;
	__u8 tail[WEFT_L7_TAIL_BYTES];
	__u8 head[WEFT_L7_HEAD_BYTES];
};

/* TLS capture assembles a call in the L7 ring itself, in a record this
 * long: the call and room for a frame header read at the head's last offset
 * (the classifier's walk); user space keeps its header and head_len bytes. */
#define WEFT_TLS_RECORD_BYTES (sizeof(struct weft_l7_call) + 16)

/* Where a call is assembled (a per-CPU array value): the record, then room
 * past its head so that a head gathered from several iovecs, piece by piece,
 * is copied at an offset below WEFT_L7_HEAD_BYTES with a size of at most
 * WEFT_L7_HEAD_BYTES, a bound the verifier can check without relating the
 * two. Only the record's first offsetof(head) + head_len bytes are sent. */
struct weft_l7_scratch {
	struct weft_l7_call call;
	__u8 spill[WEFT_L7_HEAD_BYTES];
	/* The gathering's progress, kept here rather than in registers: the
	 * verifier does not track map memory, so every iteration of the iovec
	 * loop reaches it in one state instead of one per outcome so far. */
	__u32 gathered;
	__u32 gather_stopped; /* a piece could not be read: the head ends before it */
	/* The call's tail: its last byte's address + 1, and how many bytes
	 * before it to copy (0: none), read once the call is to be sent. */
	__u64 tail_at;
	__u32 tail_avail;
	__u32 tail_pad;
	/* HTTP/1 in the kernel: what the parse of a message's head found (in
	 * map memory for the same reason; l7_http1_fast.bpf.h). */
	__u64 fast_length; /* its Content-Length */
	__u64 fast_hash;   /* its path's hash */
	__u32 fast_end;    /* just past its blank line; 0: not in the head */
	__u32 fast_path_len;
	__u32 fast_flags;  /* WEFT_FAST_SAW_* */
	__u32 fast_value;  /* where its Content-Length value starts; 0: none */
	__u32 fast_action; /* the call's enum weft_fast_action while its head is gathered */
	__u32 fast_from;   /* the header scan's bounds */
	__u32 fast_len;
	__u32 fast_pad;
};

/* Value of the socket map (the key is the kernel's struct sock pointer). */
struct weft_socket {
	__u64 sk;             /* the key, repeated so one value buffer is enough */
	__u64 created_ns;     /* ktime when the entry was made: (sk, created_ns) is unique */
	__u64 bytes_sent;     /* application bytes moved by sendmsg */
	__u64 bytes_received; /* application bytes moved by recvmsg */
	__u64 cgroup_id;
	__u32 srtt_us;
	__u32 retransmits;
	__u32 resets_sent;
	__u32 resets_received;
	__u32 tgid;           /* process of the task that last used the socket (hook
	                       * paths) or that connected, closed or holds it (counters) */
	__u32 pid;            /* thread of that task */
	__u32 netns;          /* network namespace inode */
	__u8 family;          /* AF_INET or AF_INET6 */
	__u8 role;            /* enum weft_role */
	__u16 sport;          /* local port, host order */
	__u16 dport;          /* remote port, host order */
	__u8 state;           /* last TCP state seen */
	__u8 owner_scans;     /* counters path: times an owner scan was asked for it */
	/* enum weft_socket_flags. 32 bits because it is only ever changed with
	 * atomic or/and (BPF atomics are 32 or 64 bits wide): softirq (state
	 * changes, a listener's children) and the iterators touch one entry on
	 * two CPUs at once, and a plain read-modify-write could lose a bit. */
	__u32 flags;
	__u8 saddr[16];       /* local address: 4 bytes for AF_INET, else 16 */
	__u8 daddr[16];       /* remote address */
	char comm[WEFT_COMM_LEN];
	/* Counters path: how far the socket's own sequence numbers have been
	 * counted into bytes_sent/bytes_received (tcp_sock write_seq and
	 * copied_seq, which move exactly by what sendmsg queued and recvmsg
	 * consumed, plus one for a FIN). */
	__u32 sent_seq;
	__u32 copied_seq;
	__u32 fin_write_seq;  /* write_seq just before our FIN took its number */
	__u32 fin_rcv_end;    /* rcv_nxt just after the peer's FIN */
};

struct weft_event {
	__u32 type; /* enum weft_event_type */
	__u32 pad;
	__u64 ts_ns; /* ktime of the event */
	struct weft_socket socket;
};

#endif /* WEFT_H */
