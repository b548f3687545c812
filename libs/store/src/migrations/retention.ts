/**
 * How long each edge table keeps its rows: `'<n> <UNIT>'`, e.g. `'7 DAY'`, `'30 DAY'`, `'13 MONTH'`.
 * Applied at start-up with ALTER TABLE ... MODIFY TTL when it differs from the table's TTL.
 */
export interface RetentionConfig {
  /** edges_1s (the raw one-second rows), service_edges_1s and service_edges_10s. */
  rawSeconds?: string;
  /** edges_1m, service_edges_1m, service_edges_10m and route_edges_1m. */
  minute?: string;
  /** edges_1h, service_edges_1h, service_edges_6h, route_edges_1h and the services table (by last_seen). */
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

/** The TTL expression for ALTER TABLE ... MODIFY TTL, on the table's time column. */
export function ttlExpression(interval: Interval, column: TtlColumn = 'ts'): string {
  return `${column} + INTERVAL ${interval.count} ${interval.unit}`;
}

/** The same expression as ClickHouse prints it back in system.tables.engine_full. */
export function ttlExpressionAsPrinted(interval: Interval, column: TtlColumn = 'ts'): string {
  const unit = interval.unit.charAt(0) + interval.unit.slice(1).toLowerCase();
  return `${column} + toInterval${unit}(${interval.count})`;
}

/** The TTL clause of an engine_full string, or undefined when the table has none. */
export function ttlOfEngineFull(engineFull: string): string | undefined {
  const match = /\bTTL\s+(.*?)(?:\s+SETTINGS\s|$)/s.exec(engineFull);
  return match?.[1]?.trim();
}

/** The column a table's TTL counts from: the bucket start, or for services the last row seen. */
export type TtlColumn = 'ts' | 'last_seen';

export interface TableRetention {
  readonly table: string;
  readonly column: TtlColumn;
  readonly interval: Interval;
}

/** Which tables each setting governs (the 10 s service tier shares the raw seconds' TTL, the 10 min tier the minutes'). */
const TABLES_BY_SETTING: Record<keyof RetentionConfig, ReadonlyArray<{ table: string; column: TtlColumn }>> = {
  rawSeconds: [
    { table: 'edges_1s', column: 'ts' },
    { table: 'service_edges_1s', column: 'ts' },
    { table: 'service_edges_10s', column: 'ts' },
  ],
  minute: [
    { table: 'edges_1m', column: 'ts' },
    { table: 'service_edges_1m', column: 'ts' },
    { table: 'service_edges_10m', column: 'ts' },
    { table: 'route_edges_1m', column: 'ts' },
  ],
  hour: [
    { table: 'edges_1h', column: 'ts' },
    { table: 'service_edges_1h', column: 'ts' },
    { table: 'service_edges_6h', column: 'ts' },
    { table: 'route_edges_1h', column: 'ts' },
    { table: 'services', column: 'last_seen' },
  ],
};

export function resolveRetention(config: RetentionConfig = {}): TableRetention[] {
  const merged = { ...DEFAULT_RETENTION, ...definedOnly(config) };
  return (['rawSeconds', 'minute', 'hour'] as const).flatMap((setting) => {
    const interval = parseInterval(merged[setting], `retention.${setting}`);
    return TABLES_BY_SETTING[setting].map(({ table, column }) => ({ table, column, interval }));
  });
}

function definedOnly(config: RetentionConfig): RetentionConfig {
  const out: RetentionConfig = {};
  if (config.rawSeconds !== undefined) out.rawSeconds = config.rawSeconds;
  if (config.minute !== undefined) out.minute = config.minute;
  if (config.hour !== undefined) out.hour = config.hour;
  return out;
}
