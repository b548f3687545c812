/**
 * The map of a window (EdgeQueries.readMap): service edges from the service-level rollups, or
 * grouped by namespace (services table) or zone (failure-domain tables).
 */
import { MANY_ROWS_SETTINGS, type ClickHouseExecutor } from '../clickhouseExecutor.js';
import { DOMAIN_TIERS, finestTier, windowPieces } from '../window/windowPieces.js';
import { compareEdges } from './edgeOrder.js';
import { STAT_AGGREGATES, statSourceColumns, STAT_MERGE_AGGREGATES, edgeRecordOf } from './edgeStats.js';
import { DOMAIN_TABLES, SERVICE_TABLES, SqlParams, checkQueryWindow, checkTenant, eitherEndIn, piecesSql } from './querySql.js';
import { QueryInputError, type EdgeRecord, type MapNode, type MapQuery, type MapResult, type TenantId } from './queryTypes.js';
import { readServiceInfos, servicesInNamespaceSql, servicesMatchingSql } from './serviceNames.js';

const GROUPINGS = ['service', 'namespace', 'zone'] as const;

/** The name of a group node whose value the ingest did not know. */
const UNKNOWN_GROUP = '(none)';

export async function readMap(executor: ClickHouseExecutor, tenant: TenantId, query: MapQuery): Promise<MapResult> {
  checkTenant(tenant);
  checkQueryWindow(query.window);
  const groupBy = query.groupBy ?? 'service';
  if (!GROUPINGS.includes(groupBy)) throw new QueryInputError('group_by', `group_by must be one of ${GROUPINGS.join(', ')}`);
  if (query.minRate !== undefined && !(Number.isFinite(query.minRate) && query.minRate >= 0)) {
    throw new QueryInputError('min_rate', 'min_rate must be a non-negative number of connections per second');
  }
  const { window } = query;
  const seconds = window.to - window.from;
  const pieces = windowPieces(window, groupBy === 'zone' ? { tiers: DOMAIN_TIERS } : {});
  const result: MapResult = { window: { from: window.from, to: window.to }, resolution: finestTier(pieces), nodes: [], edges: [] };

  // Filters by naming select ids from the services table, as subqueries of each piece's WHERE.
  const params = new SqlParams();
  const where: string[] = [];
  if (query.namespace !== undefined) where.push(eitherEndIn(servicesInNamespaceSql(tenant, query.namespace, params)));
  if (query.service !== undefined && query.service !== '') where.push(eitherEndIn(servicesMatchingSql(tenant, query.service, params)));
  const having = query.minRate !== undefined && query.minRate > 0 ? `HAVING connections_opened >= ${params.bind(query.minRate * seconds, 'Float64')}` : '';

  let sql: string;
  if (groupBy === 'service') {
    sql = `
SELECT client_service AS source, server_service AS target, server_port AS port,
    ${STAT_AGGREGATES}
FROM (
    ${piecesSql({ pieces, tables: SERVICE_TABLES, tenant, columns: (piece) => `client_service, server_service, server_port, ${statSourceColumns(piece)}`, where }, params)}
)
GROUP BY source, target, port
${having}`;
  } else if (groupBy === 'namespace') {
    // Service edges first (kept mergeable), then named and grouped: the join sees one row per
    // service edge, not one per piece row.
    const serviceEdges = `
SELECT client_service, server_service, server_port,
    ${STAT_MERGE_AGGREGATES}
FROM (
    ${piecesSql({ pieces, tables: SERVICE_TABLES, tenant, columns: (piece) => `client_service, server_service, server_port, ${statSourceColumns(piece)}`, where }, params)}
)
GROUP BY client_service, server_service, server_port`;
    const names = `SELECT service, argMaxMerge(namespace) AS namespace FROM services WHERE tenant = ${params.bind(tenant, 'String')} GROUP BY service`;
    sql = `
SELECT concat('namespace:', c.namespace) AS source, concat('namespace:', s.namespace) AS target, e.server_port AS port,
    groupUniqArray(CAST(e.client_service, 'String')) AS source_members,
    groupUniqArray(CAST(e.server_service, 'String')) AS target_members,
    ${STAT_AGGREGATES}
FROM (${serviceEdges}) AS e
LEFT JOIN (${names}) AS c ON c.service = e.client_service
LEFT JOIN (${names}) AS s ON s.service = e.server_service
GROUP BY source, target, port
${having}`;
  } else {
    sql = `
SELECT concat('zone:', client_zone) AS source, concat('zone:', server_zone) AS target, server_port AS port,
    groupUniqArray(CAST(client_service, 'String')) AS source_members,
    groupUniqArray(CAST(server_service, 'String')) AS target_members,
    ${STAT_AGGREGATES}
FROM (
    ${piecesSql({ pieces, tables: DOMAIN_TABLES, tenant, columns: (piece) => `client_service, server_service, client_zone, server_zone, server_port, ${statSourceColumns(piece)}`, where }, params)}
)
GROUP BY source, target, port
${having}`;
  }

  const rows = await executor.queryJsonRows<Record<string, unknown>>(sql, params.values, MANY_ROWS_SETTINGS);
  result.edges = rows.map((r) => edgeRecordOf(r, seconds)).sort(compareEdges);

  if (groupBy === 'service') {
    // A loop, not flatMap: 40,000 two-element arrays for 2,000 ids cost a 20,000-edge map 10 ms.
    const seen = new Set<string>();
    for (const e of result.edges) seen.add(e.source).add(e.target);
    const ids = [...seen].sort();
    result.nodes = (await readServiceInfos(executor, tenant, ids)).map((info) => ({ ...info, members: 1 }));
  } else {
    result.nodes = groupNodes(groupBy, rows);
  }
  return result;
}

/** The nodes of a grouped map, each with the number of distinct services it stands for. */
function groupNodes(groupBy: 'namespace' | 'zone', rows: readonly Record<string, unknown>[]): MapNode[] {
  const members = new Map<string, Set<string>>();
  const add = (node: string, services: unknown): void => {
    const set = members.get(node) ?? new Set<string>();
    for (const s of Array.isArray(services) ? services : []) set.add(String(s));
    members.set(node, set);
  };
  for (const r of rows) {
    add(String(r.source), r.source_members);
    add(String(r.target), r.target_members);
  }
  const prefix = `${groupBy}:`;
  return [...members.keys()].sort().map((id): MapNode => {
    const value = id.slice(prefix.length);
    return {
      id,
      name: value !== '' ? value : UNKNOWN_GROUP,
      namespace: groupBy === 'namespace' ? value : '',
      kind: groupBy,
      workload: '',
      members: members.get(id)!.size,
    };
  });
}
