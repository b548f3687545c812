/**
 * One connection's activity in one interval: the agent's output row
 * (`weft agent --json` prints these; field names are the public format).
 * Counters are deltas for the interval; summing a socket's rows gives its totals.
 */
export interface ConnectionRow {
  ts: number;
  socket_id: string;
  netns: number;
  pid: number;
  tid: number;
  comm: string;
  cmdline: string | null;
  container_id: string | null;
  cgroup_id: string;
  role: 'client' | 'server';
  role_inferred: boolean;
  family: 4 | 6;
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
  nat_daddr?: string;
  nat_dport?: number;
  bytes_sent: number;
  bytes_received: number;
  srtt_us: number;
  retransmits: number;
  resets_sent: number;
  resets_received: number;
  resets: number;
  connect_failed: boolean;
  opened: boolean;
  closed: boolean;
}
