/**
 * Who is calling: the API key in the call's metadata (`authorization: Bearer weft_<id>_<secret>`),
 * checked by the same authenticator as the REST API's, and whether its scopes allow the method.
 * Missing, malformed, unknown or revoked key: UNAUTHENTICATED; a key without the scope:
 * PERMISSION_DENIED. Every call is authenticated, on loopback too.
 */
import * as grpc from '@grpc/grpc-js';
import type { AuthenticatedKey, Scope } from '@weft/control';
import { GrpcStatusError } from './grpcStatusError.js';

/** What the gRPC server asks of the key check (the REST API's authenticator, or a ControlStore). */
export interface GrpcKeyAuthenticator {
  /** The key's tenant and scopes; null when it is not a valid key. */
  authenticate(plaintext: string): Promise<AuthenticatedKey | null>;
}

/** Why a call was refused, as counted. */
export type AuthFailure = 'missing' | 'malformed' | 'invalid' | 'scope';

export class GrpcAuthError extends GrpcStatusError {
  constructor(
    readonly reason: AuthFailure,
    code: grpc.status,
    message: string,
  ) {
    super(code, message);
  }
}

const BEARER = /^Bearer +(\S+) *$/i;

/** The key of a call; throws GrpcAuthError. */
export function bearerKey(metadata: grpc.Metadata): string {
  const values = metadata.get('authorization');
  if (values.length === 0) {
    throw new GrpcAuthError('missing', grpc.status.UNAUTHENTICATED, 'no API key: send the metadata authorization: Bearer weft_<id>_<secret>');
  }
  const value = values.length === 1 ? values[0] : undefined;
  const match = typeof value === 'string' ? BEARER.exec(value) : null;
  if (!match?.[1]) throw new GrpcAuthError('malformed', grpc.status.UNAUTHENTICATED, 'the authorization metadata must be given once, as Bearer weft_<id>_<secret>');
  return match[1];
}

export async function authorize(authenticator: GrpcKeyAuthenticator, metadata: grpc.Metadata, scope: Scope): Promise<AuthenticatedKey> {
  const key = await authenticator.authenticate(bearerKey(metadata));
  if (key === null) throw new GrpcAuthError('invalid', grpc.status.UNAUTHENTICATED, 'the API key is not valid (unknown, revoked or mistyped)');
  if (!key.scopes.includes(scope)) throw new GrpcAuthError('scope', grpc.status.PERMISSION_DENIED, `this API key lacks the ${scope} scope`);
  return key;
}
