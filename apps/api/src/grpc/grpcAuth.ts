/**
 * Who is calling: the API key in the call's metadata (`authorization: Bearer weft_<id>_<secret>`),
 * checked by the REST API's CallerAuthorization (the same keys, cache, scopes and failure counter,
 * labelled transport="grpc"). No valid key: UNAUTHENTICATED; a key without the feature's scope:
 * PERMISSION_DENIED; keys that cannot be checked: UNAVAILABLE. Every call is checked, loopback too.
 */
import * as grpc from '@grpc/grpc-js';
import type { Caller, Scope } from '../auth/apiControl.js';
import type { AuthFailureReason, CallerAuthorization } from '../auth/callerAuthorization.js';
import { GrpcStatusError } from './grpcStatusError.js';

const CODE_OF_REFUSAL: Readonly<Record<AuthFailureReason, grpc.status>> = {
  missing: grpc.status.UNAUTHENTICATED,
  malformed: grpc.status.UNAUTHENTICATED,
  unknown: grpc.status.UNAUTHENTICATED,
  scope: grpc.status.PERMISSION_DENIED,
  unavailable: grpc.status.UNAVAILABLE,
};

/** A refused call; `cause` is what the control store threw when keys could not be checked. */
export class GrpcAuthError extends GrpcStatusError {
  constructor(
    readonly reason: AuthFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(CODE_OF_REFUSAL[reason], message);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** The authorization metadata as the REST API's check takes a header: absent, one value, or several. */
function authorizationOf(metadata: grpc.Metadata): string | string[] | undefined {
  const values = metadata.get('authorization').map((value) => (typeof value === 'string' ? value : value.toString('utf8')));
  if (values.length === 0) return undefined;
  return values.length === 1 ? values[0] : values;
}

/** The REST wording names the Authorization header; over gRPC it is the metadata of that name. */
function overGrpc(message: string): string {
  return message.replace(/send Authorization:/g, 'send the metadata authorization:').replace(/Authorization header/g, 'authorization metadata');
}

export async function authorizeCall(authorization: CallerAuthorization, metadata: grpc.Metadata, scope: Scope): Promise<Caller> {
  const result = await authorization.authorize(authorizationOf(metadata), scope, 'grpc');
  if (result.ok) return result.caller;
  throw new GrpcAuthError(result.reason, overGrpc(result.message), { cause: result.cause });
}
