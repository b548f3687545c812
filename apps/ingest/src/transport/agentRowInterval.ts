import { requestSamplesOf, type AgentListenerInput, type AgentRowInput } from '@weft/telemetry';
import type { ConnectionHalf, ListenerReport, NodeInterval } from '../ingestTypes.js';

/** The agent's JSON row and listener, as the telemetry encoder takes them. */
export type AgentRowLike = AgentRowInput & { ts: number };
export type AgentListenerLike = AgentListenerInput;

export function halfFromAgentRow(nodeId: string, row: AgentRowLike): ConnectionHalf {
  const half: ConnectionHalf = {
    nodeId,
    tsMs: row.ts,
    second: Math.floor(row.ts / 1000),
    socketId: row.socket_id,
    netns: row.netns,
    role: row.role,
    roleInferred: row.role_inferred,
    localIp: row.saddr,
    localPort: row.sport,
    remoteIp: row.daddr,
    remotePort: row.dport,
    pid: row.pid,
    comm: row.comm,
    cmdline: row.cmdline,
    containerId: row.container_id,
    bytesSent: row.bytes_sent,
    bytesReceived: row.bytes_received,
    srttUs: row.srtt_us,
    retransmits: row.retransmits,
    resetsSent: row.resets_sent,
    resetsReceived: row.resets_received,
    opened: row.opened,
    closed: row.closed,
    connectFailed: row.connect_failed,
  };
  if (row.nat_daddr !== undefined && row.nat_dport !== undefined) {
    half.natIp = row.nat_daddr;
    half.natPort = row.nat_dport;
  }
  // As the telemetry decoder yields them: absent when none, durations bounded per group.
  if (row.requests !== undefined && row.requests.length > 0) half.requests = requestSamplesOf(row.requests);
  if (row.remote_name !== undefined) half.remoteName = row.remote_name;
  if (row.udp) half.udp = true;
  return half;
}

/** One agent interval (its rows and the listeners it knows) as the ingest takes it, as halves of `tenant`. */
export function intervalFromAgent(
  tenant: string,
  nodeId: string,
  tsMs: number,
  rows: readonly AgentRowLike[],
  listeners: readonly AgentListenerLike[],
): NodeInterval {
  return {
    tenant,
    nodeId,
    second: Math.floor(tsMs / 1000),
    halves: rows.map((row) => halfFromAgentRow(nodeId, row)),
    listeners: listeners.map(
      (l): ListenerReport => ({ nodeId, netns: l.netns, ip: l.addr, port: l.port, pid: l.pid, comm: l.comm }),
    ),
  };
}
