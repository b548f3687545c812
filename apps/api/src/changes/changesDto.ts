/** /api/v1/changes: its query and answer as zod schemas (validated, serialized and documented from these). */
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { EdgeStatsSchema, ServiceSchema, WindowSchema } from '../shared/edgeDto.js';
import { timeParameter } from '../shared/queryParameters.js';

export const ChangesQuerySchema = z.strictObject({
  from: timeParameter('Start of the window, inclusive; default: 15 minutes before `to`', 'now-15m'),
  to: timeParameter('End of the window, exclusive; default: now', 'now'),
  baseline_from: timeParameter('Start of the baseline, inclusive; default: as long before baseline_to as the window is long', 'now-1h'),
  baseline_to: timeParameter('End of the baseline, exclusive; default: from', 'now-15m'),
});
export class ChangesQueryDto extends createZodDto(ChangesQuerySchema) {}

export const EdgeChangeSchema = z
  .object({
    kind: z.enum(['appeared', 'vanished', 'worse']),
    source: z.string().describe('The client service'),
    target: z.string().describe('The server service'),
    port: z.number().int().min(0).max(65_535),
    baseline: EdgeStatsSchema.nullable().describe('The edge in the baseline; null for an edge that appeared'),
    current: EdgeStatsSchema.nullable().describe('The edge in the window; null for an edge that vanished'),
    reasons: z.array(z.enum(['failure_rate', 'retransmit_rate', 'rtt_p99'])).describe('For worse: every reason that held; empty otherwise'),
  })
  .meta({ id: 'EdgeChange' });

export const ChangesSchema = z.object({
  window: WindowSchema,
  baseline: WindowSchema,
  changes: z.array(EdgeChangeSchema),
  services: z.array(ServiceSchema).describe('Every service named in changes'),
});
export class ChangesDto extends createZodDto(ChangesSchema) {}

export type Changes = z.infer<typeof ChangesSchema>;
export type EdgeChange = z.infer<typeof EdgeChangeSchema>;
