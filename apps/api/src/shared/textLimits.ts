/**
 * The limits of the API's free-text inputs: one definition for the REST DTOs (which state them
 * in the document and refuse first) and the services (which enforce them for every transport:
 * a gRPC request reaches the services without passing a DTO).
 */
import { InvalidParameterError } from '../errors/serviceErrors.js';

export const TEXT_LIMITS = {
  /** A Kubernetes namespace is a DNS label of at most 253 characters. */
  namespace: 253,
  service: 1000,
  q: 200,
  cursor: 1000,
  serviceId: 1000,
} as const;

/** Characters no input of the API may hold (C0 controls and DEL). */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** The value when it is at most `max` characters without a control character; else an InvalidParameterError naming the parameter. */
export function checkedText<T extends string | undefined>(parameter: string, value: T, max: number): T {
  if (value === undefined) return value;
  if (typeof value !== 'string') throw new InvalidParameterError(parameter, `${parameter} must be text`);
  if (value.length > max) throw new InvalidParameterError(parameter, `${parameter} is longer than ${max} characters`);
  if (CONTROL_CHARACTER.test(value)) throw new InvalidParameterError(parameter, `${parameter} contains a control character`);
  return value;
}
