/**
 * The services' answers (the REST API's shapes) as weft.api.v1 messages. Fields are copied one
 * by one, as in shared/edgeMapping.ts, so nothing a service adds reaches the wire unnoticed.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { Edge, EdgeStats, RequestStats, Service, Window } from '../shared/edgeDto.js';
import { edgeProtocolToProto, requestProtocolToProto } from './protoEnums.js';
import type { EdgeSchema, EdgeStatsSchema, TimeWindowSchema } from './gen/weft/api/v1/types_pb.js';

export type EdgeStatsInit = MessageInitShape<typeof EdgeStatsSchema>;

/** A count as a uint64: the services answer whole, non-negative numbers, and anything else is a bug to report, not to round away. */
export function uint64(field: string, value: number): bigint {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${field} is ${value}, not a count`);
  return BigInt(value);
}

/** null (nothing measured) is an absent optional field. */
function optional(value: number | null): number | undefined {
  return value === null ? undefined : value;
}

export function toProtoStats(s: EdgeStats): EdgeStatsInit {
  return {
    connectionsOpened: uint64('connections_opened', s.connections_opened),
    connectionsClosed: uint64('connections_closed', s.connections_closed),
    connectionsFailed: uint64('connections_failed', s.connections_failed),
    connectionSeconds: uint64('connection_seconds', s.connection_seconds),
    connectionsActive: s.connections_active,
    bytesSent: uint64('bytes_sent', s.bytes_sent),
    bytesReceived: uint64('bytes_received', s.bytes_received),
    retransmits: uint64('retransmits', s.retransmits),
    resets: uint64('resets', s.resets),
    rttP50Us: optional(s.rtt_p50_us),
    rttP95Us: optional(s.rtt_p95_us),
    rttP99Us: optional(s.rtt_p99_us),
    ...toProtoRequestStats(s),
    protocols: s.protocols.map(requestProtocolToProto),
    protocol: edgeProtocolToProto(s.protocol),
  };
}

/** The request counters and latency of an edge or a route (EdgeStats and EdgeRoute name them alike). */
export function toProtoRequestStats(s: RequestStats) {
  return {
    requests: uint64('requests', s.requests),
    requestErrors: uint64('request_errors', s.request_errors),
    requestClientErrors: uint64('request_client_errors', s.request_client_errors),
    requestLatencyP50Ms: optional(s.request_latency_p50_ms),
    requestLatencyP95Ms: optional(s.request_latency_p95_ms),
    requestLatencyP99Ms: optional(s.request_latency_p99_ms),
  };
}

export function toProtoEdge(e: Edge): MessageInitShape<typeof EdgeSchema> {
  return { source: e.source, target: e.target, port: e.port, stats: toProtoStats(e) };
}

/** The fields of a service, spread into the messages that carry them (Service, MapNode, NeighborhoodNode, ServiceDetail). */
export interface ServiceFields {
  id: string;
  name: string;
  namespace: string;
  kind: string;
  workload: string;
}

export function toProtoService(s: Service): ServiceFields {
  return { id: s.id, name: s.name, namespace: s.namespace, kind: s.kind, workload: s.workload };
}

export function toProtoWindow(w: Window): MessageInitShape<typeof TimeWindowSchema> {
  return { from: w.from, to: w.to };
}

/** An optional request string: proto3's empty string is "not given", as an empty REST parameter is. */
export function given(value: string): string | undefined {
  return value === '' ? undefined : value;
}
