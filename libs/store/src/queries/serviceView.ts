/**
 * One service with its failure domains and its edges in a window (EdgeQueries.readService).
 */
import type { ClickHouseExecutor } from '../clickhouseExecutor.js';
import { DOMAIN_TIERS, windowPieces } from '../window/windowPieces.js';
import { readEdgeRecords } from './edgeRecords.js';
import { DOMAIN_TABLES, SqlParams, checkQueryWindow, checkTenant, piecesSql } from './querySql.js';
import type { QueryWindow, ServiceDetail, ServiceView, TenantId } from './queryTypes.js';
import { infoOf, readServiceRecords } from './serviceNames.js';

export async function readService(executor: ClickHouseExecutor, tenant: TenantId, service: string, window: QueryWindow): Promise<ServiceView | null> {
  checkTenant(tenant);
  checkQueryWindow(window);
  const record = (await readServiceRecords(executor, tenant, [service])).get(service);
  if (record === undefined) return null;

  const [domains, edges] = await Promise.all([
    readDomains(executor, tenant, service, window),
    readEdgeRecords(executor, tenant, window, (params) => {
      const id = params.bind(service, 'String');
      return [`(client_service = ${id} OR server_service = ${id})`];
    }),
  ]);
  const detail: ServiceDetail = {
    ...infoOf(record),
    ...domains,
    // Without a row in the window, the first and last row the tenant ever had of it.
    first_seen: domains.first_seen ?? record.first_seen,
    last_seen: domains.last_seen ?? record.last_seen,
  };
  return {
    service: detail,
    inbound: edges.filter((e) => e.target === service),
    outbound: edges.filter((e) => e.source === service),
  };
}

interface Domains {
  zones: string[];
  nodes: string[];
  versions: string[];
  instances: number;
  first_seen: number | undefined;
  last_seen: number | undefined;
}

/** Zones, nodes, versions and instances of the service at either end, from the failure-domain tables. */
async function readDomains(executor: ClickHouseExecutor, tenant: TenantId, service: string, window: QueryWindow): Promise<Domains> {
  const params = new SqlParams();
  const pieces = windowPieces(window, { tiers: DOMAIN_TIERS });
  const id = params.bind(service, 'String');
  const end = (e: 'client' | 'server'): string =>
    piecesSql(
      {
        pieces,
        tables: DOMAIN_TABLES,
        tenant,
        columns: `ts, ${e}_zone AS zone, ${e}_node AS node, ${e}_version AS version, ${e}_instance AS instance`,
        where: [`${e}_service = ${id}`],
      },
      params,
    );
  const [row] = await executor.queryJsonRows<Record<string, unknown>>(
    `
SELECT
    arraySort(groupUniqArrayIf(CAST(zone, 'String'), zone != '')) AS zones,
    arraySort(groupUniqArrayIf(CAST(node, 'String'), node != '')) AS nodes,
    arraySort(groupUniqArrayIf(CAST(version, 'String'), version != '')) AS versions,
    uniqExactIf(instance, instance != '') AS instances,
    count() AS rows,
    toUInt32(min(ts)) AS first_seen,
    toUInt32(max(ts)) AS last_seen
FROM (
    ${end('client')}
    UNION ALL
    ${end('server')}
)`,
    params.values,
  );
  const seen = Number(row?.rows ?? 0) > 0;
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
  return {
    zones: strings(row?.zones),
    nodes: strings(row?.nodes),
    versions: strings(row?.versions),
    instances: Number(row?.instances ?? 0),
    first_seen: seen ? Number(row?.first_seen) : undefined,
    last_seen: seen ? Number(row?.last_seen) : undefined,
  };
}
