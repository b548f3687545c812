/**
 * The public REST API, typed from its OpenAPI document (schema.ts, generated). Same origin: the
 * browser sends the session cookie (weft_key, http-only) itself; no key ever reaches this code.
 * A 401 sends the user to the login page, back here after it.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

const toLogin: Middleware = {
  onResponse({ response }) {
    if (response.status === 401 && typeof window !== 'undefined' && !window.location.pathname.startsWith('/login')) {
      const back = `${window.location.pathname}${window.location.search}`;
      window.location.assign(`/login/?next=${encodeURIComponent(back)}`);
    }
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: typeof window === 'undefined' ? 'http://localhost' : window.location.origin, credentials: 'same-origin' });
api.use(toLogin);

/** An answer's data, or an Error with the API's own message. */
export async function data<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data: body, error, response } = await call;
  if (body !== undefined && response.ok) return body;
  const message = typeof error === 'object' && error !== null && 'error' in error ? String((error as { error: unknown }).error) : `HTTP ${response.status}`;
  throw new Error(message);
}
