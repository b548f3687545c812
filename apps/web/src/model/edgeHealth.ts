/**
 * How healthy an edge is, one definition for the map's colours, the legend, the list and the
 * drawer: the share of its attempts that failed. Until the agent reports requests that is
 * connection failures and resets over connection attempts; with requests, request errors and
 * failed connections (attempts that never carried a request) over requests and failed
 * connections, so a refused connection still counts once requests are seen.
 */
import type { EdgeStats } from './apiTypes.ts';

export type HealthLevel = 'ok' | 'warn' | 'bad' | 'idle';

/** Below WARN_SHARE an edge is ok; from BAD_SHARE it is bad. */
export const WARN_SHARE = 0.01;
export const BAD_SHARE = 0.05;

type Counts = Pick<EdgeStats, 'connections_opened' | 'connections_failed' | 'resets' | 'requests' | 'request_errors'>;

/** Failed share of the edge's attempts, 0..1; null when there was no attempt. */
export function failureShare(stats: Counts): number | null {
  if (stats.requests > 0) return Math.min(1, (stats.request_errors + stats.connections_failed) / (stats.requests + stats.connections_failed));
  const attempts = stats.connections_opened + stats.connections_failed;
  const failures = stats.connections_failed + stats.resets;
  if (attempts === 0) return failures > 0 ? 1 : null;
  return Math.min(1, failures / attempts);
}

/** Server errors over requests (an edge's or a route's), 0..1; null without requests. */
export function requestErrorShare(stats: Pick<EdgeStats, 'requests' | 'request_errors'>): number | null {
  return stats.requests > 0 ? Math.min(1, stats.request_errors / stats.requests) : null;
}

export function healthLevel(share: number | null): HealthLevel {
  if (share === null) return 'idle';
  if (share >= BAD_SHARE) return 'bad';
  if (share >= WARN_SHARE) return 'warn';
  return 'ok';
}

/** What the edge carries per second: requests once seen, else connections opened. */
export function ratePerSecond(stats: Pick<EdgeStats, 'connections_opened' | 'requests'>, seconds: number): number {
  if (seconds <= 0) return 0;
  return (stats.requests > 0 ? stats.requests : stats.connections_opened) / seconds;
}

/** The unit ratePerSecond counts in. */
export function rateUnit(stats: Pick<EdgeStats, 'requests'>): 'req/s' | 'conn/s' {
  return stats.requests > 0 ? 'req/s' : 'conn/s';
}

/** The API's order of protocols (its RequestProtocol enum). */
const PROTOCOL_ORDER: readonly EdgeStats['protocols'][number][] = ['http1', 'http2', 'grpc', 'dns'];

/** Stats summed over edges (ports of one pair, or the pairs a collapsed group stands for); quantiles: the worst member's; protocols: all of theirs. */
export function sumStats(all: readonly EdgeStats[]): EdgeStats {
  const sum = (key: keyof EdgeStats): number => all.reduce((s, e) => s + ((e[key] as number | null) ?? 0), 0);
  const worst = (key: keyof EdgeStats): number | null => {
    const values = all.map((e) => e[key] as number | null).filter((v): v is number => v !== null);
    return values.length === 0 ? null : Math.max(...values);
  };
  const seen = new Set(all.flatMap((e) => e.protocols));
  const protocols = PROTOCOL_ORDER.filter((p) => seen.has(p));
  return {
    connections_opened: sum('connections_opened'),
    connections_closed: sum('connections_closed'),
    connections_failed: sum('connections_failed'),
    connection_seconds: sum('connection_seconds'),
    connections_active: sum('connections_active'),
    bytes_sent: sum('bytes_sent'),
    bytes_received: sum('bytes_received'),
    retransmits: sum('retransmits'),
    resets: sum('resets'),
    rtt_p50_us: worst('rtt_p50_us'),
    rtt_p95_us: worst('rtt_p95_us'),
    rtt_p99_us: worst('rtt_p99_us'),
    requests: sum('requests'),
    request_errors: sum('request_errors'),
    request_client_errors: sum('request_client_errors'),
    request_latency_p50_ms: worst('request_latency_p50_ms'),
    request_latency_p95_ms: worst('request_latency_p95_ms'),
    request_latency_p99_ms: worst('request_latency_p99_ms'),
    protocols,
    protocol: protocols.length === 0 ? null : protocols.length === 1 ? protocols[0]! : 'mixed',
  };
}
