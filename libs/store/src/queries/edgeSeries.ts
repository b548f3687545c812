/**
 * One edge's stats per step (EdgeQueries.readEdgeSeries), from the service-level rollups. The
 * window is cut with the step's tier as the coarsest (windowPieces maxTier), so no piece crosses a
 * step boundary and every step is exact.
 */
import type { ClickHouseExecutor } from '../clickhouseExecutor.js';
import { SERVICE_TIERS, windowPieces, type Tier } from '../window/windowPieces.js';
import { STAT_AGGREGATES, statSourceColumns, statsOf } from './edgeStats.js';
import { SERVICE_TABLES, SqlParams, checkQueryWindow, checkTenant, piecesSql } from './querySql.js';
import { checkSelector, selectorWhere } from './edgeSelector.js';
import { QueryInputError, type SeriesPoint, type SeriesQuery, type SeriesResult, type TenantId } from './queryTypes.js';

/** More points than a chart can show is a mistake in the step (a day at 10 s is 8,640). */
export const MAX_SERIES_POINTS = 10_000;

/** The coarsest tier that divides the step (every step is a multiple of 1 s). */
export function stepTier(step: number): Tier {
  return [...SERVICE_TIERS].reverse().find((tier) => step % tier === 0) ?? 1;
}

export function checkStep(window: { from: number; to: number }, step: number): void {
  if (!Number.isSafeInteger(step) || step < 1) throw new QueryInputError('step', 'step must be a positive integer number of seconds');
  if (window.from % step !== 0 || window.to % step !== 0) {
    throw new QueryInputError('step', `from and to must be whole steps of ${step} s (unix seconds divisible by the step)`);
  }
  const points = (window.to - window.from) / step;
  if (points > MAX_SERIES_POINTS) throw new QueryInputError('step', `a step of ${step} s makes ${points} points; at most ${MAX_SERIES_POINTS}`);
}

export async function readEdgeSeries(executor: ClickHouseExecutor, tenant: TenantId, query: SeriesQuery): Promise<SeriesResult> {
  checkTenant(tenant);
  checkQueryWindow(query.window);
  checkSelector(query);
  const { window, step } = query;
  checkStep(window, step);
  const pieces = windowPieces(window, { maxTier: stepTier(step) });
  const params = new SqlParams();
  const source = piecesSql({ pieces, tables: SERVICE_TABLES, tenant, columns: (piece) => `ts, ${statSourceColumns(piece)}`, where: selectorWhere(query, params) }, params);
  const rows = await executor.queryJsonRows<Record<string, unknown>>(
    `
SELECT intDiv(toUInt32(ts) - ${params.bind(window.from, 'UInt32')}, ${params.bind(step, 'UInt32')}) AS step_index,
    ${STAT_AGGREGATES}
FROM (
    ${source}
)
GROUP BY step_index
ORDER BY step_index`,
    params.values,
  );
  const byIndex = new Map(rows.map((r) => [Number(r.step_index), r]));
  const points: SeriesPoint[] = [];
  for (let i = 0, ts = window.from; ts < window.to; i++, ts += step) {
    const row = byIndex.get(i);
    points.push({ ts, ...statsOf(row ?? {}, step) });
  }
  return { window: { from: window.from, to: window.to }, step, points };
}
