/**
 * Where `weft up`, `weft api` and `weft web` find the web app (apps/web's static export, built
 * by scripts/setup.sh), and the one-time login link `weft up` prints for this machine.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isWebRoot } from '@weft/api';
import type { ControlStore, Tenant } from '@weft/control';

/** apps/web/out of this checkout (this file is apps/cli/dist/commands/webApp.js). */
export const DEFAULT_WEB_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../web/out');

/** The export to serve: --web-dir when given, else this checkout's, when built; null when there is none. */
export function webRootOf(option: string | undefined): string | null {
  const root = resolve(option ?? DEFAULT_WEB_ROOT);
  return isWebRoot(root) ? root : null;
}

/** A one-time login link is good for this long after `weft up` prints it. */
export const LOGIN_LINK_TTL_MS = 24 * 3600_000;

/**
 * A link that signs the browser in as the operator's tenant (read and write) without a key
 * being copied: the token travels in the URL's fragment, which reaches no server log and no
 * Referer, and is redeemed once.
 */
export async function loginLink(control: ControlStore, tenant: Tenant, apiUrl: string): Promise<string> {
  const link = await control.createLoginLink({ tenantId: tenant.id, scopes: ['read', 'write'], ttlMs: LOGIN_LINK_TTL_MS });
  return `${apiUrl}/login/#token=${link.plaintext}`;
}
