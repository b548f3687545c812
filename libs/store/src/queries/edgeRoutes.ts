/**
 * One edge's requests by protocol, method and route template (EdgeQueries.readEdgeRoutes): whole
 * minutes and hours from route_edges_1m/1h, the ragged seconds from edges_1s's routes.
 */
import type { ClickHouseExecutor } from '../clickhouseExecutor.js';
import { latencyPieceSql, latencyQuantilesSql } from '../latency/latencyHistogram.js';
import { REQUEST_PROTOCOLS, type RequestProtocolName } from '../requestProtocols.js';
import { DOMAIN_TIERS, windowPieces, type WindowPiece } from '../window/windowPieces.js';
import { quantiles } from './edgeStats.js';
import { checkSelector, selectorWhere } from './edgeSelector.js';
import { ROUTE_TABLES, SqlParams, checkQueryWindow, checkTenant, piecesSql } from './querySql.js';
import { QueryInputError, type RouteStats, type RoutesQuery, type RoutesResult, type TenantId } from './queryTypes.js';

/** The most routes one answer lists. */
export const MAX_ROUTES_LIMIT = 1000;

const ROLLUP_COLUMNS = `protocol, method, route, requests, request_errors, request_client_errors, ${latencyPieceSql('request_duration', false)}`;
/** edges_1s's routes tuple (ARRAY JOIN ... AS r) under the rollups' column names. */
const RAW_COLUMNS = `r.protocol AS protocol, r.method AS method, r.route AS route, r.requests AS requests, r.errors AS request_errors,
    r.client_errors AS request_client_errors,
    ${latencyPieceSql('request_duration', true, { histogram: 'r.duration_histogram', minimum: 'r.duration_min_us', maximum: 'r.duration_max_us' })}`;

export async function readEdgeRoutes(executor: ClickHouseExecutor, tenant: TenantId, query: RoutesQuery): Promise<RoutesResult> {
  checkTenant(tenant);
  checkQueryWindow(query.window);
  checkSelector(query);
  if (!(Number.isInteger(query.limit) && query.limit >= 1 && query.limit <= MAX_ROUTES_LIMIT)) {
    throw new QueryInputError('limit', `limit must be an integer 1..${MAX_ROUTES_LIMIT}`);
  }
  const { window } = query;
  const params = new SqlParams();
  const source = piecesSql(
    {
      pieces: windowPieces(window, { tiers: DOMAIN_TIERS }),
      tables: ROUTE_TABLES,
      tenant,
      columns: (piece: WindowPiece) => (piece.resolution === 1 ? RAW_COLUMNS : ROLLUP_COLUMNS),
      where: selectorWhere(query, params),
    },
    params,
  );
  // limit + 1 rows say whether there are more; the totals of all routes come along in each row.
  const rows = await executor.queryJsonRows<Record<string, unknown>>(
    `
SELECT protocol, method, route, requests, request_errors, request_client_errors, request_quantiles,
    count() OVER () AS route_count,
    sum(requests) OVER () AS all_requests,
    sum(request_errors) OVER () AS all_errors,
    sum(request_client_errors) OVER () AS all_client_errors
FROM (
    SELECT CAST(protocol, 'String') AS protocol, CAST(method, 'String') AS method, route,
        sum(requests) AS requests,
        sum(request_errors) AS request_errors,
        sum(request_client_errors) AS request_client_errors,
        ${latencyQuantilesSql('request_duration')} AS request_quantiles
    FROM (
        ${source}
    )
    GROUP BY protocol, method, route
)
ORDER BY requests DESC, request_errors DESC, route, method, protocol
LIMIT ${params.bind(query.limit, 'UInt32')}`,
    params.values,
  );
  const routes = rows.map((r): RouteStats => {
    const [p50, p95, p99] = quantiles(r.request_quantiles);
    return {
      protocol: protocolOf(r.protocol),
      method: String(r.method),
      route: String(r.route),
      requests: Number(r.requests),
      request_errors: Number(r.request_errors),
      request_client_errors: Number(r.request_client_errors),
      request_p50_us: p50,
      request_p95_us: p95,
      request_p99_us: p99,
    };
  });
  const first = rows[0];
  const listed = (field: 'requests' | 'request_errors' | 'request_client_errors'): number => routes.reduce((sum, r) => sum + r[field], 0);
  const others = {
    routes: first === undefined ? 0 : Number(first.route_count) - routes.length,
    requests: first === undefined ? 0 : Number(first.all_requests) - listed('requests'),
    request_errors: first === undefined ? 0 : Number(first.all_errors) - listed('request_errors'),
    request_client_errors: first === undefined ? 0 : Number(first.all_client_errors) - listed('request_client_errors'),
  };
  return { window: { from: window.from, to: window.to }, routes, others };
}

/** A stored protocol name; the ingest writes only known ones (edgeStore refuses others). */
function protocolOf(value: unknown): RequestProtocolName {
  const name = String(value) as RequestProtocolName;
  if (!REQUEST_PROTOCOLS.includes(name)) throw new Error(`route_edges hold an unknown protocol ${JSON.stringify(value)}`);
  return name;
}
