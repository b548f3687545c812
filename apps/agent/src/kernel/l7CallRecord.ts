/** What the kernel's L7 capture sends for one send or receive (struct weft_l7_call), decoded. */
export interface L7CallRecord {
  /** The socket, as SocketRecord.id (`<sk hex>-<created ns>`). */
  socketId: string;
  /** ktime (ns) when the call returned. */
  tsNs: bigint;
  tgid: number;
  tid: number;
  /**
   * closed: the socket was destroyed; no bytes, it ends the socket's stream.
   * path and handoff: HTTP/1 framed in the kernel (a path's text, a request
   * in flight handed to the parser); no bytes, see `path` and `handoff`.
   */
  direction: 'send' | 'recv' | 'closed' | 'path' | 'handoff';
  /** Bytes the call moved. */
  length: number;
  /** The first bytes of the call's buffer (a view into the record buffer). */
  head: Buffer;
  /** Its last bytes; empty when unknown. */
  tail: Buffer;
  /** The call's bytes could not be read (io_uring, sendfile, a kernel-internal send): its length only. */
  gap: boolean;
  /** The first call of the socket's stream: the one that classified it. */
  classified: boolean;
  /** The socket was open before the agent watched it. */
  predates: boolean;
  /** Calls of this socket were lost before this one (the kernel's L7 ring was full). */
  afterLoss: boolean;
  /** The plaintext of an OpenSSL call (SSL_read/SSL_write), not the socket's own bytes (ciphertext, never sent). */
  tls: boolean;
  /** What the kernel classified the socket as, from its first call. */
  protocol: L7CallProtocol;
  /**
   * DNS over UDP: the flow the datagram belongs to (a UDP socket and the
   * server it queried; socketId names the flow). head is the datagram's start.
   */
  udp?: UdpFlowPeer;
  /** direction 'path': a request path the kernel hashed, sent once per new hash. */
  path?: KernelPath;
  /** direction 'handoff': the request in flight when the socket left the kernel's framing. */
  handoff?: KernelHandoff;
}

/** A request path's text and the hash the kernel's aggregates name it by (struct weft_l7_path). */
export interface KernelPath {
  hash: bigint;
  /** Up to the query, fragment or end of the target (latin1, at most 128 bytes). */
  text: string;
}

/** A request the kernel framed that its parser must now answer (struct weft_l7_handoff). */
export interface KernelHandoff {
  /** ktime (ns) of the request's first call. */
  startNs: bigint;
  pathHash: bigint;
  /** Upper-case method (the kernel frames GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, TRACE). */
  method: string;
  /** Which end the socket is: a client sends the requests. */
  role: 'client' | 'server';
  /** Bytes of its body still to come (the parser skips them). */
  bodyRemaining: number;
}

export type L7CallProtocol = 'http1' | 'http2' | 'dns';

/** A UDP socket's DNS flow, as the kernel put it in front of each of its datagrams (struct weft_dns_udp_peer). */
export interface UdpFlowPeer {
  family: 4 | 6;
  /** Local address: 0.0.0.0 (or ::) for a socket that is neither bound nor connected. */
  saddr: string;
  sport: number;
  /** The DNS server the socket queried. */
  daddr: string;
  dport: number;
  netns: number;
  cgroupId: bigint;
  comm: string;
}
