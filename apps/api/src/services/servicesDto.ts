/** /api/v1/services, /services/{id} and /services/{id}/neighborhood: queries and answers as zod schemas (validated, serialized and documented from these). */
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { EdgeSchema, ResolutionSchema, ServiceSchema, ServiceShape, WindowSchema } from '../shared/edgeDto.js';
import { integerParameter, servicePathIdParameter, textParameter, timeParameter } from '../shared/queryParameters.js';
import { TEXT_LIMITS } from '../shared/textLimits.js';

export const ServiceSearchQuerySchema = z.strictObject({
  q: textParameter(TEXT_LIMITS.q, "Matches a service's id, name, namespace or kind (case-insensitive substring); empty: every service", 'cart'),
  limit: integerParameter(1, 1000, 'Services per page (1 to 1000; default 50)', 50),
  cursor: textParameter(TEXT_LIMITS.cursor, 'The next_cursor of the previous page', ''),
});
export class ServiceSearchQueryDto extends createZodDto(ServiceSearchQuerySchema) {}

/**
 * A registered component, not a bare `.nullable()` (nor a union with null, which zod
 * writes the same way): zod (4.5 on) writes a nullable string as `type: ['string', 'null']`,
 * and at the top level of a DTO nestjs-zod hands that to @nestjs/swagger as the property's
 * type, which reads an array type as "an array of its first item" and documents
 * `type: array, items: string` (nestjs-zod issue #473). A component goes to the document
 * as zod wrote it, and the property is a $ref to it. (An id on the page itself does not
 * help: nestjs-zod 5.5 refuses a DTO whose root has an id as a duplicate schema.)
 */
export const PageCursorSchema = z.string().nullable().describe('Pass as cursor for the next page; null on the last page').meta({ id: 'PageCursor' });

export const ServicePageSchema = z.object({
  services: z.array(ServiceSchema),
  next_cursor: PageCursorSchema,
});
export class ServicePageDto extends createZodDto(ServicePageSchema) {}

export const ServiceIdParamSchema = z.strictObject({
  id: servicePathIdParameter('The service id, URL-encoded (k8s%3Ashop%2FDeployment%2Fweb)'),
});
export class ServiceIdParamDto extends createZodDto(ServiceIdParamSchema) {}

const windowQuery = {
  from: timeParameter('Start of the window, inclusive; default: 15 minutes before `to`', 'now-1h'),
  to: timeParameter('End of the window, exclusive; default: now', 'now'),
};

export const ServiceViewQuerySchema = z.strictObject(windowQuery);
export class ServiceViewQueryDto extends createZodDto(ServiceViewQuerySchema) {}

export const ServiceDetailSchema = z
  .object({
    ...ServiceShape,
    zones: z.array(z.string()).describe('Zones it ran in during the window'),
    nodes: z.array(z.string()).describe('Nodes it ran on during the window'),
    versions: z.array(z.string()).describe('Versions seen during the window'),
    instances: z.number().int().nonnegative().describe('Distinct instances (pods or process instances)'),
    first_seen: z.iso.datetime().describe('Its first row in the window (ISO-8601, UTC)'),
    last_seen: z.iso.datetime().describe('Its last row in the window (ISO-8601, UTC)'),
  })
  .meta({ id: 'ServiceDetail' });

export const ServiceViewSchema = z.object({
  window: WindowSchema,
  service: ServiceDetailSchema,
  inbound: z.array(EdgeSchema).describe('Edges whose target is the service'),
  outbound: z.array(EdgeSchema).describe('Edges whose source is the service'),
});
export class ServiceViewDto extends createZodDto(ServiceViewSchema) {}

export const NeighborhoodQuerySchema = z.strictObject({
  depth: integerParameter(1, 5, 'Hops to follow (1 to 5; default 1)', 2),
  direction: z.enum(['in', 'out', 'both']).optional().describe('out: from client to server; in: from server to client; both (default): either way'),
  ...windowQuery,
});
export class NeighborhoodQueryDto extends createZodDto(NeighborhoodQuerySchema) {}

export const NeighborhoodNodeSchema = z
  .object({ ...ServiceShape, hops: z.number().int().min(0).max(5).describe('0 for the service asked about, else the fewest hops to reach it') })
  .meta({ id: 'NeighborhoodNode' });

export const NeighborhoodSchema = z.object({
  window: z.object({ from: z.iso.datetime(), to: z.iso.datetime(), resolution: ResolutionSchema }),
  center: z.string().describe('The service asked about'),
  nodes: z.array(NeighborhoodNodeSchema),
  edges: z.array(EdgeSchema).describe("The window's edges between two nodes of the answer that the traversal follows"),
});
export class NeighborhoodDto extends createZodDto(NeighborhoodSchema) {}

export type ServicePage = z.infer<typeof ServicePageSchema>;
export type ServiceView = z.infer<typeof ServiceViewSchema>;
export type ServiceDetail = z.infer<typeof ServiceDetailSchema>;
export type Neighborhood = z.infer<typeof NeighborhoodSchema>;
export type NeighborhoodNode = z.infer<typeof NeighborhoodNodeSchema>;
