/**
 * Search and autocomplete over the services table (EdgeQueries.searchServices): a case-insensitive
 * substring of id, name, namespace or kind, in id order, paged by an opaque cursor.
 */
import type { ClickHouseExecutor } from '../clickhouseExecutor.js';
import { SqlParams, checkTenant } from './querySql.js';
import { QueryInputError, type ServicePage, type ServiceSearch, type TenantId } from './queryTypes.js';
import { infoOf, mergedServicesSql, serviceRecordOf } from './serviceNames.js';

export const MAX_SEARCH_LIMIT = 1000;

/** The cursor is the last id of the page, base64url: opaque to clients, stable under inserts. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  // Node decodes garbage leniently; a cursor we made encodes back to itself.
  if (cursor.length === 0 || encodeCursor(id) !== cursor) throw new QueryInputError('cursor', 'cursor is not one this API returned');
  return id;
}

export async function searchServices(executor: ClickHouseExecutor, tenant: TenantId, search: ServiceSearch): Promise<ServicePage> {
  checkTenant(tenant);
  const { limit } = search;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) throw new QueryInputError('limit', `limit must be an integer 1..${MAX_SEARCH_LIMIT}`);
  const params = new SqlParams();
  const where = search.cursor !== undefined ? [`service > ${params.bind(decodeCursor(search.cursor), 'String')}`] : [];
  const q = search.q ?? '';
  const match =
    q === ''
      ? ''
      : (() => {
          const needle = params.bind(q, 'String');
          const fields = [`service`, `if(display != '', display, if(workload != '', workload, service))`, 'namespace', 'kind'];
          return `WHERE ${fields.map((f) => `positionCaseInsensitiveUTF8(${f}, ${needle}) > 0`).join(' OR ')}`;
        })();
  // One more than the page: whether a next page exists without a count.
  const rows = await executor.queryJsonRows<Record<string, unknown>>(
    `SELECT * FROM (${mergedServicesSql(tenant, params, where)}) ${match} ORDER BY service LIMIT ${params.bind(limit + 1, 'UInt32')}`,
    params.values,
  );
  const services = rows.slice(0, limit).map((r) => infoOf(serviceRecordOf(r)));
  const last = services.at(-1);
  return { services, next_cursor: rows.length > limit && last !== undefined ? encodeCursor(last.id) : null };
}
