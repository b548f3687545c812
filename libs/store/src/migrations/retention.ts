/**
 * How long each edge table keeps its rows: `'<n> <UNIT>'`, e.g. `'7 DAY'`, `'30 DAY'`, `'13 MONTH'`.
 * Applied at start-up with ALTER TABLE ... MODIFY TTL when it differs from the table's TTL.
 */
export interface RetentionConfig {
  /** edges_1s, the raw one-second rows. */
  rawSeconds?: string;
  /** edges_1m. */
  minute?: string;
  /** edges_1h. */
  hour?: string;
}

export const DEFAULT_RETENTION: Required<RetentionConfig> = { rawSeconds: '7 DAY', minute: '30 DAY', hour: '395 DAY' };

const UNITS = ['SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR'] as const;
type Unit = (typeof UNITS)[number];

export interface Interval {
  readonly count: number;
  readonly unit: Unit;
}

/** Parses `'7 DAY'` / `'7 days'`; anything else is refused with a message naming the setting. */
export function parseInterval(spec: string, setting: string): Interval {
  const match = /^\s*(\d{1,6})\s+([A-Za-z]+?)S?\s*$/i.exec(spec);
  const unit = match?.[2]?.toUpperCase() as Unit | undefined;
  const count = match?.[1] !== undefined ? Number(match[1]) : NaN;
  if (unit === undefined || !UNITS.includes(unit) || !(count > 0)) {
    throw new RangeError(
      `invalid retention ${setting}=${JSON.stringify(spec)}: expected '<n> <unit>' with n > 0 and unit one of ${UNITS.join(', ')} (e.g. '7 DAY')`,
    );
  }
  return { count, unit };
}

/** The TTL expression for ALTER TABLE ... MODIFY TTL. */
export function ttlExpression(interval: Interval): string {
  return `ts + INTERVAL ${interval.count} ${interval.unit}`;
}

/** The same expression as ClickHouse prints it back in system.tables.engine_full. */
export function ttlExpressionAsPrinted(interval: Interval): string {
  const unit = interval.unit.charAt(0) + interval.unit.slice(1).toLowerCase();
  return `ts + toInterval${unit}(${interval.count})`;
}

/** The TTL clause of an engine_full string, or undefined when the table has none. */
export function ttlOfEngineFull(engineFull: string): string | undefined {
  const match = /\bTTL\s+(.*?)(?:\s+SETTINGS\s|$)/s.exec(engineFull);
  return match?.[1]?.trim();
}

export interface TableRetention {
  readonly table: 'edges_1s' | 'edges_1m' | 'edges_1h';
  readonly interval: Interval;
}

export function resolveRetention(config: RetentionConfig = {}): TableRetention[] {
  const merged = { ...DEFAULT_RETENTION, ...definedOnly(config) };
  return [
    { table: 'edges_1s', interval: parseInterval(merged.rawSeconds, 'retention.rawSeconds') },
    { table: 'edges_1m', interval: parseInterval(merged.minute, 'retention.minute') },
    { table: 'edges_1h', interval: parseInterval(merged.hour, 'retention.hour') },
  ];
}

function definedOnly(config: RetentionConfig): RetentionConfig {
  const out: RetentionConfig = {};
  if (config.rawSeconds !== undefined) out.rawSeconds = config.rawSeconds;
  if (config.minute !== undefined) out.minute = config.minute;
  if (config.hour !== undefined) out.hour = config.hour;
  return out;
}
