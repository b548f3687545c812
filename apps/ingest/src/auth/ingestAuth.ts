/**
 * Who may send telemetry: every agent batch carries an API key (gRPC metadata `authorization:
 * Bearer <key>`, or the Kafka header `weft-key`), and the ingest takes it only when the key
 * authenticates and carries the `ingest` scope. Its halves are stamped with the key's tenant.
 *
 * The lookup itself (the control store) is behind KeyLookup, so the ingest does not depend on
 * the control plane's database; CachedIngestAuthenticator keeps answers for a while so that a
 * batch a second per agent is not a database read each.
 */
import { createHash } from 'node:crypto';

/** Why a batch's key was refused; the label of weft_ingest_auth_refused_total. */
export type IngestAuthRefusal = 'missing_key' | 'unknown_key' | 'no_ingest_scope';

export type IngestAuthResult = { tenant: string } | { refused: IngestAuthRefusal };

/** Decides whose a batch is from the key that came with it. Throws when it cannot tell (the control store is down). */
export interface IngestAuthenticator {
  authenticate(key: string | undefined): Promise<IngestAuthResult>;
}

/** What the control store says about a plaintext key: its tenant and scopes, or null when it does not authenticate. */
export type KeyLookup = (plaintext: string) => Promise<{ tenantId: string; scopes: readonly string[] } | null>;

/** The scope an agent's key needs. */
export const INGEST_SCOPE = 'ingest';

/** The header of an agent's Kafka message that carries its key. */
export const KAFKA_KEY_HEADER = 'weft-key';

export interface IngestAuthCacheOptions {
  /** How long a key that authenticated is trusted without asking again (a revoked key keeps working that long). */
  positiveTtlMs: number;
  /** How long a key that did not authenticate is refused without asking again. */
  negativeTtlMs: number;
  /** Keys remembered; beyond this the oldest entry is forgotten. */
  maxEntries: number;
  now?: () => number;
}

export const DEFAULT_INGEST_AUTH_CACHE: IngestAuthCacheOptions = { positiveTtlMs: 60_000, negativeTtlMs: 5_000, maxEntries: 10_000 };

interface CacheEntry {
  /** The answer, or the lookup in flight (concurrent batches with one key share one lookup). */
  result: Promise<IngestAuthResult>;
  /** Until when the answer holds; Infinity while the lookup is in flight. */
  expiresAt: number;
}

/** The key of the cache: the key's SHA-256, so plaintext keys are not held in memory longer than a request. */
function cacheKey(plaintext: string): string {
  return createHash('sha256').update(plaintext, 'utf8').digest('base64');
}

/**
 * An IngestAuthenticator over a KeyLookup with a bounded cache: answers are kept
 * positiveTtlMs (a key that authenticates, with or without the ingest scope) or negativeTtlMs
 * (one that does not). A lookup that fails is not cached: the next batch asks again.
 */
export class CachedIngestAuthenticator implements IngestAuthenticator {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly now: () => number;
  lookups = 0;

  constructor(
    private readonly lookup: KeyLookup,
    private readonly options: IngestAuthCacheOptions = DEFAULT_INGEST_AUTH_CACHE,
  ) {
    this.now = options.now ?? Date.now;
  }

  authenticate(key: string | undefined): Promise<IngestAuthResult> {
    if (key === undefined || key === '') return Promise.resolve({ refused: 'missing_key' });
    const id = cacheKey(key);
    const now = this.now();
    const known = this.entries.get(id);
    if (known && known.expiresAt > now) return known.result;
    if (known) this.entries.delete(id);
    const entry: CacheEntry = { result: this.ask(key), expiresAt: Number.POSITIVE_INFINITY };
    this.entries.set(id, entry);
    while (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    entry.result.then(
      (result) => {
        entry.expiresAt = this.now() + ('tenant' in result ? this.options.positiveTtlMs : result.refused === 'no_ingest_scope' ? this.options.positiveTtlMs : this.options.negativeTtlMs);
      },
      () => {
        if (this.entries.get(id) === entry) this.entries.delete(id);
      },
    );
    return entry.result;
  }

  private async ask(key: string): Promise<IngestAuthResult> {
    this.lookups += 1;
    const found = await this.lookup(key);
    if (!found) return { refused: 'unknown_key' };
    if (!found.scopes.includes(INGEST_SCOPE)) return { refused: 'no_ingest_scope' };
    return { tenant: found.tenantId };
  }
}

/** The key of an `authorization` value: `Bearer <key>` (the scheme in any case), else undefined. */
export function bearerKey(authorization: unknown): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  const match = /^bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}

/** The authenticator could not answer (the control store is unreachable): retryable, the batch was not taken. */
export class AuthUnavailable extends Error {
  readonly reason = 'auth_unavailable';

  constructor(cause: unknown) {
    super(`cannot check the API key: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'AuthUnavailable';
  }
}
