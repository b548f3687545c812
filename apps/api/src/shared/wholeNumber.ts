import { InvalidParameterError } from '../errors/serviceErrors.js';

/** A request's whole number in [min, max], else an InvalidParameterError naming it. */
export function wholeNumberIn(parameter: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new InvalidParameterError(parameter, `${parameter} must be a whole number from ${min} to ${max}`);
  return value;
}
