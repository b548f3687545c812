/**
 * What the API's services throw, independent of the transport: the REST controllers answer
 * them as HTTP statuses (http/serviceErrorFilter.ts), the gRPC server as gRPC status codes.
 * Each keeps the error it came from as `cause`.
 */

/** A request parameter the caller must fix (REST 400 naming it, gRPC INVALID_ARGUMENT). */
export class InvalidParameterError extends Error {
  constructor(
    /** The parameter as the REST API names it (from, min_rate, baseline_to, name ...). */
    readonly parameter: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'InvalidParameterError';
  }
}

/** Nothing of that id in the caller's tenant (another tenant's ids included): 404, NOT_FOUND. */
export class NotFoundError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NotFoundError';
  }
}

/** The caller's key may not do this (beyond its scopes: an operation for the operator tenant only): 403, PERMISSION_DENIED. */
export class PermissionDeniedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermissionDeniedError';
  }
}

/** The thing exists already (a tenant name): 409, ALREADY_EXISTS. */
export class ConflictError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConflictError';
  }
}

/** A backing store failed or cannot be reached: 503, UNAVAILABLE. */
export class UnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnavailableError';
  }
}

export type ServiceError = InvalidParameterError | NotFoundError | PermissionDeniedError | ConflictError | UnavailableError;

export function isServiceError(error: unknown): error is ServiceError {
  return (
    error instanceof InvalidParameterError ||
    error instanceof NotFoundError ||
    error instanceof PermissionDeniedError ||
    error instanceof ConflictError ||
    error instanceof UnavailableError
  );
}
