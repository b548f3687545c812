/** The answer shapes several features share: a service, an edge's counters, an edge, a window. */
import { z } from 'zod';
import { EDGE_PROTOCOLS, REQUEST_PROTOCOLS } from './requestProtocols.js';

const count = (what: string) => z.number().nonnegative().describe(what);
const microseconds = (what: string, nothing: string) => z.number().nonnegative().nullable().describe(`${what}, microseconds; null ${nothing}`);
const milliseconds = (what: string, nothing: string) =>
  z.number().nonnegative().nullable().describe(`${what}, milliseconds to the microsecond (21.204); null ${nothing}`);

export const RequestProtocolSchema = z.enum(REQUEST_PROTOCOLS).describe('A request protocol: http1 (HTTP/1.x), http2, grpc or dns').meta({ id: 'RequestProtocol' });

/** The request (L7) counters and latency of an edge, and of one of its routes. */
export const RequestStatsShape = {
  requests: count('Requests (L7); 0 until the agent reports them'),
  request_errors: count('Server errors among them: HTTP 5xx, gRPC non-OK, DNS failures, requests left unanswered'),
  request_client_errors: count('Client errors among them (HTTP 4xx), counted apart from request_errors'),
  request_latency_p50_ms: milliseconds('Median request duration (first byte of the request to the last of the response)', 'without requests'),
  request_latency_p95_ms: milliseconds('95th percentile request duration', 'without requests'),
  request_latency_p99_ms: milliseconds('99th percentile request duration', 'without requests'),
} as const;

export const EdgeStatsShape = {
  connections_opened: count('Connections opened'),
  connections_closed: count('Connections closed'),
  connections_failed: count('Connection attempts that never established (refused, timed out, reset in the handshake)'),
  connection_seconds: count('Sum over seconds of the connections open in that second'),
  connections_active: count('Open connections, averaged over the window (or step)'),
  bytes_sent: count('Bytes from client to server'),
  bytes_received: count('Bytes from server to client'),
  retransmits: count('TCP retransmits'),
  resets: count('TCP resets'),
  rtt_p50_us: microseconds('Median round-trip time', 'when no round trip was measured'),
  rtt_p95_us: microseconds('95th percentile round-trip time', 'when no round trip was measured'),
  rtt_p99_us: microseconds('99th percentile round-trip time', 'when no round trip was measured'),
  ...RequestStatsShape,
  protocols: z.array(RequestProtocolSchema).describe('The protocols the requests were seen in (empty without requests)'),
  protocol: z
    .enum(EDGE_PROTOCOLS)
    .nullable()
    .describe("The requests' protocol: the one of `protocols`, mixed when several; null without requests (or for requests stored before protocols were kept)"),
} as const;

export const EdgeStatsSchema = z.object(EdgeStatsShape).meta({ id: 'EdgeStats' });

export const EdgeSchema = z
  .object({
    source: z.string().describe('The client service (a node id)'),
    target: z.string().describe('The server service (a node id)'),
    port: z.number().int().min(0).max(65_535).describe("The server's port"),
    ...EdgeStatsShape,
  })
  .meta({ id: 'Edge' });

export const ServiceShape = {
  id: z.string().describe('The service, e.g. k8s:shop/Deployment/web, host:nginx or external:10.0.0.1'),
  name: z.string().describe("Display name (the workload's or program's; the id when nothing better is known)"),
  namespace: z.string(),
  kind: z.string().describe("Deployment, StatefulSet, Pod, Node, host, external ... ('' when unknown)"),
  workload: z.string(),
} as const;

export const ServiceSchema = z.object(ServiceShape).meta({ id: 'Service' });

export const ResolutionSchema = z
  .union([z.literal(1), z.literal(10), z.literal(60), z.literal(600), z.literal(3600), z.literal(21600)])
  .describe('Seconds per row of the finest table the answer used (1, 10, 60, 600, 3600 or 21600)');

export const WindowSchema = z
  .object({
    from: z.iso.datetime().describe('Start of the window read, inclusive (ISO-8601, UTC)'),
    to: z.iso.datetime().describe('End of the window read, exclusive (ISO-8601, UTC)'),
  })
  .meta({ id: 'Window' });

export type EdgeStats = z.infer<typeof EdgeStatsSchema>;
export type RequestStats = z.infer<z.ZodObject<typeof RequestStatsShape>>;
export type Edge = z.infer<typeof EdgeSchema>;
export type Service = z.infer<typeof ServiceSchema>;
export type Window = z.infer<typeof WindowSchema>;
