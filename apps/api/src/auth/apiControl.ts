/**
 * What the API needs of the control plane, as interfaces (libs/control's ControlStore
 * implements all of them; the specs use a real one on SQLite in a temp dir).
 */
import type { ApiKeyInfo, AuthenticatedKey, CreatedApiKey, Scope, Tenant } from '@weft/control';

export type { ApiKeyInfo, AuthenticatedKey, CreatedApiKey, Scope, Tenant };

/** Turns a plaintext key into its tenant and scopes; null when it is malformed, unknown, revoked or wrong. */
export interface ApiKeyAuthenticator {
  authenticate(plaintext: string): Promise<AuthenticatedKey | null>;
}

/** Tenants and keys, as the admin endpoints manage them. */
export interface TenantAdministration {
  createTenant(name: string): Promise<Tenant>;
  /** A new tenant and its first admin key (every scope), both or neither. */
  createTenantWithAdminKey(name: string): Promise<{ tenant: Tenant; adminKey: CreatedApiKey }>;
  getTenant(id: string): Promise<Tenant | null>;
  /** The operator's tenant (the first one made). */
  firstTenant(): Promise<Tenant | null>;
  createKey(request: { tenantId: string; name: string; scopes: readonly Scope[] }): Promise<CreatedApiKey>;
  listKeys(tenantId: string): Promise<ApiKeyInfo[]>;
  revokeKey(tenantId: string, keyId: string): Promise<ApiKeyInfo>;
}

/** Redeems the one-time login links `weft up` prints (the web app's login). */
export interface LoginLinkRedeemer {
  /** A key of the link's tenant and scopes that expires after keyTtlMs; null when the link is unknown, wrong, used or lapsed. */
  redeemLoginLink(plaintext: string, keyTtlMs: number): Promise<CreatedApiKey | null>;
}

export type ApiControl = ApiKeyAuthenticator & TenantAdministration & LoginLinkRedeemer;

/** Who is calling: the key's tenant, its id and scopes. */
export type Caller = AuthenticatedKey;
