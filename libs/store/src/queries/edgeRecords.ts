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

/**
 * How the filter is applied. `prewhere`: as each piece's PREWHERE, and without projections, for a
 * filter that keeps a few rows of every granule (a neighbourhood's pairs: 400 of 20,000, spread
 * over the whole window). Measured on bench/query's 15-minute 2-hop neighbourhood: the wide
 * columns (histograms) read for the kept rows only, and no time spent weighing the by_pair
 * projection (which reads more there: a granule per pair), about 135 -> 90 ms.
 */
export interface EdgeReadOptions {
  prewhere?: boolean;
}

export async function readEdgeRecords(
  executor: ClickHouseExecutor,
  tenant: TenantId,
  window: TimeWindow,
  filter: EdgeFilter = () => [],
  options: EdgeReadOptions = {},
): Promise<EdgeRecord[]> {
  const params = new SqlParams();
  const pieces = windowPieces(window);
  const conditions = filter(params);
  const source = piecesSql(
    {
      pieces,
      tables: SERVICE_TABLES,
      tenant,
      columns: (piece) => `client_service, server_service, server_port, ${statSourceColumns(piece)}`,
      ...(options.prewhere === true ? { prewhere: conditions } : { where: conditions }),
    },
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
    options.prewhere === true ? { ...MANY_ROWS_SETTINGS, optimize_use_projections: 0 } : MANY_ROWS_SETTINGS,
  );
  const seconds = window.to - window.from;
  return rows.map((r) => edgeRecordOf(r, seconds)).sort(compareEdges);
}

export function edgeKey(e: { source: string; target: string; port: number }): string {
  return JSON.stringify([e.source, e.target, e.port]);
}
