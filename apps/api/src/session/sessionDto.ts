import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { ScopeSchema } from '../admin/adminDto.js';

const TOKEN_LIMIT = 200;

export const LoginBodySchema = z
  .strictObject({
    credential: z
      .string()
      .max(TOKEN_LIMIT)
      .describe(
        'An API key of the tenant with the read scope (weft_<id>_<secret>), or a one-time login link token (weftlogin_<id>_<secret>, as `weft up` prints in the link fragment): a link is redeemed once for a key of read and write scope that expires after 7 days',
      ),
  })
  .describe('What the session starts from');
export class LoginBodyDto extends createZodDto(LoginBodySchema) {}

export const SessionSchema = z.object({
  tenant_id: z.string(),
  tenant_name: z.string(),
  key_id: z.string().describe('The id of the key the session holds'),
  scopes: z.array(ScopeSchema),
  expires_at: z.iso.datetime().nullable().describe('When the session (its key) lapses; null when it does not'),
});
export class SessionDto extends createZodDto(SessionSchema) {}
export type Session = z.infer<typeof SessionSchema>;
