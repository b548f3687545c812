/** /healthz's answers as zod schemas, for the OpenAPI document (the shapes are @weft/runtime's HealthBody). */
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import type { HealthBody } from '@weft/runtime';

export const HealthCheckResultSchema = z
  .object({
    ok: z.boolean(),
    reason: z.string().optional().describe('Why not, when not ok'),
    details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  })
  .meta({ id: 'HealthCheckResult' });

const checks = z.record(z.string(), HealthCheckResultSchema).describe('Each check by name');

export const HealthySchema = z
  .object({ status: z.literal('ok'), checks: checks.optional().describe('Each check by name (absent when the process has none)') });

export const UnhealthySchema = z
  .object({ status: z.literal('unhealthy'), reasons: z.array(z.string()).describe('<check>: <reason>, one per failing check'), checks });

export class HealthyDto extends createZodDto(HealthySchema) {}
export class UnhealthyDto extends createZodDto(UnhealthySchema) {}

// The schemas and @weft/runtime's type must describe the same bodies.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShape: Same<z.infer<typeof HealthySchema> | z.infer<typeof UnhealthySchema>, HealthBody> = true;
void sameShape;
