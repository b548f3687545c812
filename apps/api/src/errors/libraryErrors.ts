import { ApiKeyNotFoundError, ControlInputError, ControlStoreError, TenantNameTakenError, TenantNotFoundError } from '@weft/control';
import { QueryInputError } from '@weft/store';
import { TimeParameterError } from '../time/timeWindow.js';
import { ConflictError, InvalidParameterError, NotFoundError, UnavailableError, isServiceError } from './serviceErrors.js';

/**
 * The error the store, the control store or the time parser threw, as a service error the
 * transports know how to answer; anything else (a bug, a store fault) is returned unchanged,
 * to be answered as an internal error and logged.
 */
export function asServiceError(error: unknown): unknown {
  if (isServiceError(error)) return error;
  if (error instanceof QueryInputError || error instanceof TimeParameterError) return new InvalidParameterError(error.parameter, error.message, { cause: error });
  if (error instanceof ControlInputError) return new InvalidParameterError(error.field, error.message, { cause: error });
  if (error instanceof TenantNameTakenError) return new ConflictError(error.message, { cause: error });
  if (error instanceof ApiKeyNotFoundError || error instanceof TenantNotFoundError) return new NotFoundError(error.message, { cause: error });
  if (error instanceof ControlStoreError) return new UnavailableError(error.message, { cause: error });
  return error;
}

/** Runs an operation, rethrowing what it throws as asServiceError says. */
export async function translated<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw asServiceError(error);
  }
}
