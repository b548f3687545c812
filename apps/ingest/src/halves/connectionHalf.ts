/**
 * One end's report of one connection for one interval, as the ingest works
 * with it (decoded from an agent batch, addresses normalized: IPv4 dotted,
 * v4-mapped IPv6 as IPv4). Counters are deltas for the interval.
 */
export interface ConnectionHalf {
  /** The agent (node) that reported it. */
  nodeId: string;
  /** End of the agent's interval, unix ms; `second` is its unix second. */
  tsMs: number;
  second: number;
  /** The socket on its node; with nodeId, identifies this half for its lifetime. */
  socketId: string;
  netns: number;
  role: 'client' | 'server';
  roleInferred: boolean;
  localIp: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  /** Client halves that dialled a translated address: the address that answered. */
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
}

/** A process listening on a port, as an agent reported it: names the server end of a plain host. */
export interface ListenerReport {
  nodeId: string;
  netns: number;
  ip: string;
  port: number;
  pid: number;
  comm: string;
}
