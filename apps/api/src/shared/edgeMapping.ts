/** The store's records as the API answers them: fields copied one by one, so nothing the store adds leaks unnoticed. */
import type { EdgeRecord, EdgeStats as StoreEdgeStats, QueryWindow, RouteStats, ServiceInfo } from '@weft/store';
import type { Edge, EdgeStats, RequestStats, Service, Window } from './edgeDto.js';
import { edgeProtocol } from './requestProtocols.js';

/** What the store's edge stats and route stats both carry of requests. */
type RequestCounts = Pick<RouteStats, 'requests' | 'request_errors' | 'request_client_errors' | 'request_p50_us' | 'request_p95_us' | 'request_p99_us'>;

export function toEdgeStats(s: StoreEdgeStats): EdgeStats {
  return {
    connections_opened: s.connections_opened,
    connections_closed: s.connections_closed,
    connections_failed: s.connections_failed,
    connection_seconds: s.connection_seconds,
    connections_active: s.connections_active,
    bytes_sent: s.bytes_sent,
    bytes_received: s.bytes_received,
    retransmits: s.retransmits,
    resets: s.resets,
    rtt_p50_us: s.rtt_p50_us,
    rtt_p95_us: s.rtt_p95_us,
    rtt_p99_us: s.rtt_p99_us,
    ...toRequestStats(s),
    protocols: [...s.request_protocols],
    protocol: edgeProtocol(s.request_protocols),
  };
}

/** Microseconds as milliseconds to the microsecond (21204 µs: 21.204 ms); null stays null. */
function milliseconds(us: number | null): number | null {
  return us === null ? null : Math.round(us) / 1000;
}

/** The request counters and latency of an edge or a route (the store's microseconds as milliseconds). */
export function toRequestStats(s: RequestCounts): RequestStats {
  return {
    requests: s.requests,
    request_errors: s.request_errors,
    request_client_errors: s.request_client_errors,
    request_latency_p50_ms: milliseconds(s.request_p50_us),
    request_latency_p95_ms: milliseconds(s.request_p95_us),
    request_latency_p99_ms: milliseconds(s.request_p99_us),
  };
}

export function toEdge(e: EdgeRecord): Edge {
  return { source: e.source, target: e.target, port: e.port, ...toEdgeStats(e) };
}

export function toService(s: ServiceInfo): Service {
  return { id: s.id, name: s.name, namespace: s.namespace, kind: s.kind, workload: s.workload };
}

/** Unix seconds as ISO-8601 UTC. */
export function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

export function toWindow(w: QueryWindow): Window {
  return { from: isoTime(w.from), to: isoTime(w.to) };
}
