/**
 * The services table read back: naming of service ids, existence checks, name patterns.
 */
import type { ClickHouseExecutor } from '../clickhouseExecutor.js';
import type { ServiceInfo, TenantId } from './queryTypes.js';
import { SqlParams, boundIdChunks } from './querySql.js';

export interface ServiceRecord extends ServiceInfo {
  first_seen: number;
  last_seen: number;
}

/** One row per service of the tenant, its states merged (the table is an AggregatingMergeTree). */
export function mergedServicesSql(tenant: string, params: SqlParams, where: readonly string[] = []): string {
  return `
SELECT
    service,
    argMaxMerge(display) AS display,
    argMaxMerge(namespace) AS namespace,
    argMaxMerge(workload) AS workload,
    argMaxMerge(kind) AS kind,
    toUInt32(min(first_seen)) AS first_seen,
    toUInt32(max(last_seen)) AS last_seen
FROM services
WHERE ${[`tenant = ${params.bind(tenant, 'String')}`, ...where].join(' AND ')}
GROUP BY service`;
}

/** The display name: the workload's or program's name, the id when nothing better is known. */
export function displayName(id: string, display: string, workload: string): string {
  return display !== '' ? display : workload !== '' ? workload : id;
}

export function serviceRecordOf(row: Record<string, unknown>): ServiceRecord {
  const id = String(row.service);
  return {
    id,
    name: displayName(id, String(row.display ?? ''), String(row.workload ?? '')),
    namespace: String(row.namespace ?? ''),
    kind: String(row.kind ?? ''),
    workload: String(row.workload ?? ''),
    first_seen: Number(row.first_seen ?? 0),
    last_seen: Number(row.last_seen ?? 0),
  };
}

/** A ServiceInfo without the first/last seen of the record. */
export function infoOf(record: ServiceRecord): ServiceInfo {
  return { id: record.id, name: record.name, namespace: record.namespace, kind: record.kind, workload: record.workload };
}

/** The named services of a tenant, by id (ids the table does not know are absent). */
export async function readServiceRecords(executor: ClickHouseExecutor, tenant: TenantId, ids: readonly string[]): Promise<Map<string, ServiceRecord>> {
  const out = new Map<string, ServiceRecord>();
  // In lists a server's URL can carry (a neighbourhood may name thousands of services).
  for (const chunk of boundIdChunks([...new Set(ids)])) {
    const params = new SqlParams();
    const sql = mergedServicesSql(tenant, params, [`service IN ${params.bind(chunk, 'Array(String)')}`]);
    for (const row of await executor.queryJsonRows<Record<string, unknown>>(sql, params.values)) {
      const record = serviceRecordOf(row);
      out.set(record.id, record);
    }
  }
  return out;
}

/** ServiceInfo for each id, in the given order; an id the services table lacks is named by itself. */
export async function readServiceInfos(executor: ClickHouseExecutor, tenant: TenantId, ids: readonly string[]): Promise<ServiceInfo[]> {
  return infosOf(ids, await readServiceRecords(executor, tenant, ids));
}

/** ServiceInfo for each id from records read already (readServiceRecords). */
export function infosOf(ids: readonly string[], records: ReadonlyMap<string, ServiceRecord>): ServiceInfo[] {
  return ids.map((id) => {
    const record = records.get(id);
    return record !== undefined ? infoOf(record) : { id, name: id, namespace: '', kind: '', workload: '' };
  });
}

/**
 * A MapQuery `service` pattern as an ILIKE pattern: `*` is any run of characters, everything else
 * literal (LIKE's own `%`, `_` and `\` escaped); without `*`, a substring match.
 */
export function likePattern(pattern: string): string {
  const literal = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);
  if (!pattern.includes('*')) return `%${literal(pattern)}%`;
  return pattern.split('*').map(literal).join('%');
}

/**
 * SQL: the ids of the tenant's services whose id or display name matches the pattern (see
 * likePattern), as a subquery for IN. A subquery, not an id list read first: a pattern such as
 * `*` matches every service, and tens of thousands of ids bound as one parameter would travel in
 * a server's URL, past its size limit.
 */
export function servicesMatchingSql(tenant: TenantId, pattern: string, params: SqlParams): string {
  const like = params.bind(likePattern(pattern), 'String');
  return `SELECT service FROM (${mergedServicesSql(tenant, params)})
WHERE ilike(service, ${like}) OR ilike(if(display != '', display, if(workload != '', workload, service)), ${like})`;
}

/** SQL: the ids of the tenant's services in a namespace, as a subquery for IN (see servicesMatchingSql). */
export function servicesInNamespaceSql(tenant: TenantId, namespace: string, params: SqlParams): string {
  return `SELECT service FROM (${mergedServicesSql(tenant, params)}) WHERE namespace = ${params.bind(namespace, 'String')}`;
}
