/**
 * One edge's totals split by a failure domain of either end (EdgeQueries.readEdgeBreakdown), from
 * the failure-domain tables, ranked so that the one bad version or node comes first.
 */
import type { ClickHouseExecutor } from '../clickhouseExecutor.js';
import { DOMAIN_TIERS, windowPieces } from '../window/windowPieces.js';
import { STAT_AGGREGATES, statSourceColumns, statsOf } from './edgeStats.js';
import { checkSelector, selectorWhere } from './edgeSelector.js';
import { DOMAIN_TABLES, SqlParams, checkQueryWindow, checkTenant, piecesSql } from './querySql.js';
import { QueryInputError, type BreakdownDimension, type BreakdownGroup, type BreakdownQuery, type BreakdownResult, type TenantId } from './queryTypes.js';

/** The dimensions, which are also the column names (a fixed list: `by` never reaches SQL unchecked). */
export const BREAKDOWN_DIMENSIONS: readonly BreakdownDimension[] = [
  'client_version', 'server_version',
  'client_instance', 'server_instance',
  'client_zone', 'server_zone',
  'client_node', 'server_node',
  'client_process', 'server_process',
  'server_port',
];

/** connections_failed / (connections_opened + connections_failed); 0 without attempts. */
export function errorShare(stats: { connections_opened: number; connections_failed: number }): number {
  const attempts = stats.connections_opened + stats.connections_failed;
  return attempts === 0 ? 0 : stats.connections_failed / attempts;
}

export async function readEdgeBreakdown(executor: ClickHouseExecutor, tenant: TenantId, query: BreakdownQuery): Promise<BreakdownResult> {
  checkTenant(tenant);
  checkQueryWindow(query.window);
  checkSelector(query);
  if (!BREAKDOWN_DIMENSIONS.includes(query.by)) throw new QueryInputError('by', `by must be one of ${BREAKDOWN_DIMENSIONS.join(', ')}`);
  const { window, by } = query;
  const pieces = windowPieces(window, { tiers: DOMAIN_TIERS });
  const params = new SqlParams();
  const source = piecesSql(
    { pieces, tables: DOMAIN_TABLES, tenant, columns: (piece) => `toString(${by}) AS value, ${statSourceColumns(piece)}`, where: selectorWhere(query, params) },
    params,
  );
  const rows = await executor.queryJsonRows<Record<string, unknown>>(
    `
SELECT value,
    ${STAT_AGGREGATES}
FROM (
    ${source}
)
GROUP BY value`,
    params.values,
  );
  const seconds = window.to - window.from;
  const groups = rows.map((r): BreakdownGroup => {
    const stats = statsOf(r, seconds);
    return { value: String(r.value), error_share: errorShare(stats), ...stats };
  });
  groups.sort((a, b) => b.error_share - a.error_share || b.connections_failed - a.connections_failed || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  return { window: { from: window.from, to: window.to }, by, groups };
}
