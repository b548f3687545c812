/**
 * Service edges of a window with their stats, from the service-level rollups: what the service
 * view, the neighbourhood and changes share.
 */
import { MANY_ROWS_SETTINGS, type ClickHouseExecutor } from '../clickhouseExecutor.js';
import { windowPieces, type TimeWindow } from '../window/windowPieces.js';
import { compareEdges } from './edgeOrder.js';
import { latencyColumnNames, quantilesOfCounts, type Latency } from '../latency/latencyHistogram.js';
import { STAT_AGGREGATES, STAT_MERGE_AGGREGATES, statSourceColumns, edgeRecordOf } from './edgeStats.js';
import { SERVICE_TABLES, SqlParams, piecesSql } from './querySql.js';
import type { EdgeRecord, TenantId } from './queryTypes.js';

/** Conditions on the service tables' columns, built with the statement's parameters. */
export type EdgeFilter = (params: SqlParams) => string[];

/**
 * `selective`: the filter keeps a few rows of every granule and few edges (a neighbourhood's
 * pairs: 400 of 20,000, spread over the whole window). It is then each piece's PREWHERE, with
 * projections off, so the wide columns (histograms) are read for the kept rows only and no time
 * goes to weighing the by_pair projection (which reads more there: a granule per pair); and the
 * latency quantiles are computed here from the merged bucket counts rather than in the SQL, whose
 * quantile expressions cost the engine ~20 ms of analysis per statement. Measured on bench/query's
 * 15-minute 2-hop neighbourhood: the edges statement about 135 -> 75 ms with PREWHERE.
 */
export interface EdgeReadOptions {
  selective?: boolean;
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
  const selective = options.selective === true;
  const source = piecesSql(
    {
      pieces,
      tables: SERVICE_TABLES,
      tenant,
      columns: (piece) => `client_service, server_service, server_port, ${statSourceColumns(piece)}`,
      ...(selective ? { prewhere: conditions } : { where: conditions }),
    },
    params,
  );
  const rows = await executor.queryJsonRows<Record<string, unknown>>(
    `
SELECT client_service AS source, server_service AS target, server_port AS port,
    ${selective ? STAT_MERGE_AGGREGATES : STAT_AGGREGATES}
FROM (
    ${source}
)
GROUP BY source, target, port`,
    params.values,
    selective ? { ...MANY_ROWS_SETTINGS, optimize_use_projections: 0 } : MANY_ROWS_SETTINGS,
  );
  const seconds = window.to - window.from;
  return rows.map((r) => edgeRecordOf(selective ? withQuantiles(r) : r, seconds)).sort(compareEdges);
}

/** A row of STAT_MERGE_AGGREGATES with the quantiles STAT_AGGREGATES would have computed. */
function withQuantiles(row: Record<string, unknown>): Record<string, unknown> {
  const of = (latency: Latency): Array<number | null> => {
    const [, minimum, maximum] = latencyColumnNames(latency);
    const counts = Array.isArray(row[`${latency}_counts`]) ? (row[`${latency}_counts`] as unknown[]).map(Number) : [];
    return quantilesOfCounts(counts, Number(row[minimum]), Number(row[maximum]));
  };
  return { ...row, rtt_quantiles: of('rtt'), request_quantiles: of('request_duration') };
}

export function edgeKey(e: { source: string; target: string; port: number }): string {
  return JSON.stringify([e.source, e.target, e.port]);
}
