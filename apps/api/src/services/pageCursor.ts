/**
 * The cursor of GET /api/v1/services (and gRPC SearchServices) as clients see it: the
 * store's cursor followed by a check tag, `<store cursor>.<tag>`. The store's cursor is
 * the last id of the page, base64url, and any base64url string of the right form decodes
 * to some id (base64url of "not a cursor" pages on from "not a cursor"), so the store
 * cannot tell a cursor it gave out from one a client made up. The tag can: it is a hash of
 * the tenant and the store's cursor, so a cursor the API never returned, or one returned to
 * another tenant, is a 400 naming `cursor` before the store is asked.
 *
 * A check, not a secret: no key, so any process of the API (after a restart, or a replica)
 * reads the cursors another gave out. Whoever computes a tag by hand only pages through
 * their own tenant's services from a point they chose, which q and the cursors allow anyway.
 */
import { createHash } from 'node:crypto';
import type { TenantId } from '@weft/store';
import { InvalidParameterError } from '../errors/serviceErrors.js';

/** base64url characters of the tag (72 bits of SHA-256). */
const TAG_LENGTH = 12;

function tagOf(tenant: TenantId, storeCursor: string): string {
  return createHash('sha256').update(`weft services cursor\u0000${tenant}\u0000${storeCursor}`).digest('base64url').slice(0, TAG_LENGTH);
}

/** The store's next_cursor as the API hands it out. */
export function toPageCursor(tenant: TenantId, storeCursor: string): string {
  return `${storeCursor}.${tagOf(tenant, storeCursor)}`;
}

/** The store's cursor inside a cursor the API handed out to this tenant; InvalidParameterError('cursor') for any other. */
export function fromPageCursor(tenant: TenantId, cursor: string): string {
  const dot = cursor.lastIndexOf('.');
  const storeCursor = cursor.slice(0, Math.max(dot, 0));
  if (dot < 1 || cursor.slice(dot + 1) !== tagOf(tenant, storeCursor)) throw new InvalidParameterError('cursor', 'cursor is not one this API returned');
  return storeCursor;
}
