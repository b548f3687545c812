import type { L7CallRecord, UdpFlowPeer } from '../kernel/l7CallRecord.js';
import type { SocketRecord } from '../kernel/socketRecord.js';
import type { ConnectionDelta } from './connectionDelta.js';

/** A flow with no datagram for this long (and nothing left to report) has ended: longer than a query's timeout. */
export const UDP_FLOW_IDLE_MS = 10_000;

interface Flow {
  socket: SocketRecord;
  bytesSent: number;
  bytesReceived: number;
  reportedSent: number;
  reportedReceived: number;
  openReported: boolean;
  lastCallMs: number;
}

export interface UdpFlowStats {
  flows: number;
  /** Flows forgotten while active because maxFlows was reached (reported closed). */
  evicted: number;
}

/**
 * DNS over UDP as connections: the kernel keeps no socket-map entry for a UDP
 * socket, so its flows are made here from its DNS datagrams (each carries
 * the flow: the socket and the server it queried, see UdpFlowPeer). A flow
 * is a client's connection to its DNS server: role client (it sent the
 * first query), bytes the datagrams' lengths (DNS only), no TCP health. It
 * opens at its first datagram and closes after UDP_FLOW_IDLE_MS without one
 * (no hook tells a UDP socket's close without kprobes); a socket that goes
 * on after that is the same flow reopened. At most maxFlows at once, the
 * least recently active evicted first (reported closed, counted).
 */
export class UdpFlowTable {
  private readonly flows = new Map<string, Flow>();
  private evictedFlows: Flow[] = [];
  private evicted = 0;

  constructor(private readonly maxFlows: number) {}

  /** A DNS datagram of a UDP socket (calls without `udp` are ignored). */
  note(call: L7CallRecord, nowMs: number): void {
    const peer = call.udp;
    if (!peer || call.direction === 'closed') return;
    let flow = this.flows.get(call.socketId);
    if (flow) {
      // Most recently active last: the first entry is the one to evict.
      this.flows.delete(call.socketId);
    } else {
      if (this.flows.size >= this.maxFlows) this.evictOldest();
      flow = { socket: socketOf(call.socketId, peer), bytesSent: 0, bytesReceived: 0, reportedSent: 0, reportedReceived: 0, openReported: false, lastCallMs: nowMs };
    }
    this.flows.set(call.socketId, flow);
    flow.lastCallMs = nowMs;
    flow.socket.tgid = call.tgid;
    flow.socket.tid = call.tid;
    flow.socket.comm = peer.comm;
    flow.socket.cgroupId = peer.cgroupId;
    if (call.direction === 'send') flow.bytesSent += call.length;
    else flow.bytesReceived += call.length;
  }

  /**
   * One interval: the flows that moved bytes, opened, closed (idle), or have
   * requests to report (`hasRequests`: an answer timed out since). Flows
   * that close here are returned in `closed` too, for their parsers to end.
   */
  advance(nowMs: number, hasRequests: (socketId: string) => boolean): { deltas: ConnectionDelta[]; closed: string[] } {
    const deltas: ConnectionDelta[] = [];
    const closed: string[] = [];
    for (const flow of this.evictedFlows) {
      deltas.push(this.delta(flow, true));
      closed.push(flow.socket.id);
    }
    this.evictedFlows = [];
    for (const [id, flow] of this.flows) {
      const idle = nowMs - flow.lastCallMs >= UDP_FLOW_IDLE_MS;
      const moved = flow.bytesSent !== flow.reportedSent || flow.bytesReceived !== flow.reportedReceived;
      if (idle && !moved) {
        this.flows.delete(id);
        deltas.push(this.delta(flow, true));
        closed.push(id);
      } else if (moved || !flow.openReported || hasRequests(id)) {
        deltas.push(this.delta(flow, false));
      }
    }
    return { deltas, closed };
  }

  stats(): UdpFlowStats {
    return { flows: this.flows.size, evicted: this.evicted };
  }

  private evictOldest(): void {
    const oldest = this.flows.entries().next().value;
    if (oldest === undefined) return;
    this.flows.delete(oldest[0]);
    this.evictedFlows.push(oldest[1]);
    this.evicted += 1;
  }

  private delta(flow: Flow, closed: boolean): ConnectionDelta {
    const delta: ConnectionDelta = {
      socket: flow.socket,
      bytesSent: flow.bytesSent - flow.reportedSent,
      bytesReceived: flow.bytesReceived - flow.reportedReceived,
      retransmits: 0,
      resetsSent: 0,
      resetsReceived: 0,
      opened: !flow.openReported,
      closed,
      connectFailed: false,
    };
    flow.reportedSent = flow.bytesSent;
    flow.reportedReceived = flow.bytesReceived;
    flow.openReported = true;
    return delta;
  }
}

function socketOf(id: string, peer: UdpFlowPeer): SocketRecord {
  return {
    id,
    bytesSent: 0,
    bytesReceived: 0,
    cgroupId: peer.cgroupId,
    srttUs: 0,
    retransmits: 0,
    resetsSent: 0,
    resetsReceived: 0,
    tgid: 0,
    tid: 0,
    netns: peer.netns,
    family: peer.family,
    saddr: peer.saddr,
    sport: peer.sport,
    daddr: peer.daddr,
    dport: peer.dport,
    role: 'client',
    connectFailed: false,
    established: true,
    seenOpen: true,
    state: 0,
    comm: peer.comm,
  };
}
