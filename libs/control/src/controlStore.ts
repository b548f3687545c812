/**
 * Tenants and their API keys, on SQLite or PostgreSQL through one Kysely code path (the engine
 * differences end in controlDatabase.ts). Every value reaches the database as a bound
 * parameter. Plaintext keys exist only in createKey's return value: the database holds the
 * SHA-256 of the secret (apiKeyToken.ts).
 */
import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import { newApiKeyToken, newLoginToken, parseApiKeyToken, parseLoginToken, randomId, secretMatches } from './apiKeyToken.js';
import type { ApiKeysTable, ControlDatabase, TenantsTable } from './controlSchema.js';
import { ApiKeyNotFoundError, ControlInputError, ControlStoreError, TenantNameTakenError, TenantNotFoundError } from './controlStoreErrors.js';
import { errorText } from './errorText.js';
import { formatScopes, normalizeScopes, parseStoredScopes, SCOPES, type Scope } from './scopes.js';

export interface Tenant {
  id: string;
  name: string;
  /** ISO 8601, UTC. */
  createdAt: string;
}

/** What may be shown of a key: never its secret or hash. */
export interface ApiKeyInfo {
  id: string;
  tenantId: string;
  name: string;
  scopes: Scope[];
  createdAt: string;
  /** When it last authenticated, to within lastUsedResolutionMs; null when never. */
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** After it the key authenticates no more; null: never. */
  expiresAt: string | null;
}

export interface CreatedApiKey {
  key: ApiKeyInfo;
  /** `weft_<id>_<secret>`: shown once, nothing can read it later. */
  plaintext: string;
}

export interface AuthenticatedKey {
  tenantId: string;
  keyId: string;
  scopes: Scope[];
}

export interface ControlStoreClock {
  /** The current time (tests move it). Default: the system clock. */
  now?: () => Date;
  /**
   * last_used_at is written at most this often per key, so authenticating is a read, not a
   * write, on almost every request. Default 60 s.
   */
  lastUsedResolutionMs?: number;
}

/** A one-time login link: its token (`weftlogin_<id>_<secret>`, for a URL's fragment) and when it lapses. */
export interface CreatedLoginLink {
  plaintext: string;
  expiresAt: string;
}

/** The name and scopes of the key ensureFirstTenant makes. */
export const FIRST_ADMIN_KEY_NAME = 'first admin key';

/** The name of the keys login links are redeemed for. */
export const LOGIN_KEY_NAME = 'web login';

const MAX_NAME_LENGTH = 200;

type ApiKeyRow = Omit<Selectable<ApiKeysTable>, 'secret_hash'>;
const KEY_COLUMNS = ['id', 'tenant_id', 'name', 'scopes', 'created_at', 'last_used_at', 'revoked_at', 'expires_at'] as const;

export class ControlStore {
  private closed = false;
  private readonly now: () => Date;
  private readonly lastUsedResolutionMs: number;

  /** Use openControlStore(), which opens the database and migrates it. */
  constructor(
    private readonly db: Kysely<ControlDatabase>,
    /** The file, or the URL without its password. */
    readonly location: string,
    /** The migrations this open applied (none when the schema was up to date). */
    readonly migrationsApplied: readonly string[],
    clock: ControlStoreClock = {},
  ) {
    this.now = clock.now ?? (() => new Date());
    this.lastUsedResolutionMs = clock.lastUsedResolutionMs ?? 60_000;
  }

  async createTenant(name: string): Promise<Tenant> {
    const tenantName = checkedName(name, 'name');
    return this.run('creating a tenant', async () => {
      const tenant: TenantRow = { id: randomId(), name: tenantName, created_at: this.timestamp() };
      try {
        await this.db.insertInto('tenants').values(tenant).execute();
      } catch (error) {
        if (isTenantNameViolation(error)) throw new TenantNameTakenError(tenantName);
        throw error;
      }
      return toTenant(tenant);
    });
  }

  /**
   * A new tenant with a first key of every scope (its admin key, plaintext in the result only),
   * in one transaction: a failure in between leaves neither, so a retry with the same name works.
   */
  async createTenantWithAdminKey(name: string): Promise<{ tenant: Tenant; adminKey: CreatedApiKey }> {
    const tenantName = checkedName(name, 'name');
    return this.run('creating a tenant', async () => {
      const tenant: TenantRow = { id: randomId(), name: tenantName, created_at: this.timestamp() };
      try {
        return await this.db.transaction().execute(async (trx) => {
          await trx.insertInto('tenants').values(tenant).execute();
          const adminKey = await this.insertKey(trx, tenant.id, FIRST_ADMIN_KEY_NAME, [...SCOPES]);
          return { tenant: toTenant(tenant), adminKey };
        });
      } catch (error) {
        if (isTenantNameViolation(error)) throw new TenantNameTakenError(tenantName);
        throw error;
      }
    });
  }

  /** Every tenant, by name. */
  async listTenants(): Promise<Tenant[]> {
    return this.run('listing tenants', async () => {
      const rows = await this.db.selectFrom('tenants').selectAll().orderBy('name').execute();
      return rows.map(toTenant);
    });
  }

  /**
   * The operator's tenant, or null when there is none: the one ensureFirstTenant made on the very
   * first start (a marker, not the oldest row: the timestamps are the inserting host's clock). The
   * API lets only its admin keys create other tenants.
   */
  async firstTenant(): Promise<Tenant | null> {
    return this.run('reading the first tenant', async () => {
      const row = await this.db.selectFrom('tenants').selectAll().where('operator', '=', 1).executeTakeFirst();
      return row ? toTenant(row) : null;
    });
  }

  /** The tenant, or null when there is none with that id. */
  async getTenant(id: string): Promise<Tenant | null> {
    if (typeof id !== 'string') return null;
    return this.run('reading a tenant', async () => {
      const row = await this.db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toTenant(row) : null;
    });
  }

  /** A new key for the tenant; the plaintext is in the result and nowhere else. */
  async createKey(request: { tenantId: string; name: string; scopes: readonly Scope[] }): Promise<CreatedApiKey> {
    const name = checkedName(request.name, 'name');
    const scopes = normalizeScopes(request.scopes);
    return this.run('creating an API key', async () => {
      await this.requireTenant(request.tenantId);
      return this.insertKey(this.db, request.tenantId, name, scopes);
    });
  }

  /**
   * A one-time login link for the tenant: redeemLoginLink turns its token, once and before
   * `ttlMs` has passed, into a key of `scopes`. Only the hash of its secret is stored.
   */
  async createLoginLink(request: { tenantId: string; scopes: readonly Scope[]; ttlMs: number }): Promise<CreatedLoginLink> {
    const scopes = normalizeScopes(request.scopes);
    if (!Number.isSafeInteger(request.ttlMs) || request.ttlMs <= 0) throw new ControlInputError('a login link needs a positive lifetime in milliseconds', 'ttlMs');
    return this.run('creating a login link', async () => {
      await this.requireTenant(request.tenantId);
      const token = newLoginToken();
      const now = this.now();
      // Bounded: a link is only ever redeemable before it lapses, so lapsed ones (used or not) go.
      await this.db.deleteFrom('login_links').where('expires_at', '<=', now.toISOString()).execute();
      const expiresAt = new Date(now.getTime() + request.ttlMs).toISOString();
      await this.db
        .insertInto('login_links')
        .values({ id: token.id, tenant_id: request.tenantId, scopes: formatScopes(scopes), secret_hash: token.secretHash, created_at: now.toISOString(), expires_at: expiresAt, used_at: null })
        .execute();
      return { plaintext: token.plaintext, expiresAt };
    });
  }

  /**
   * Redeems a login link: a new key (named LOGIN_KEY_NAME, the link's tenant and scopes) that
   * expires after `keyTtlMs`. Null when the token is malformed, unknown, wrong, lapsed or used
   * (the caller cannot tell which). A link is redeemed at most once, however many ask at once:
   * the one conditional update that marks it used decides.
   */
  async redeemLoginLink(plaintext: string, keyTtlMs: number): Promise<CreatedApiKey | null> {
    const token = parseLoginToken(plaintext);
    if (!token) return null;
    if (!Number.isSafeInteger(keyTtlMs) || keyTtlMs <= 0) throw new ControlInputError('a login key needs a positive lifetime in milliseconds', 'keyTtlMs');
    return this.run('redeeming a login link', async () => {
      const row = await this.db.selectFrom('login_links').selectAll().where('id', '=', token.id).executeTakeFirst();
      if (!row || !secretMatches(token.secret, row.secret_hash)) return null;
      const now = this.now();
      return this.db.transaction().execute(async (trx) => {
        const marked = await trx
          .updateTable('login_links')
          .set({ used_at: now.toISOString() })
          .where('id', '=', token.id)
          .where('used_at', 'is', null)
          .where('expires_at', '>', now.toISOString())
          .executeTakeFirst();
        if (Number(marked.numUpdatedRows) !== 1) return null;
        const expiresAt = new Date(now.getTime() + keyTtlMs).toISOString();
        return this.insertKey(trx, row.tenant_id, LOGIN_KEY_NAME, parseStoredScopes(row.scopes, row.id), expiresAt);
      });
    });
  }

  /** The tenant's keys, revoked ones included, oldest first; never a secret or its hash. */
  async listKeys(tenantId: string): Promise<ApiKeyInfo[]> {
    return this.run('listing API keys', async () => {
      await this.requireTenant(tenantId);
      const rows = await this.db.selectFrom('api_keys').select(KEY_COLUMNS).where('tenant_id', '=', tenantId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toApiKeyInfo);
    });
  }

  /**
   * Revokes the tenant's key (from now on it authenticates no more) and returns it. Revoking a
   * revoked key changes nothing. A key of another tenant is ApiKeyNotFoundError, as is no key.
   */
  async revokeKey(tenantId: string, keyId: string): Promise<ApiKeyInfo> {
    if (typeof tenantId !== 'string' || typeof keyId !== 'string') throw new ApiKeyNotFoundError(String(tenantId), String(keyId));
    return this.run('revoking an API key', async () => {
      await this.db
        .updateTable('api_keys')
        .set({ revoked_at: this.timestamp() })
        .where('id', '=', keyId)
        .where('tenant_id', '=', tenantId)
        .where('revoked_at', 'is', null)
        .execute();
      const row = await this.db.selectFrom('api_keys').select(KEY_COLUMNS).where('id', '=', keyId).where('tenant_id', '=', tenantId).executeTakeFirst();
      if (!row) throw new ApiKeyNotFoundError(tenantId, keyId);
      return toApiKeyInfo(row);
    });
  }

  /**
   * The tenant and scopes of a plaintext key; null when it is malformed, unknown, revoked or
   * its secret is wrong (the caller cannot tell which, by design). One indexed read per call,
   * plus a write of last_used_at when the stored one is older than lastUsedResolutionMs.
   */
  async authenticate(plaintext: string): Promise<AuthenticatedKey | null> {
    const token = parseApiKeyToken(plaintext);
    if (!token) return null;
    return this.run('authenticating an API key', async () => {
      const row = await this.db
        .selectFrom('api_keys')
        .select(['tenant_id', 'scopes', 'secret_hash', 'last_used_at', 'revoked_at', 'expires_at'])
        .where('id', '=', token.id)
        .executeTakeFirst();
      if (!row || !secretMatches(token.secret, row.secret_hash) || row.revoked_at !== null) return null;
      const now = this.now();
      if (row.expires_at !== null && row.expires_at <= now.toISOString()) return null;
      const staleBefore = new Date(now.getTime() - this.lastUsedResolutionMs).toISOString();
      if (row.last_used_at === null || row.last_used_at < staleBefore) {
        // Conditional, so concurrent requests with the same key write once between them.
        await this.db
          .updateTable('api_keys')
          .set({ last_used_at: now.toISOString() })
          .where('id', '=', token.id)
          .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', staleBefore)]))
          .execute();
      }
      return { tenantId: row.tenant_id, keyId: token.id, scopes: parseStoredScopes(row.scopes, token.id) };
    });
  }

  /**
   * On the very first start (no tenant at all): creates the tenant `name` with one key of every
   * scope and returns that key's plaintext, for `weft up` to print once. Otherwise null.
   */
  async ensureFirstTenant(name = 'default'): Promise<string | null> {
    const tenantName = checkedName(name, 'name');
    return this.run('creating the first tenant', async () => {
      try {
        return await this.db.transaction().execute(async (trx) => {
          const id = randomId();
          // One statement, so two processes starting at once cannot both see "no tenant" and
          // insert (SQLite runs it under its write lock; on PostgreSQL the second insert of the
          // same name fails on the unique name).
          const inserted = await trx
            .insertInto('tenants')
            .columns(['id', 'name', 'created_at', 'operator'])
            .expression(
              trx
                .selectNoFrom([
                  sql<string>`cast(${id} as text)`.as('id'),
                  sql<string>`cast(${tenantName} as text)`.as('name'),
                  sql<string>`cast(${this.timestamp()} as text)`.as('created_at'),
                  sql<number>`1`.as('operator'),
                ])
                .where(({ not, exists, selectFrom }) => not(exists(selectFrom('tenants').select('id')))),
            )
            .returning('id')
            .executeTakeFirst();
          if (!inserted) return null;
          const { plaintext } = await this.insertKey(trx, id, FIRST_ADMIN_KEY_NAME, [...SCOPES]);
          return plaintext;
        });
      } catch (error) {
        // Another process created the first tenant between our check and our insert: this
        // start is not the first one.
        if (isTenantNameViolation(error) || isOperatorViolation(error)) return null;
        throw error;
      }
    });
  }

  /** Closes the connections. Calls after it throw ControlStoreError; closing twice is fine. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.destroy();
  }

  private async insertKey(db: Kysely<ControlDatabase>, tenantId: string, name: string, scopes: Scope[], expiresAt: string | null = null): Promise<CreatedApiKey> {
    const token = newApiKeyToken();
    const row: Selectable<ApiKeysTable> = {
      id: token.id,
      tenant_id: tenantId,
      name,
      scopes: formatScopes(scopes),
      secret_hash: token.secretHash,
      created_at: this.timestamp(),
      last_used_at: null,
      revoked_at: null,
      expires_at: expiresAt,
    };
    await db.insertInto('api_keys').values(row).execute();
    return { key: toApiKeyInfo(row), plaintext: token.plaintext };
  }

  private async requireTenant(tenantId: string): Promise<void> {
    if (typeof tenantId !== 'string') throw new TenantNotFoundError(String(tenantId));
    const row = await this.db.selectFrom('tenants').select('id').where('id', '=', tenantId).executeTakeFirst();
    if (!row) throw new TenantNotFoundError(tenantId);
  }

  private timestamp(): string {
    return this.now().toISOString();
  }

  /** Runs a database operation; a driver's error becomes ControlStoreError, the store's own errors pass. */
  private async run<T>(what: string, operation: () => Promise<T>): Promise<T> {
    if (this.closed) throw new ControlStoreError(`${what}: the control store is closed`);
    try {
      return await operation();
    } catch (error) {
      if (isOwnError(error)) throw error;
      throw new ControlStoreError(`control database ${this.location}: ${what} failed: ${errorText(error)}`, { cause: error });
    }
  }
}

function isOwnError(error: unknown): boolean {
  return (
    error instanceof ControlStoreError ||
    error instanceof TenantNotFoundError ||
    error instanceof ApiKeyNotFoundError ||
    error instanceof TenantNameTakenError ||
    error instanceof ControlInputError
  );
}

/** A unique violation on tenants.name, as either engine reports it. */
function isTenantNameViolation(error: unknown): boolean {
  const { code, constraint, message } = (error ?? {}) as { code?: unknown; constraint?: unknown; message?: unknown };
  if (code === '23505') return constraint === 'tenants_name_key'; // PostgreSQL's name for UNIQUE on tenants(name)
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string' && message.includes('tenants.name');
}

/** The unique index that allows one operator's tenant (migration 0002). */
function isOperatorViolation(error: unknown): boolean {
  const { code, constraint, message } = (error ?? {}) as { code?: unknown; constraint?: unknown; message?: unknown };
  if (code === '23505') return constraint === 'tenants_one_operator';
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string' && message.includes('tenants.operator');
}

/** A tenant or key name: trimmed, 1 to 200 characters, no control characters. */
function checkedName(name: unknown, field: string): string {
  if (typeof name !== 'string') throw new ControlInputError(`${field} must be a string`, field);
  const trimmed = name.trim();
  if (!trimmed) throw new ControlInputError(`${field} is empty`, field);
  if (trimmed.length > MAX_NAME_LENGTH) throw new ControlInputError(`${field} is longer than ${MAX_NAME_LENGTH} characters`, field);
  for (const char of trimmed) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f) throw new ControlInputError(`${field} contains a control character`, field);
  }
  return trimmed;
}

/** A tenant's row as inserted and as read (the operator marker aside). */
type TenantRow = Insertable<TenantsTable> & Pick<Selectable<TenantsTable>, 'id' | 'name' | 'created_at'>;

function toTenant(row: TenantRow): Tenant {
  return { id: row.id, name: row.name, createdAt: row.created_at };
}

function toApiKeyInfo(row: ApiKeyRow): ApiKeyInfo {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    scopes: parseStoredScopes(row.scopes, row.id),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    expiresAt: row.expires_at,
  };
}
