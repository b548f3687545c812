/**
 * SQL building blocks every query shares: bound parameters, the tier tables, a window's pieces as
 * one UNION ALL source, and the tenant check. Table and column names come from fixed lists in
 * code; every value is a bound `{name:Type}` parameter.
 */
import type { QueryParams } from '../clickhouseExecutor.js';
import { checkWindow, type Tier, type TimeWindow, type WindowPiece } from '../window/windowPieces.js';
import { QueryInputError, type TenantId } from './queryTypes.js';

/** The service-level rollups, one per tier: (tenant, ts, client_service, server_service, server_port). */
export const SERVICE_TABLES: Readonly<Record<Tier, string>> = {
  1: 'service_edges_1s',
  10: 'service_edges_10s',
  60: 'service_edges_1m',
  600: 'service_edges_10m',
  3600: 'service_edges_1h',
  21600: 'service_edges_6h',
};

/** The failure-domain tables (every end column), one per tier; there is no 10 s tier. */
export const DOMAIN_TABLES: Readonly<Partial<Record<Tier, string>>> = {
  1: 'edges_1s',
  60: 'edges_1m',
  3600: 'edges_1h',
};

/** The per-route tables, one per tier; the seconds are edges_1s's `routes`, one row each. */
export const ROUTE_TABLES: Readonly<Partial<Record<Tier, string>>> = {
  1: 'edges_1s ARRAY JOIN routes AS r',
  60: 'route_edges_1m',
  3600: 'route_edges_1h',
};

type ParamValue = QueryParams[string];

/** Bound parameters of one statement, named p0, p1, ... so that no two pieces collide. */
export class SqlParams {
  readonly values: Record<string, ParamValue> = {};
  #next = 0;

  /** Binds a value and returns its placeholder, e.g. `{p3:String}`. */
  bind(value: ParamValue, type: string): string {
    const name = `p${this.#next++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }
}

/** A tier's table, or an error naming the tier (a piece from a tier the tables do not have is a bug). */
export function tableOf(tables: Readonly<Partial<Record<Tier, string>>>, piece: WindowPiece): string {
  const table = tables[piece.resolution];
  if (table === undefined) throw new RangeError(`no table for the ${piece.resolution} s tier`);
  return table;
}

export interface PiecesSource {
  pieces: readonly WindowPiece[];
  tables: Readonly<Partial<Record<Tier, string>>>;
  tenant: TenantId;
  /** The columns each piece selects (the same for every piece, or per piece where the tables differ). */
  columns: string | ((piece: WindowPiece) => string);
  /** Extra conditions, ANDed into every piece's WHERE (so the primary key and PREWHERE apply per table). */
  where?: readonly string[];
  /**
   * Conditions read first, as each piece's PREWHERE: a filter that keeps few rows of every
   * granule (a neighbourhood's pairs), so the wide columns are read for those rows only.
   */
  prewhere?: readonly string[];
}

/**
 * The rows of a window as one SQL source: a UNION ALL of one SELECT per piece, each over its
 * tier's table, filtered by the tenant and its own bounds.
 */
export function piecesSql(source: PiecesSource, params: SqlParams): string {
  const tenant = params.bind(source.tenant, 'String');
  const selects = source.pieces.map((piece) => {
    const conditions = [
      `tenant = ${tenant}`,
      `ts >= toDateTime(${params.bind(piece.from, 'UInt32')}, 'UTC')`,
      `ts < toDateTime(${params.bind(piece.to, 'UInt32')}, 'UTC')`,
      ...(source.where ?? []),
    ];
    const columns = typeof source.columns === 'string' ? source.columns : source.columns(piece);
    const prewhere = source.prewhere !== undefined && source.prewhere.length > 0 ? ` PREWHERE ${source.prewhere.join(' AND ')}` : '';
    return `SELECT ${columns} FROM ${tableOf(source.tables, piece)}${prewhere} WHERE ${conditions.join(' AND ')}`;
  });
  return selects.join('\n    UNION ALL\n    ');
}

/** Every query is for one tenant: an empty or non-string tenant is refused, never read as "all". */
export function checkTenant(tenant: TenantId): void {
  if (typeof tenant !== 'string' || tenant.length === 0) throw new QueryInputError('tenant', 'a query needs a non-empty tenant id');
}

/** A window the store can answer, or a QueryInputError naming `from`/`to`. */
export function checkQueryWindow(window: TimeWindow, prefix = ''): void {
  try {
    checkWindow(window);
  } catch (error) {
    const bad = !Number.isSafeInteger(window.from) || window.from < 0 ? 'from' : 'to';
    throw new QueryInputError(`${prefix}${bad}`, (error as Error).message);
  }
}

/**
 * The most a list of ids bound as one parameter may weigh, URL-encoded: a ClickHouse server takes
 * a statement's parameters in the request URL, which it limits to 1 MiB (http_max_uri_size).
 */
export const MAX_BOUND_IDS_BYTES = 256 * 1024;

/** What a list of ids weighs in a URL (each id encoded, plus a separator). */
export function boundIdsBytes(ids: readonly string[]): number {
  let bytes = 0;
  for (const id of ids) bytes += encodeURIComponent(id).length + 3;
  return bytes;
}

/** The ids cut into lists that each weigh at most MAX_BOUND_IDS_BYTES. */
export function boundIdChunks(ids: readonly string[]): string[][] {
  const chunks: string[][] = [];
  let chunk: string[] = [];
  let bytes = 0;
  for (const id of ids) {
    const size = encodeURIComponent(id).length + 3;
    if (chunk.length > 0 && bytes + size > MAX_BOUND_IDS_BYTES) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(id);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** `client_service IN (ids) OR server_service IN (ids)`: at least one end among the ids a subquery selects. */
export function eitherEndIn(idsSql: string): string {
  return `(client_service IN (${idsSql}) OR server_service IN (${idsSql}))`;
}
