export type SocketRole = 'client' | 'server' | 'unknown';

/** One kernel socket entry (struct weft_socket), decoded. Counters are totals since the entry was made. */
export interface SocketRecord {
  /** `<sk pointer hex>-<created ns>`: unique for the agent's lifetime even when the kernel reuses the pointer. */
  id: string;
  bytesSent: number;
  bytesReceived: number;
  cgroupId: bigint;
  srttUs: number;
  retransmits: number;
  resetsSent: number;
  resetsReceived: number;
  tgid: number;
  tid: number;
  netns: number;
  family: 4 | 6;
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
  role: SocketRole;
  connectFailed: boolean;
  established: boolean;
  /** Its handshake happened while the agent watched (else it predates the agent). */
  seenOpen: boolean;
  state: number;
  comm: string;
}

export type KernelEventType = 'open' | 'close' | 'listen';

export interface KernelEvent {
  type: KernelEventType;
  tsNs: bigint;
  socket: SocketRecord;
}
