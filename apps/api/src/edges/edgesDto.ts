/** /api/v1/edges/series, /edges/breakdown and /edges/routes: queries and answers as zod schemas (validated, serialized and documented from these). */
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { EdgeStatsShape, RequestProtocolSchema, RequestStatsShape, WindowSchema } from '../shared/edgeDto.js';
import { integerParameter, serviceIdParameter, timeParameter } from '../shared/queryParameters.js';
import { BREAKDOWN_DIMENSIONS } from './breakdownDimensions.js';
import { DEFAULT_ROUTES_LIMIT, MAX_ROUTES_LIMIT } from './routesLimit.js';
import { MAX_STEP_SECONDS } from './seriesStep.js';

const edgeQuery = {
  source: serviceIdParameter('The client service'),
  target: serviceIdParameter('The server service'),
  port: integerParameter(0, 65_535, "The server's port; absent: every port between the two", 8080),
  from: timeParameter('Start of the window, inclusive; default: 15 minutes before `to`', 'now-1h'),
  to: timeParameter('End of the window, exclusive; default: now', 'now'),
};

export const SeriesQuerySchema = z.strictObject({
  ...edgeQuery,
  step: integerParameter(
    1,
    MAX_STEP_SECONDS,
    'Seconds per point; default: the first of 1, 10, 60, 300, 900, 3600, 21600, 86400 giving at most 300 points. The window is widened to whole steps.',
    60,
  ),
});
export class SeriesQueryDto extends createZodDto(SeriesQuerySchema) {}

export const SeriesPointSchema = z
  .object({ ts: z.iso.datetime().describe('Start of the step (ISO-8601, UTC)'), ...EdgeStatsShape })
  .meta({ id: 'SeriesPoint' });

export const SeriesSchema = z.object({
  window: WindowSchema,
  step: z.number().int().positive().describe('Seconds per point'),
  points: z.array(SeriesPointSchema).describe('One point per step of the window, zeros where nothing was seen'),
});
export class SeriesDto extends createZodDto(SeriesSchema) {}

export const BreakdownQuerySchema = z.strictObject({
  ...edgeQuery,
  by: z.enum(BREAKDOWN_DIMENSIONS).describe('The failure domain of one end to split by (client_ or server_ prefix)'),
});
export class BreakdownQueryDto extends createZodDto(BreakdownQuerySchema) {}

export const BreakdownGroupSchema = z
  .object({
    value: z.string().describe("The domain's value ('' when the ingest did not know it)"),
    error_share: z.number().min(0).max(1).describe('connections_failed / (connections_opened + connections_failed); 0 without attempts'),
    ...EdgeStatsShape,
  })
  .meta({ id: 'BreakdownGroup' });

export const BreakdownSchema = z.object({
  window: WindowSchema,
  by: z.enum(BREAKDOWN_DIMENSIONS),
  groups: z.array(BreakdownGroupSchema).describe('Highest error_share first; ties by more connections_failed, then value'),
});
export class BreakdownDto extends createZodDto(BreakdownSchema) {}

export const RoutesQuerySchema = z.strictObject({
  ...edgeQuery,
  limit: integerParameter(1, MAX_ROUTES_LIMIT, `Routes listed, the busiest first (1 to ${MAX_ROUTES_LIMIT}; default ${DEFAULT_ROUTES_LIMIT}); the rest are summed in others`, DEFAULT_ROUTES_LIMIT),
});
export class RoutesQueryDto extends createZodDto(RoutesQuerySchema) {}

export const EdgeRouteSchema = z
  .object({
    protocol: RequestProtocolSchema,
    method: z.string().describe("Upper-case method (OTHER outside the known set); '' where the protocol has none"),
    route: z.string().describe('The route template: ids, UUIDs, hashes and numbers collapsed (/orders/{id})'),
    ...RequestStatsShape,
  })
  .meta({ id: 'EdgeRoute' });

export const EdgeRoutesOthersSchema = z
  .object({
    routes: z.number().int().nonnegative().describe('Routes beyond the limit'),
    requests: z.number().nonnegative().describe('Their requests'),
    request_errors: z.number().nonnegative().describe('Their server errors'),
    request_client_errors: z.number().nonnegative().describe('Their client errors (HTTP 4xx)'),
  })
  .meta({ id: 'EdgeRoutesOthers' });

export const RoutesSchema = z.object({
  window: WindowSchema,
  routes: z.array(EdgeRouteSchema).describe('Most requests first; ties by more errors, then by route'),
  others: EdgeRoutesOthersSchema,
});
export class RoutesDto extends createZodDto(RoutesSchema) {}

export type Series = z.infer<typeof SeriesSchema>;
export type SeriesPoint = z.infer<typeof SeriesPointSchema>;
export type Breakdown = z.infer<typeof BreakdownSchema>;
export type BreakdownGroup = z.infer<typeof BreakdownGroupSchema>;
export type Routes = z.infer<typeof RoutesSchema>;
export type EdgeRoute = z.infer<typeof EdgeRouteSchema>;
