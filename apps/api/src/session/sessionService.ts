import { LOGIN_KEY_NAME, parseLoginToken } from '@weft/control';
import type { ApiKeyAuthenticator, Caller, LoginLinkRedeemer, TenantAdministration } from '../auth/apiControl.js';
import type { RevocationListener } from '../admin/keysService.js';
import { translated } from '../errors/libraryErrors.js';
import type { Session } from './sessionDto.js';

/** How long the key a login link is redeemed for lives: a week of a browser's visits. */
export const LOGIN_KEY_TTL_MS = 7 * 24 * 3600_000;

/** A session just begun: the key for the cookie, and what the session is. */
export interface StartedSession {
  key: string;
  session: Session;
  /** How long the cookie should live: the key's lifetime when it has one. */
  cookieMaxAgeSeconds?: number;
}

/**
 * The web app's sessions: a key (typed on the login page, or the one a login link is redeemed
 * for) held in the browser's http-only cookie (sessionCookie.ts). A session needs the read scope.
 */
export class SessionService {
  constructor(
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly control: TenantAdministration & LoginLinkRedeemer,
    private readonly revocations: RevocationListener,
  ) {}

  /** A session for a login link token (weftlogin_...) or else a key; null when neither is valid. */
  async start(credential: string): Promise<StartedSession | null> {
    return parseLoginToken(credential) !== null ? this.startWithLoginLink(credential) : this.startWithKey(credential);
  }

  /** A session for a key of the read scope; null for a key that is not one (unknown, revoked, lapsed, without read). */
  async startWithKey(key: string): Promise<StartedSession | null> {
    const caller = await translated(() => this.authenticator.authenticate(key));
    if (caller === null || !caller.scopes.includes('read')) return null;
    return { key, session: await this.describe(caller) };
  }

  /** A session for a login link (redeemed once); null when the link is unknown, used or lapsed. */
  async startWithLoginLink(token: string): Promise<StartedSession | null> {
    const created = await translated(() => this.control.redeemLoginLink(token, LOGIN_KEY_TTL_MS));
    if (created === null) return null;
    const caller: Caller = { tenantId: created.key.tenantId, keyId: created.key.id, scopes: created.key.scopes };
    return { key: created.plaintext, session: await this.describe(caller, created.key.expiresAt), cookieMaxAgeSeconds: LOGIN_KEY_TTL_MS / 1000 };
  }

  async describe(caller: Caller, knownExpiry?: string | null): Promise<Session> {
    const tenant = await translated(() => this.control.getTenant(caller.tenantId));
    const expiresAt = knownExpiry !== undefined ? knownExpiry : ((await translated(() => this.control.listKeys(caller.tenantId))).find((k) => k.id === caller.keyId)?.expiresAt ?? null);
    return { tenant_id: caller.tenantId, tenant_name: tenant?.name ?? '', key_id: caller.keyId, scopes: [...caller.scopes], expires_at: expiresAt };
  }

  /**
   * Ends the session of a cookie's key: a key a login link was redeemed for is revoked (it lives
   * only in that cookie); a key the user typed is left alone (it may be in use elsewhere).
   */
  async end(key: string | undefined): Promise<void> {
    if (key === undefined) return;
    const caller = await translated(() => this.authenticator.authenticate(key));
    if (caller === null) return;
    const info = (await translated(() => this.control.listKeys(caller.tenantId))).find((k) => k.id === caller.keyId);
    if (info?.name === LOGIN_KEY_NAME && info.expiresAt !== null) {
      await translated(() => this.control.revokeKey(caller.tenantId, caller.keyId));
      this.revocations.forget(caller.keyId);
    }
  }
}
