import { SCOPES } from '@weft/control';
import type { TenantId } from '@weft/store';
import type { ApiKeyInfo, CreatedApiKey, Scope, TenantAdministration } from '../auth/apiControl.js';
import { translated } from '../errors/libraryErrors.js';
import { InvalidParameterError } from '../errors/serviceErrors.js';
import type { CreatedKey, Key, KeyList } from './adminDto.js';

export interface CreateKeyRequest {
  name: string;
  scopes: readonly string[];
}

/** Forgets what is remembered of a revoked key (the authentication cache). */
export interface RevocationListener {
  forget(keyId: string): void;
}

export function toKey(key: ApiKeyInfo): Key {
  return { id: key.id, tenant_id: key.tenantId, name: key.name, scopes: [...key.scopes], created_at: key.createdAt, last_used_at: key.lastUsedAt, revoked_at: key.revokedAt, expires_at: key.expiresAt };
}

export function toCreatedKey(created: CreatedApiKey): CreatedKey {
  return { key: toKey(created.key), plaintext: created.plaintext };
}

export function checkedScopes(scopes: readonly string[]): Scope[] {
  if (!Array.isArray(scopes) || scopes.length === 0) throw new InvalidParameterError('scopes', 'scopes must name at least one scope');
  for (const scope of scopes) {
    if (!(SCOPES as readonly string[]).includes(scope)) throw new InvalidParameterError('scopes', `unknown scope ${JSON.stringify(scope)} (scopes: ${SCOPES.join(', ')})`);
  }
  return scopes as Scope[];
}

/** The caller's tenant's API keys: create (the plaintext shown once), list, revoke. */
export class KeysService {
  constructor(
    private readonly control: TenantAdministration,
    private readonly revocations: RevocationListener,
  ) {}

  async create(tenant: TenantId, request: CreateKeyRequest): Promise<CreatedKey> {
    const scopes = checkedScopes(request.scopes);
    return toCreatedKey(await translated(() => this.control.createKey({ tenantId: tenant, name: request.name, scopes })));
  }

  async list(tenant: TenantId): Promise<KeyList> {
    return { keys: (await translated(() => this.control.listKeys(tenant))).map(toKey) };
  }

  /** Revokes the tenant's key; NotFoundError for no such key, another tenant's included. */
  async revoke(tenant: TenantId, keyId: string): Promise<Key> {
    const revoked = await translated(() => this.control.revokeKey(tenant, keyId));
    this.revocations.forget(revoked.id);
    return toKey(revoked);
  }
}
