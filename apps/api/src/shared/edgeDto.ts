/** The answer shapes several features share: a service, an edge's counters, an edge, a window. */
import { z } from 'zod';

const count = (what: string) => z.number().nonnegative().describe(what);
const microseconds = (what: string, nothing: string) => z.number().nonnegative().nullable().describe(`${what}, microseconds; null ${nothing}`);

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
  requests: count('Requests (L7); 0 until the agent reports them'),
  request_errors: count('Requests that failed'),
  request_p50_us: microseconds('Median request duration', 'without requests'),
  request_p95_us: microseconds('95th percentile request duration', 'without requests'),
  request_p99_us: microseconds('99th percentile request duration', 'without requests'),
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
export type Edge = z.infer<typeof EdgeSchema>;
export type Service = z.infer<typeof ServiceSchema>;
export type Window = z.infer<typeof WindowSchema>;
