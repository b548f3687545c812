/**
 * The plaintext form of an API key and what is stored of it.
 *
 *   weft_<id>_<secret>
 *
 * id: 12 characters of lowercase base32 (a-z, 2-7; 60 random bits), the key's primary key, not
 * secret. secret: 32 random bytes, base64url without padding (43 characters, may contain '_'
 * and '-'). The id's alphabet has no '_', so the first two underscores split a key unambiguously.
 *
 * Only SHA-256 of the secret is stored: the secret is 256 random bits, so a slow password hash
 * would add nothing (there is no dictionary to guess from), and a fast hash keeps authentication
 * cheap on every request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'weft_';
/** A one-time login link's token (loginLinks.ts): the same shape under its own prefix, so it is never taken for a key. */
const LOGIN_PREFIX = 'weftlogin_';
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const ID_LENGTH = 12;
const SECRET_BYTES = 32;
const PLAINTEXT = /^weft_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$/;
const LOGIN_PLAINTEXT = /^weftlogin_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$/;

/** A random identifier: 12 characters of lowercase base32 (used for key and tenant ids). */
export function randomId(): string {
  // 256 is a multiple of 32: masking each byte to 5 bits is unbiased.
  return Array.from(randomBytes(ID_LENGTH), (byte) => ID_ALPHABET[byte & 31]).join('');
}

export interface NewApiKeyToken {
  id: string;
  plaintext: string;
  secretHash: string;
}

/** A new key: its id, the plaintext to show once, and the hash to store. */
export function newApiKeyToken(): NewApiKeyToken {
  return newToken(PREFIX);
}

/** A new login link token (`weftlogin_<id>_<secret>`), made and stored as a key is. */
export function newLoginToken(): NewApiKeyToken {
  return newToken(LOGIN_PREFIX);
}

function newToken(prefix: string): NewApiKeyToken {
  const id = randomId();
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { id, plaintext: `${prefix}${id}_${secret}`, secretHash: hashSecret(secret) };
}

/** The id and secret of a plaintext key, or null when it is not one (wrong shape or length). */
export function parseApiKeyToken(plaintext: unknown): { id: string; secret: string } | null {
  return parseToken(PLAINTEXT, plaintext);
}

/** The id and secret of a login link token, or null when it is not one. */
export function parseLoginToken(plaintext: unknown): { id: string; secret: string } | null {
  return parseToken(LOGIN_PLAINTEXT, plaintext);
}

function parseToken(shape: RegExp, plaintext: unknown): { id: string; secret: string } | null {
  if (typeof plaintext !== 'string') return null;
  const match = shape.exec(plaintext);
  if (!match) return null;
  return { id: match[1] as string, secret: match[2] as string };
}

/** SHA-256 of the secret, hex. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Whether the secret hashes to the stored hash, compared in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'hex');
  const actual = createHash('sha256').update(secret, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
