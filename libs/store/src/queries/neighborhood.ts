/**
 * The services within `depth` hops of one service (EdgeQueries.readNeighborhood), exact for the
 * window.
 *
 * How (measured on bench/query, 20,000 pairs): the candidates first, a breadth-first search in
 * TypeScript over the pairs of the coarse buckets (1 h or 6 h) that cover the window: a pair seen
 * in the window has a row in each of them, so every service within `depth` hops in the window is
 * a candidate (a superset, read as one row per pair and bucket). Then one query for the window's
 * edges between candidates, exact, and the search again over those edges alone: a path of window
 * edges is a path of candidate edges, so nothing within reach is missed, and nothing seen only
 * outside the window counts. Reading the window's distinct pairs instead took half the time of a
 * 15-minute neighbourhood (every piece row of every pair); a query per hop would read the window's
 * rows once per hop (ts leads the sort key, so a service filter does not narrow the read).
 */
import type { ClickHouseExecutor } from '../clickhouseExecutor.js';
import { MAX_UNIX_SECONDS, finestTier, windowPieces, type WindowPiece } from '../window/windowPieces.js';
import { readEdgeRecords } from './edgeRecords.js';
import { MAX_BOUND_IDS_BYTES, SERVICE_TABLES, SqlParams, boundIdsBytes, checkQueryWindow, checkTenant, piecesSql } from './querySql.js';
import { QueryInputError, type Direction, type EdgeRecord, type NeighborhoodQuery, type NeighborhoodResult, type QueryWindow, type TenantId } from './queryTypes.js';
import { infosOf, readServiceRecords } from './serviceNames.js';

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

  const pieces = windowPieces(window);
  const candidates = [...breadthFirst(service, await readCoveringPairs(executor, tenant, window), depth, direction).keys()];

  // The window's edges between candidates, then the search over them alone.
  let candidateEdges: EdgeRecord[] = [];
  if (candidates.length > MAX_BOUND_MEMBERS || boundIdsBytes(candidates) > MAX_BOUND_IDS_BYTES) {
    const within = new Set(candidates);
    candidateEdges = (await readEdgeRecords(executor, tenant, window)).filter((e) => within.has(e.source) && within.has(e.target));
  } else if (candidates.length > 1) {
    candidateEdges = await readEdgeRecords(
      executor,
      tenant,
      window,
      (params) => {
        const ids = params.bind(candidates, 'Array(String)');
        return [`client_service IN ${ids}`, `server_service IN ${ids}`];
      },
      { selective: true },
    );
  }
  const hops = breadthFirst(service, candidateEdges.map((e) => [e.source, e.target] as const), depth, direction);
  const members = [...hops.keys()];
  // Every edge of the window between two services of the result.
  const edges = candidateEdges.filter((e) => hops.has(e.source) && hops.has(e.target));
  // The center's record says whether it is a service of this tenant at all (asked with the
  // others, not first: one statement fewer).
  const records = await readServiceRecords(executor, tenant, members);
  if (!records.has(service)) return null;
  const nodes = infosOf(members, records).map((info) => ({ ...info, hops: hops.get(info.id)! })).sort((a, b) => a.hops - b.hops || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { window: { from: window.from, to: window.to }, resolution: finestTier(pieces), center: service, nodes, edges };
}

type Pair = readonly [client: string, server: string];

/** The pairs of services with a row in the 1 h buckets (6 h beyond 6 hours) that cover the window. */
async function readCoveringPairs(executor: ClickHouseExecutor, tenant: TenantId, window: QueryWindow): Promise<Pair[]> {
  const tier = window.to - window.from > 6 * 3600 ? 21600 : 3600;
  const covering: WindowPiece = { resolution: tier, from: Math.floor(window.from / tier) * tier, to: Math.min(MAX_UNIX_SECONDS, Math.ceil(window.to / tier) * tier) };
  const params = new SqlParams();
  const source = piecesSql({ pieces: [covering], tables: SERVICE_TABLES, tenant, columns: 'client_service, server_service' }, params);
  // One row of two arrays, not a row per pair: 20,000 pairs parse in one JSON.parse (9 ms as rows).
  const [row] = await executor.queryJsonRows<{ clients: string[]; servers: string[] }>(
    `SELECT groupArray(c) AS clients, groupArray(s) AS servers
FROM (SELECT CAST(client_service, 'String') AS c, CAST(server_service, 'String') AS s FROM (${source}) GROUP BY client_service, server_service)`,
    params.values,
  );
  const clients = row?.clients ?? [];
  const servers = row?.servers ?? [];
  return clients.map((client, i) => [client, servers[i]!] as const);
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
