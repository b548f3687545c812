/**
 * The kinds of query parameter the API's DTOs are made of. A query string carries strings
 * only: numbers are read from digits (a pattern the document states, so clients and
 * Schemathesis agree with the validator) and documented as the numbers they stand for.
 */
import { z } from 'zod';
import { TIME_PATTERN } from '../time/timeWindow.js';
import { TEXT_LIMITS } from './textLimits.js';

/** A time parameter, read later by parseTime (the services do, so gRPC reads the same). */
export function timeParameter(what: string, example: string) {
  return z
    .string()
    .regex(new RegExp(TIME_PATTERN))
    .optional()
    .describe(
      `${what}: ISO-8601 (2026-11-23T10:00:00Z), unix seconds (1795000000), or relative to now (now, now-15m, now-1h, now-7d; ` +
        'units s m h d w). Times before 1970 or from 2106-02-07 on (2^32 s) are refused with a 400, as is a window of more than 400 days.',
    )
    .meta({ example });
}

const DIGITS = '^[0-9]{1,10}$';

/** An optional whole number in [min, max], written in decimal digits. */
export function integerParameter(min: number, max: number, what: string, example: number) {
  const range = `must be a whole number from ${min} to ${max}`;
  return z
    .string()
    .regex(new RegExp(DIGITS), range)
    .transform(Number)
    .pipe(z.number().int().min(min, range).max(max, range))
    .optional()
    .meta({ type: 'integer', minimum: min, maximum: max, example })
    .describe(what);
}

const DECIMAL = '^[0-9]{1,12}(\\.[0-9]{1,9})?$';

/** An optional non-negative decimal number (12 digits, optionally a fraction of at most 9). */
export function decimalParameter(what: string, example: number) {
  return z
    .string()
    .regex(new RegExp(DECIMAL), 'must be a non-negative decimal number such as 0.5 (at most 12 digits, 9 after the point)')
    .transform(Number)
    .pipe(z.number().nonnegative())
    .optional()
    .meta({ type: 'number', minimum: 0, example })
    .describe(what);
}

/** An optional free-text parameter of at most `max` characters, without control characters. */
export function textParameter(max: number, what: string, example: string) {
  return z
    .string()
    .max(max, `is longer than ${max} characters`)
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'contains a control character')
    .optional()
    .describe(what)
    .meta({ example });
}

/** A required service id (the ingest's opaque id, e.g. k8s:shop/Deployment/web). */
export function serviceIdParameter(what: string) {
  return z
    .string()
    .min(1, 'is empty')
    .max(TEXT_LIMITS.serviceId, `is longer than ${TEXT_LIMITS.serviceId} characters`)
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'contains a control character')
    .describe(what)
    .meta({ example: 'k8s:shop/Deployment/web' });
}

/**
 * A service id that is a path segment (/services/{id}): a service id other than `.` and
 * `..`. Those two are dot segments, which clients remove before sending (RFC 3986 5.2.4:
 * /services/. is /services/, the search; /services/.. is /api/v1/), so no request can
 * carry them as the id; an id sent encoded (%2E) is refused with a 400, as the document's
 * pattern says. The pattern, linear: up to two dots then a character that is not one, or
 * three dots, then anything without a control character.
 */
export function servicePathIdParameter(what: string) {
  const controls = /[\u0000-\u001f\u007f]/;
  return z
    .string()
    .min(1, 'is empty')
    .max(TEXT_LIMITS.serviceId, `is longer than ${TEXT_LIMITS.serviceId} characters`)
    .regex(/^(?:\.{0,2}[^\u0000-\u001f\u007f.]|\.{3})[^\u0000-\u001f\u007f]*$/, {
      error: (issue) => (typeof issue.input === 'string' && controls.test(issue.input) ? 'contains a control character' : "is '.' or '..', which a URL path cannot carry as a segment"),
    })
    .describe(what)
    .meta({ example: 'k8s:shop/Deployment/web' });
}
