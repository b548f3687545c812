/**
 * The web app's credential: the tenant's API key in an http-only cookie, so the pages' scripts
 * never hold it and it never appears in a URL or in local storage. SameSite=Strict: a page of
 * another site cannot send it (no cross-site request forgery through it).
 */
import { parse, serialize } from 'cookie';

export const SESSION_COOKIE = 'weft_key';

/** The key a Cookie header carries, if any (the first, should there be several). */
export function sessionKeyOf(cookieHeader: string | undefined): string | undefined {
  if (typeof cookieHeader !== 'string' || cookieHeader.length === 0) return undefined;
  const value = parse(cookieHeader)[SESSION_COOKIE];
  return value === undefined || value.length === 0 ? undefined : value;
}

/**
 * Set-Cookie for a key: for `maxAgeSeconds` when given (a login link's key, for its lifetime),
 * else for the browser session. Secure when the request came over TLS.
 */
export function sessionCookie(key: string, options: { maxAgeSeconds?: number; secure: boolean }): string {
  const { maxAgeSeconds } = options;
  return serialize(SESSION_COOKIE, key, { httpOnly: true, sameSite: 'strict', path: '/', secure: options.secure, ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds }) });
}

/** Set-Cookie that removes it. */
export function clearedSessionCookie(secure: boolean): string {
  return serialize(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/', secure, maxAge: 0 });
}
