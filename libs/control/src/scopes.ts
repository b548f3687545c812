import { ControlInputError, ControlStoreError } from './controlStoreErrors.js';

/** What an API key may do. */
export type Scope = 'read' | 'write' | 'ingest' | 'admin';

/** Every scope, in the order they are stored and listed. */
export const SCOPES: readonly Scope[] = ['read', 'write', 'ingest', 'admin'];

function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}

/** The caller's scopes, checked, without duplicates, in SCOPES order. */
export function normalizeScopes(scopes: readonly unknown[]): Scope[] {
  if (!Array.isArray(scopes) || scopes.length === 0) {
    throw new ControlInputError(`an API key needs at least one scope (${SCOPES.join(', ')})`, 'scopes');
  }
  for (const scope of scopes) {
    if (!isScope(scope)) throw new ControlInputError(`unknown scope ${JSON.stringify(scope)} (scopes: ${SCOPES.join(', ')})`, 'scopes');
  }
  return SCOPES.filter((scope) => scopes.includes(scope));
}

/** The stored form: space-separated, as OAuth writes scopes (no scope contains a space). */
export function formatScopes(scopes: readonly Scope[]): string {
  return scopes.join(' ');
}

/** The stored form read back; a value this code never wrote means the database was edited by hand. */
export function parseStoredScopes(stored: string, keyId: string): Scope[] {
  const scopes = stored.split(' ');
  for (const scope of scopes) {
    if (!isScope(scope)) throw new ControlStoreError(`API key ${keyId} has an unknown stored scope ${JSON.stringify(scope)}`);
  }
  return scopes as Scope[];
}
