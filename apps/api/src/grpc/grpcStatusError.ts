/**
 * How the gRPC server answers what the services throw: each service error (errors/serviceErrors.ts,
 * the same ones the REST controllers answer as 400/404/403/409/503) as its gRPC status; anything
 * else is INTERNAL, told to the caller without its text (it may be a bug or a store's message).
 */
import * as grpc from '@grpc/grpc-js';
import { asServiceError } from '../errors/libraryErrors.js';
import { ConflictError, InvalidParameterError, NotFoundError, PermissionDeniedError, UnavailableError } from '../errors/serviceErrors.js';

/** A status to end a call with, thrown by the server's own checks (auth, request fields). */
export class GrpcStatusError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
    /** Sent as trailing metadata (e.g. weft-parameter: the field that is wrong). */
    readonly trailers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GrpcStatusError';
  }
}

/** A request field the caller must fix, named as the proto names it. */
export function invalidField(field: string, message: string): GrpcStatusError {
  return new GrpcStatusError(grpc.status.INVALID_ARGUMENT, message.startsWith(field) ? message : `${field}: ${message}`, { 'weft-parameter': field });
}

export interface StatusAnswer {
  code: grpc.status;
  details: string;
  trailers: Record<string, string>;
  /** Not one the caller caused: counted and logged with its cause. */
  internal: boolean;
}

/**
 * The status of an error a handler threw. `fieldNames` renames the services' parameters
 * (REST's names) to the method's proto fields where they differ (step -> step_seconds).
 */
export function statusOf(error: unknown, fieldNames: Readonly<Record<string, string>> = {}): StatusAnswer {
  const known = asServiceError(error);
  const answer = (code: grpc.status, details: string, trailers: Record<string, string> = {}, internal = false): StatusAnswer => ({ code, details, trailers, internal });
  // Keys that cannot be checked are the server's trouble, to be logged with the cause.
  if (known instanceof GrpcStatusError) return answer(known.code, known.message, known.trailers, known.code === grpc.status.UNAVAILABLE);
  if (known instanceof InvalidParameterError) {
    const field = fieldNames[known.parameter] ?? known.parameter;
    const invalid = invalidField(field, known.message);
    return answer(invalid.code, invalid.message, invalid.trailers);
  }
  if (known instanceof NotFoundError) return answer(grpc.status.NOT_FOUND, known.message);
  if (known instanceof PermissionDeniedError) return answer(grpc.status.PERMISSION_DENIED, known.message);
  if (known instanceof ConflictError) return answer(grpc.status.ALREADY_EXISTS, known.message);
  // A store that cannot be reached is worth a retry by the caller, and a line in the log.
  if (known instanceof UnavailableError) return answer(grpc.status.UNAVAILABLE, known.message, {}, true);
  return answer(grpc.status.INTERNAL, 'internal error (logged by the server)', {}, true);
}
