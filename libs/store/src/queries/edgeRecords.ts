/**
 * Service edges of a window with their stats, from the service-level rollups: what the service
 * view, the neighbourhood and changes share.
 */
import { MANY_ROWS_SETTINGS, type ClickHouseExecutor } from '../clickhouseExecutor.js';
import { windowPieces, type TimeWindow } from '../window/windowPieces.js';
import { compareEdges } from './edgeOrder.js';
import { STAT_AGGREGATES, statSourceColumns, edgeRecordOf } from './edgeStats.js';
import { SERVICE_TABLES, SqlParams, piecesSql } from './querySql.js';
import type { EdgeRecord, TenantId } from './queryTypes.js';

/** Conditions on the service tables' columns, built with the statement's parameters. */
export type EdgeFilter = (params: SqlParams) => string[];

export async function readEdgeRecords(executor: ClickHouseExecutor, tenant: TenantId, window: TimeWindow, filter: EdgeFilter = () => []): Promise<EdgeRecord[]> {
  const params = new SqlParams();
  const pieces = windowPieces(window);
  const source = piecesSql(
    { pieces, tables: SERVICE_TABLES, tenant, columns: (piece) => `client_service, server_service, server_port, ${statSourceColumns(piece)}`, where: filter(params) },
    params,
  );
  const rows = await executor.queryJsonRows<Record<string, unknown>>(
    `
SELECT client_service AS source, server_service AS target, server_port AS port,
    ${STAT_AGGREGATES}
FROM (
    ${source}
)
GROUP BY source, target, port`,
    params.values,
    MANY_ROWS_SETTINGS,
  );
  const seconds = window.to - window.from;
  return rows.map((r) => edgeRecordOf(r, seconds)).sort(compareEdges);
}

export function edgeKey(e: { source: string; target: string; port: number }): string {
  return JSON.stringify([e.source, e.target, e.port]);
}
