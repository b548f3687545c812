/**
 * The services within `depth` hops of one service (EdgeQueries.readNeighborhood), exact for the
 * window.
 *
 * How (measured on bench/query, 20,000 pairs): one query for the window's distinct pairs of
 * services from the service-level rollups (two LowCardinality columns, no quantile states: cheap
 * even over an hour of minutes), the breadth-first search in TypeScript, then one query for the
 * stats of the edges between the chosen services only. A query per hop would read the window's
 * rows once per hop (ts leads the sort key, so a service filter does not narrow the read).
 */
import type { ClickHouseExecutor } from '../clickhouseExecutor.js';
import { finestTier, windowPieces } from '../window/windowPieces.js';
import { readEdgeRecords } from './edgeRecords.js';
import { MAX_BOUND_IDS_BYTES, SERVICE_TABLES, SqlParams, boundIdsBytes, checkQueryWindow, checkTenant, piecesSql } from './querySql.js';
import { QueryInputError, type Direction, type EdgeRecord, type NeighborhoodQuery, type NeighborhoodResult, type TenantId } from './queryTypes.js';
import { readServiceInfos, readServiceRecords } from './serviceNames.js';

export const MAX_DEPTH = 5;

/**
 * Up to this many services (and MAX_BOUND_IDS_BYTES of ids), the edges between them are read
 * with their ids bound as one list; beyond, every edge of the window is read and filtered here
 * (such a neighbourhood is most of the map, and its list would travel in a server's URL).
 */
export const MAX_BOUND_MEMBERS = 2000;
const DIRECTIONS: readonly Direction[] = ['in', 'out', 'both'];

export async function readNeighborhood(executor: ClickHouseExecutor, tenant: TenantId, query: NeighborhoodQuery): Promise<NeighborhoodResult | null> {
  checkTenant(tenant);
  checkQueryWindow(query.window);
  if (!Number.isInteger(query.depth) || query.depth < 1 || query.depth > MAX_DEPTH) throw new QueryInputError('depth', `depth must be an integer 1..${MAX_DEPTH}`);
  if (!DIRECTIONS.includes(query.direction)) throw new QueryInputError('direction', `direction must be one of ${DIRECTIONS.join(', ')}`);
  const { window, service, depth, direction } = query;
  if (!(await readServiceRecords(executor, tenant, [service])).has(service)) return null;

  const pieces = windowPieces(window);
  const pairs = await readPairs(executor, tenant, pieces);
  const hops = breadthFirst(service, pairs, depth, direction);
  const members = [...hops.keys()];

  // Every edge of the window between two services of the result: each is one the traversal
  // follows in its direction (out: client to server, in: the reverse, both: either).
  let edges: EdgeRecord[] = [];
  if (members.length > MAX_BOUND_MEMBERS || boundIdsBytes(members) > MAX_BOUND_IDS_BYTES) {
    edges = (await readEdgeRecords(executor, tenant, window)).filter((e) => hops.has(e.source) && hops.has(e.target));
  } else if (members.length > 1) {
    edges = await readEdgeRecords(executor, tenant, window, (params) => {
      const ids = params.bind(members, 'Array(String)');
      return [`client_service IN ${ids}`, `server_service IN ${ids}`];
    });
  }
  const infos = await readServiceInfos(executor, tenant, members);
  const nodes = infos.map((info) => ({ ...info, hops: hops.get(info.id)! })).sort((a, b) => a.hops - b.hops || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { window: { from: window.from, to: window.to }, resolution: finestTier(pieces), center: service, nodes, edges };
}

type Pair = readonly [client: string, server: string];

async function readPairs(executor: ClickHouseExecutor, tenant: TenantId, pieces: ReturnType<typeof windowPieces>): Promise<Pair[]> {
  const params = new SqlParams();
  const source = piecesSql({ pieces, tables: SERVICE_TABLES, tenant, columns: 'client_service, server_service' }, params);
  // Compact rows (arrays, not objects): tens of thousands of pairs parse in a few milliseconds.
  const rows = await executor.queryJsonRows<{ p: [string, string] }>(
    `SELECT (CAST(client_service, 'String'), CAST(server_service, 'String')) AS p FROM (${source}) GROUP BY client_service, server_service`,
    params.values,
  );
  return rows.map((r) => [r.p[0], r.p[1]] as const);
}

/** Fewest hops from the center to each service reached within depth, following edges in the direction. */
export function breadthFirst(center: string, pairs: readonly Pair[], depth: number, direction: Direction): Map<string, number> {
  const next = new Map<string, string[]>();
  const link = (from: string, to: string): void => {
    const list = next.get(from);
    if (list === undefined) next.set(from, [to]);
    else list.push(to);
  };
  for (const [client, server] of pairs) {
    if (direction !== 'in') link(client, server);
    if (direction !== 'out') link(server, client);
  }
  const hops = new Map<string, number>([[center, 0]]);
  let frontier = [center];
  for (let hop = 1; hop <= depth && frontier.length > 0; hop++) {
    const reached: string[] = [];
    for (const service of frontier) {
      for (const neighbour of next.get(service) ?? []) {
        if (hops.has(neighbour)) continue;
        hops.set(neighbour, hop);
        reached.push(neighbour);
      }
    }
    frontier = reached;
  }
  return hops;
}
