/**
 * GET /api/v1/map: its query and its answer as zod schemas. The controller
 * validates the query and serializes the answer with these, and the OpenAPI
 * document (/api/v1/openapi.json) is generated from them: one source of truth.
 */
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { TIME_PATTERN } from '../time/timeWindow.js';

const time = (what: string, example: string) =>
  z
    .string()
    .regex(new RegExp(TIME_PATTERN))
    .optional()
    .describe(
      `${what}: ISO-8601 (2026-11-23T10:00:00Z), unix seconds (1795000000), or relative to now (now, now-15m, now-1h, now-7d; ` +
        'units s m h d w). Times before 1970 or from 2106-02-07 on (2^32 s) are refused with a 400, as is a window of more than 400 days.',
    )
    .meta({ example });

/** The query: `from` and `to`, each at most once; any other parameter is a 400. */
export const MapQuerySchema = z
  .strictObject({
    from: time('Start of the window, inclusive; default: 15 minutes before `to`', 'now-1h'),
    to: time('End of the window, exclusive; default: now', 'now'),
  });

export class MapQueryDto extends createZodDto(MapQuerySchema) {}

const count = (what: string) => z.number().nonnegative().describe(what);
const microseconds = (what: string) => z.number().nonnegative().nullable().describe(`${what}; null when no round trip was measured`);

export const MapNodeSchema = z
  .object({
    id: z.string().describe('The service, e.g. k8s:shop/Deployment/web or host:nginx'),
    name: z.string(),
    namespace: z.string(),
    kind: z.string(),
  })
  .meta({ id: 'MapNode' });

export const MapEdgeSchema = z
  .object({
    source: z.string().describe('The client service (a node id)'),
    target: z.string().describe('The server service (a node id)'),
    port: z.number().int().min(0).max(65_535).describe("The server's port"),
    connections_opened: count('Connections opened in the window'),
    connections_active: count('Connections open, averaged over the window'),
    connections_failed: count('Connections that failed to open'),
    bytes_sent: count('Bytes from client to server'),
    bytes_received: count('Bytes from server to client'),
    rtt_p50_us: microseconds('Median round-trip time, microseconds'),
    rtt_p99_us: microseconds('99th percentile round-trip time, microseconds'),
    retransmits: count('TCP retransmits'),
    resets: count('TCP resets'),
  })
  .meta({ id: 'MapEdge' });

export const MapResponseSchema = z
  .object({
    window: z.object({
      from: z.iso.datetime().describe('Start of the window read, inclusive (ISO-8601, UTC)'),
      to: z.iso.datetime().describe('End of the window read, exclusive (ISO-8601, UTC)'),
      resolution: z.union([z.literal(1), z.literal(60), z.literal(3600)]).describe('Seconds per row of the finest table the answer used (1, 60 or 3600)'),
    }),
    nodes: z.array(MapNodeSchema),
    edges: z.array(MapEdgeSchema),
  });

export class MapResponseDto extends createZodDto(MapResponseSchema) {}

export type MapQuery = z.infer<typeof MapQuerySchema>;
export type MapNode = z.infer<typeof MapNodeSchema>;
export type MapEdge = z.infer<typeof MapEdgeSchema>;
export type MapResponse = z.infer<typeof MapResponseSchema>;
