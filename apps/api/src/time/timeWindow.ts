import { alignedNow } from '@weft/store';
/** A query's time window, half-open [from, to), in unix seconds. */
export interface TimeWindow {
  from: number;
  to: number;
}

export class TimeParameterError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
/** The store keeps seconds as DateTime (UInt32): times outside [0, 2^32) cannot be asked for. */
const LAST_SECOND = 0xffffffff;

/** A value as an error message quotes it: long ones cut short. */
function shown(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}... (${value.length} characters)` : value;
}

function inRange(parameter: string, value: string, seconds: number): number {
  if (!Number.isSafeInteger(seconds) || seconds < 0 || seconds > LAST_SECOND) {
    throw new TimeParameterError(parameter, `${parameter}: ${shown(value)} is outside the times Weft stores (1970-01-01 to 2106-02-07, unix seconds 0 to ${LAST_SECOND})`);
  }
  return seconds;
}
const RELATIVE = /^now(?:-(\d+)([smhdw]))?$/;

/**
 * The forms a time parameter takes, as the API documents and checks them
 * before parseTime reads one: ISO-8601 (a date, optionally a time and zone),
 * unix seconds, or now-relative; empty means the default. [0-9], not \d: the
 * document's readers (JSON Schema, Python's re) must agree with JavaScript.
 * A value of this form can still name no time Weft stores (2026-02-30,
 * 99999999999999, now-99999999w): parseTime refuses those.
 */
export const TIME_PATTERN =
  '^(now(-[0-9]+[smhdw])?|[0-9]+(\\.[0-9]+)?' +
  '|[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]+)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?)?$';

/** What a time parameter that cannot be read is told. */
export function unreadableTime(parameter: string, value: string): string {
  return `${parameter}: cannot read "${shown(value)}"; use ISO-8601 (2026-11-23T10:00:00Z), unix seconds, or now-<n><s|m|h|d|w>`;
}

/**
 * One time parameter: ISO-8601 (`2026-11-23T10:00:00Z`), unix seconds
 * (`1795000000`), or relative to now (`now`, `now-15m`, `now-1h`, `now-7d`).
 */
export function parseTime(parameter: string, value: string, nowMs: number): number {
  const text = value.trim();
  const relative = RELATIVE.exec(text);
  if (relative) {
    const amount = relative[1] === undefined ? 0 : Number(relative[1]);
    const unit = UNIT_SECONDS[relative[2] ?? 's'] ?? 1;
    return inRange(parameter, value, Math.floor(nowMs / 1000) - amount * unit);
  }
  if (/^\d+(\.\d+)?$/.test(text)) {
    const seconds = Math.floor(Number(text));
    // Milliseconds are a common slip: refuse rather than query the year 57000.
    if (seconds > 100_000_000_000 && seconds / 1000 <= LAST_SECOND) throw new TimeParameterError(parameter, `${parameter}: ${value} looks like milliseconds; give unix seconds`);
    return inRange(parameter, value, seconds);
  }
  const date = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  if (date) {
    const ms = Date.parse(text);
    // Date.parse rolls a day the month does not have over (2026-02-30 is 2026-03-02): not a date.
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const calendar = new Date(Date.UTC(2000, month - 1, day));
    calendar.setUTCFullYear(year);
    const real = month >= 1 && month <= 12 && calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === day;
    if (real && !Number.isNaN(ms)) return inRange(parameter, value, Math.floor(ms / 1000));
  }
  throw new TimeParameterError(parameter, unreadableTime(parameter, value));
}

/** Seconds before now of a relative time (`now-1h`: 3600), undefined for any other form. */
function secondsAgo(value: string): number | undefined {
  const relative = RELATIVE.exec(value.trim());
  if (!relative) return undefined;
  return (relative[1] === undefined ? 0 : Number(relative[1])) * (UNIT_SECONDS[relative[2] ?? 's'] ?? 1);
}

/**
 * `from` and `to` of a request; defaults: the last 15 minutes. A window whose both ends are
 * relative (or defaults) takes `now` aligned to its length (the store's alignedNow: `now-1h`
 * ends at the last whole minute), so it is read from whole buckets; absolute times are exact.
 */
export function parseWindow(from: string | undefined, to: string | undefined, nowMs: number, maxSeconds = 400 * 86_400): TimeWindow {
  const toAgo = to === undefined || to === '' ? 0 : secondsAgo(to);
  const fromAgo = from === undefined || from === '' ? (toAgo === undefined ? undefined : toAgo + 15 * 60) : secondsAgo(from);
  if (toAgo !== undefined && fromAgo !== undefined && fromAgo > toAgo && Number.isSafeInteger(fromAgo)) {
    nowMs = alignedNow(Math.floor(nowMs / 1000), fromAgo - toAgo) * 1000;
  }
  const end = to === undefined || to === '' ? Math.floor(nowMs / 1000) : parseTime('to', to, nowMs);
  // The default start never goes before the first second Weft stores.
  const start = from === undefined || from === '' ? Math.max(0, end - 15 * 60) : parseTime('from', from, nowMs);
  if (start >= end && (from === undefined || from === '')) throw new TimeParameterError('to', `to (${end}) leaves no time before it to ask for`);
  if (start >= end) throw new TimeParameterError('from', `from (${start}) must be before to (${end})`);
  if (end - start > maxSeconds) throw new TimeParameterError('from', `the window is longer than ${maxSeconds} s`);
  return { from: start, to: end };
}
