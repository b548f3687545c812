import type { RequestSample } from './requestSample.js';

/**
 * One connection end's interval after decoding: the plain form the ingest
 * works with. Addresses are text (IPv4 dotted, IPv6 as RFC 5952); counters
 * are deltas for the interval.
 */
export interface ConnectionSample {
  nodeId: string;
  /** End of the interval, unix ms, and its unix second. */
  tsMs: number;
  second: number;
  /** `<agent run>/<socket number>`: unique on its node. */
  socketId: string;
  netns: number;
  role: 'client' | 'server';
  roleInferred: boolean;
  localIp: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  natIp?: string;
  natPort?: number;
  pid: number;
  comm: string;
  cmdline: string | null;
  containerId: string | null;
  bytesSent: number;
  bytesReceived: number;
  srttUs: number;
  retransmits: number;
  resetsSent: number;
  resetsReceived: number;
  opened: boolean;
  closed: boolean;
  connectFailed: boolean;
  /** L7 requests completed on the connection in the interval, per (protocol, method, route); absent when none. */
  requests?: RequestSample[];
  /** A client's remote address as its node's DNS answers named it (`api.stripe.com`); absent when none did. */
  remoteName?: string;
  /** A UDP flow (DNS over UDP), not a TCP connection. */
  udp?: true;
}

/** A listening socket as a batch reports it. */
export interface ListenerSample {
  nodeId: string;
  netns: number;
  ip: string;
  port: number;
  pid: number;
  comm: string;
}

/** The header of a batch. */
export interface BatchHeader {
  nodeId: string;
  agentRun: string;
  sequence: bigint;
  intervalEndMs: number;
  intervalMs: number;
  /**
   * The tenant of the halves, set by the ingest on its halves topic only; '' (or absent)
   * in an agent's batch, and the ingest never takes it from there (see NodeBatch.tenant).
   */
  tenant?: string;
}
