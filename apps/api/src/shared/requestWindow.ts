import type { QueryWindow } from '@weft/store';
import { InvalidParameterError } from '../errors/serviceErrors.js';
import { parseTime, parseWindow, TimeParameterError } from '../time/timeWindow.js';

/** The window of a request's `from` and `to` (default: the last 15 minutes), refused as the parameter that is wrong. */
export function requestWindow(from: string | undefined, to: string | undefined, nowMs: number): QueryWindow {
  try {
    return parseWindow(from, to, nowMs);
  } catch (error) {
    if (error instanceof TimeParameterError) throw new InvalidParameterError(error.parameter, error.message, { cause: error });
    throw error;
  }
}

/** One time parameter, refused as itself. */
export function requestTime(parameter: string, value: string, nowMs: number): number {
  try {
    return parseTime(parameter, value, nowMs);
  } catch (error) {
    if (error instanceof TimeParameterError) throw new InvalidParameterError(error.parameter, error.message, { cause: error });
    throw error;
  }
}
