/**
 * The tables as Kysely sees them (the migrations create them). Timestamps are ISO 8601 strings
 * in UTC from Date.toISOString() on both engines: text columns, so SQLite and PostgreSQL return
 * them the same, and they sort as they compare.
 */
import type { Generated } from 'kysely';
export interface TenantsTable {
  id: string;
  name: string;
  created_at: string;
  /** 1 for the operator's tenant (the one ensureFirstTenant made; at most one), else 0. */
  operator: Generated<number>;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  name: string;
  /** Space-separated scopes (scopes.ts). */
  scopes: string;
  /** SHA-256 of the secret, hex (apiKeyToken.ts). */
  secret_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  /** After it, the key authenticates no more (migration 0003); null: never. */
  expires_at: string | null;
}

/** One-time login links (loginLinks.ts): redeemed once for a key that expires. */
export interface LoginLinksTable {
  id: string;
  tenant_id: string;
  /** The scopes of the key it is redeemed for, space-separated. */
  scopes: string;
  secret_hash: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface ControlDatabase {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  login_links: LoginLinksTable;
}
