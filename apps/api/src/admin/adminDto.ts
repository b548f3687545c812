/** /api/v1/keys and /api/v1/tenants: bodies, parameters and answers as zod schemas (validated, serialized and documented from these). */
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

export const ScopeSchema = z.enum(['read', 'write', 'ingest', 'admin']);

const name = (what: string, example: string) =>
  z
    .string()
    .max(200, 'is longer than 200 characters')
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'contains a control character')
    .refine((value) => value.trim() !== '', 'is empty')
    .describe(`${what} (1 to 200 characters, trimmed, no control characters)`)
    .meta({ example });

export const CreateKeyBodySchema = z.strictObject({
  name: name("The key's name, for people", 'ci reader'),
  scopes: z
    .array(ScopeSchema)
    .min(1, 'must name at least one scope')
    .max(4, 'has at most the four scopes')
    .describe('read (maps, services, edges, changes), write (rules, channels), ingest (agents), admin (keys, tenants)'),
});
export class CreateKeyBodyDto extends createZodDto(CreateKeyBodySchema) {}

export const KeyIdParamSchema = z.strictObject({
  id: z.string().regex(/^[a-z2-7]{12}$/, 'is not a key id (12 characters a-z, 2-7)').describe("The key's id (the part after weft_)").meta({ example: 'abcdefghijkl' }),
});
export class KeyIdParamDto extends createZodDto(KeyIdParamSchema) {}

export const KeySchema = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    name: z.string(),
    scopes: z.array(ScopeSchema),
    created_at: z.iso.datetime(),
    last_used_at: z.iso.datetime().nullable().describe('When it last authenticated, to within a minute; null when never'),
    revoked_at: z.iso.datetime().nullable(),
    expires_at: z.iso.datetime().nullable().describe('After it the key authenticates no more (the keys web logins make); null when never'),
  })
  ;
export class KeyDto extends createZodDto(KeySchema) {}

export const CreatedKeySchema = z
  .object({
    key: KeySchema,
    plaintext: z.string().describe('weft_<id>_<secret>: shown this once; only a hash of the secret is kept'),
  })
  ;
export class CreatedKeyDto extends createZodDto(CreatedKeySchema) {}

export const KeyListSchema = z.object({ keys: z.array(KeySchema).describe("The tenant's keys, revoked ones included, oldest first") });
export class KeyListDto extends createZodDto(KeyListSchema) {}

export const CreateTenantBodySchema = z.strictObject({ name: name("The tenant's name, unique", 'acme') });
export class CreateTenantBodyDto extends createZodDto(CreateTenantBodySchema) {}

export const TenantSchema = z.object({ id: z.string(), name: z.string(), created_at: z.iso.datetime() }).meta({ id: 'Tenant' });

export const CreatedTenantSchema = z.object({
  tenant: TenantSchema,
  admin_key: CreatedKeySchema.describe("The new tenant's first key, with every scope: shown this once"),
});
export class CreatedTenantDto extends createZodDto(CreatedTenantSchema) {}

export const TenantListSchema = z.object({ tenants: z.array(TenantSchema).describe("The caller's own tenant (a key sees no other)") });
export class TenantListDto extends createZodDto(TenantListSchema) {}

export type Key = z.infer<typeof KeySchema>;
export type CreatedKey = z.infer<typeof CreatedKeySchema>;
export type KeyList = z.infer<typeof KeyListSchema>;
export type TenantView = z.infer<typeof TenantSchema>;
export type CreatedTenant = z.infer<typeof CreatedTenantSchema>;
export type TenantList = z.infer<typeof TenantListSchema>;
