import type { RequestProtocol } from '../l7/l7Types.js';

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
  /** L7 requests completed on the connection in the interval, per (protocol, method, route); absent when none. */
  requests?: RequestRow[];
  /** Set on a row with requests when the connection was open before the agent started (its earlier requests were not seen). */
  predates_agent?: true;
  /** Set on a row with requests read from the plaintext of OpenSSL's calls (HTTPS): the connection is TLS. */
  tls?: true;
  /**
   * A client's remote address as the node's DNS answers name it (the name the
   * program looked up, e.g. `api.stripe.com`), when one did; kept for the
   * connection's life from its first row.
   */
  remote_name?: string;
  /** Set on a UDP flow (DNS over UDP: a socket and the server it queried); every other row is TCP. */
  udp?: true;
}

/** The requests of one (protocol, method, route template) on one connection in one interval. */
export interface RequestRow {
  /** gRPC is HTTP/2 whose request's content type is application/grpc; dns a query (method: its type, route: its name). */
  protocol: RequestProtocol;
  method: string;
  /** Route template: ids, UUIDs, hashes and numbers collapsed (`/users/{n}`). */
  route: string;
  /** Requests whose response ended in the interval (or that ended without one). */
  requests: number;
  /** Server errors among them: HTTP 5xx, gRPC non-OK, reset streams (and requests the connection closed on unanswered); DNS SERVFAIL, REFUSED, other failures and timeouts. */
  errors: number;
  /** Client errors: HTTP 4xx, DNS NXDOMAIN, counted apart from errors. */
  client_errors: number;
  /** One duration per request, from its first byte to the response's last, microseconds (at most MAX_DURATION_SAMPLES; `requests` counts them all). */
  durations_us: number[];
}

/** Duration samples a RequestRow carries at most: a bound on the batch, not on the count. */
export const MAX_DURATION_SAMPLES = 1024;
