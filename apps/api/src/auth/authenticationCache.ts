import { createHash } from 'node:crypto';
import type { ApiKeyAuthenticator, Caller } from './apiControl.js';

export interface AuthenticationCacheOptions {
  /** How long a key's answer is reused. Default 10 s: a key revoked in another process stops working within it. */
  ttlMs?: number;
  /** At most this many keys are remembered (the oldest go first). Default 10,000. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  caller: Caller;
  expiresAt: number;
}

/**
 * Remembers, briefly and for a bounded number of keys, which keys authenticated, so a busy
 * client costs one control-store read per key per ttl, not one per request. Only keys that
 * authenticated are remembered (a flood of wrong keys cannot push the good ones out), by the
 * SHA-256 of the whole key (the plaintext is not kept). forget() drops a key revoked here at once.
 */
export class AuthenticationCache implements ApiKeyAuthenticator {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly inner: ApiKeyAuthenticator,
    options: AuthenticationCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 10_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  async authenticate(plaintext: string): Promise<Caller | null> {
    const digest = createHash('sha256').update(plaintext, 'utf8').digest('hex');
    const now = this.now();
    const cached = this.entries.get(digest);
    if (cached !== undefined && cached.expiresAt > now) return cached.caller;
    if (cached !== undefined) this.entries.delete(digest);
    const caller = await this.inner.authenticate(plaintext);
    if (caller === null) return null;
    // Map order is insertion order: the first key is the oldest.
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    this.entries.set(digest, { caller, expiresAt: now + this.ttlMs });
    return caller;
  }

  /** Drops what is remembered of a key (revoked through this process). */
  forget(keyId: string): void {
    for (const [digest, entry] of this.entries) if (entry.caller.keyId === keyId) this.entries.delete(digest);
  }

  get size(): number {
    return this.entries.size;
  }
}
