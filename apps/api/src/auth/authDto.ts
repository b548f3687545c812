import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

/** A 401, 403 or 503 of the API key check (and a 403 beyond scopes). */
export const AuthErrorSchema = z
  .object({
    error: z.string().describe('What is wrong, for a person to read'),
    reason: z
      .enum(['missing', 'malformed', 'unknown', 'scope', 'unavailable'])
      .optional()
      .describe('missing, malformed, unknown (or revoked) key; scope: the key lacks the scope; unavailable: keys cannot be checked. Absent on a 403 beyond scopes (an operation for the operator tenant only)'),
    scope: z.enum(['read', 'write', 'ingest', 'admin']).optional().describe('The scope the operation needs (with reason)'),
  })
  ;
export class AuthErrorDto extends createZodDto(AuthErrorSchema) {}

/** Any other refusal (404, 403 beyond scopes, 409, 503): what is wrong. */
export const ErrorSchema = z.object({ error: z.string().describe('What is wrong, for a person to read') });
export class ErrorDto extends createZodDto(ErrorSchema) {}
