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

function inRange(parameter: string, value: string, seconds: number): number {
  if (!Number.isSafeInteger(seconds) || seconds < 0 || seconds > LAST_SECOND) {
    throw new TimeParameterError(parameter, `${parameter}: ${value} is outside the times Weft stores (1970-01-01 to 2106-02-07, unix seconds 0 to ${LAST_SECOND})`);
  }
  return seconds;
}
const RELATIVE = /^now(?:-(\d+)([smhdw]))?$/;

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
    if (seconds > 100_000_000_000) throw new TimeParameterError(parameter, `${parameter}: ${value} looks like milliseconds; give unix seconds`);
    return inRange(parameter, value, seconds);
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return inRange(parameter, value, Math.floor(ms / 1000));
  }
  throw new TimeParameterError(
    parameter,
    `${parameter}: cannot read "${value}"; use ISO-8601 (2026-11-23T10:00:00Z), unix seconds, or now-<n><s|m|h|d|w>`,
  );
}

/** `from` and `to` of a request; defaults: the last 15 minutes. */
export function parseWindow(from: string | undefined, to: string | undefined, nowMs: number, maxSeconds = 400 * 86_400): TimeWindow {
  const end = to === undefined || to === '' ? Math.floor(nowMs / 1000) : parseTime('to', to, nowMs);
  const start = from === undefined || from === '' ? end - 15 * 60 : parseTime('from', from, nowMs);
  if (start >= end) throw new TimeParameterError('from', `from (${start}) must be before to (${end})`);
  if (end - start > maxSeconds) throw new TimeParameterError('from', `the window is longer than ${maxSeconds} s`);
  return { from: start, to: end };
}
