/**
 * GET /api/v1/map: its query and its answer as zod schemas. The controller
 * validates the query and serializes the answer with these, and the OpenAPI
 * document (/api/v1/openapi.json) is generated from them: one source of truth.
 */
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { EdgeSchema, ResolutionSchema, ServiceShape } from '../shared/edgeDto.js';
import { decimalParameter, textParameter, timeParameter } from '../shared/queryParameters.js';
import { TEXT_LIMITS } from '../shared/textLimits.js';

/** The query: each parameter at most once; any other parameter is a 400. */
export const MapQuerySchema = z.strictObject({
  from: timeParameter('Start of the window, inclusive; default: 15 minutes before `to`', 'now-1h'),
  to: timeParameter('End of the window, exclusive; default: now', 'now'),
  namespace: textParameter(TEXT_LIMITS.namespace, 'Only edges with at least one end in this namespace', 'shop'),
  service: textParameter(TEXT_LIMITS.service, 'Only edges with at least one end whose id or name matches: `*` matches any run of characters, anything else literally, case-insensitive; without `*` a substring match', 'cart*'),
  min_rate: decimalParameter('Only edges opening at least this many connections per second over the window', 0.1),
  group_by: z.enum(['service', 'namespace', 'zone']).optional().describe('Nodes are services (default), namespaces (namespace:<ns>) or zones (zone:<zone>)'),
});

export class MapQueryDto extends createZodDto(MapQuerySchema) {}

export const MapNodeSchema = z
  .object({ ...ServiceShape, members: z.number().int().nonnegative().describe('For grouped maps, how many services the node stands for (1 for a service)') })
  .meta({ id: 'MapNode' });

export const MapResponseSchema = z.object({
  window: z.object({
    from: z.iso.datetime().describe('Start of the window read, inclusive (ISO-8601, UTC)'),
    to: z.iso.datetime().describe('End of the window read, exclusive (ISO-8601, UTC)'),
    resolution: ResolutionSchema,
  }),
  nodes: z.array(MapNodeSchema),
  edges: z.array(EdgeSchema),
});

export class MapResponseDto extends createZodDto(MapResponseSchema) {}

export type MapNode = z.infer<typeof MapNodeSchema>;
export type MapResponse = z.infer<typeof MapResponseSchema>;
