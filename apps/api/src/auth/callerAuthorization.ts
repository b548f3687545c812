import { parseApiKeyToken } from '@weft/control';
import { Counter, type Registry } from 'prom-client';
import type { ApiKeyAuthenticator, Caller, Scope } from './apiControl.js';

/** Why a request was refused: no key, not a key, not a live key, a key without the scope, or the control store did not answer. */
export type AuthFailureReason = 'missing' | 'malformed' | 'unknown' | 'scope' | 'unavailable';
export const AUTH_FAILURE_REASONS: readonly AuthFailureReason[] = ['missing', 'malformed', 'unknown', 'scope', 'unavailable'];

/** The transports that authorize (the label of the failure counter). */
export type AuthTransport = 'http' | 'grpc';

export type Authorization =
  | { ok: true; caller: Caller }
  | {
      ok: false;
      reason: AuthFailureReason;
      /** For the caller to read (never echoes the key). */
      message: string;
      /** The scope the operation needs. */
      scope: Scope;
      /** For 'unavailable': what the control store threw. */
      cause?: unknown;
    };

/** HTTP status of each refusal: 401 for no valid key, 403 for a key without the scope, 503 when keys cannot be checked. */
export const AUTH_FAILURE_STATUS: Readonly<Record<AuthFailureReason, 401 | 403 | 503>> = {
  missing: 401,
  malformed: 401,
  unknown: 401,
  scope: 403,
  unavailable: 503,
};

const BEARER = /^Bearer +([^ ]+) *$/i;

export function authFailureCounter(registry: Registry): Counter<'reason' | 'transport'> {
  const counter = new Counter({
    name: 'weft_api_auth_failures_total',
    help: 'Requests refused before reaching an operation, by reason (missing, malformed, unknown, scope, unavailable) and transport',
    labelNames: ['reason', 'transport'] as const,
    registers: [registry],
  });
  for (const reason of AUTH_FAILURE_REASONS) for (const transport of ['http', 'grpc']) counter.inc({ reason, transport }, 0);
  return counter;
}

/**
 * Checks the credentials of a request for an operation that needs `scope`, the same way for
 * REST (the Authorization header) and gRPC (the `authorization` metadata): `Bearer <key>`.
 * Each refusal is counted by reason.
 */
export class CallerAuthorization {
  constructor(
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly failures: Counter<'reason' | 'transport'>,
  ) {}

  /**
   * `sessionKey`: the key of the web app's cookie (REST only), used when there is no
   * Authorization header; a header, when sent, is what counts.
   */
  async authorize(authorization: string | readonly string[] | undefined, scope: Scope, transport: AuthTransport, sessionKey?: string): Promise<Authorization> {
    const refuse = (reason: AuthFailureReason, message: string, cause?: unknown): Authorization => {
      this.failures.inc({ reason, transport });
      return { ok: false, reason, message, scope, ...(cause === undefined ? {} : { cause }) };
    };
    let key: string;
    if ((authorization === undefined || authorization.length === 0) && sessionKey !== undefined) {
      key = sessionKey;
    } else {
      if (authorization === undefined || authorization.length === 0) return refuse('missing', 'an API key is required: send Authorization: Bearer weft_<id>_<secret>');
      if (typeof authorization !== 'string') return refuse('malformed', 'send one Authorization header');
      const bearer = BEARER.exec(authorization);
      if (!bearer) return refuse('malformed', 'the Authorization header must be Bearer weft_<id>_<secret>');
      key = bearer[1] as string;
    }
    if (parseApiKeyToken(key) === null) return refuse('malformed', 'that is not a Weft API key (weft_<id>_<secret>)');
    let caller: Caller | null;
    try {
      caller = await this.authenticator.authenticate(key);
    } catch (error) {
      // The cause (which names the control database) is for the log, not for the caller.
      return refuse('unavailable', 'API keys cannot be checked right now; try again', error);
    }
    if (caller === null) return refuse('unknown', 'the API key is unknown or revoked');
    if (!caller.scopes.includes(scope)) return refuse('scope', `the API key lacks the ${scope} scope this operation needs`);
    return { ok: true, caller };
  }
}
