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
	WEFT_CNT_MAX = 8,
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
