import type { Direction, EdgeQueries, TenantId } from '@weft/store';
import { translated } from '../errors/libraryErrors.js';
import { InvalidParameterError, NotFoundError } from '../errors/serviceErrors.js';
import { isoTime, toEdge, toService, toWindow } from '../shared/edgeMapping.js';
import { requestWindow } from '../shared/requestWindow.js';
import { TEXT_LIMITS, checkedText } from '../shared/textLimits.js';
import { wholeNumberIn } from '../shared/wholeNumber.js';
import { fromPageCursor, toPageCursor } from './pageCursor.js';
import type { Neighborhood, ServicePage, ServiceView } from './servicesDto.js';

export interface ServiceSearchRequest {
  q?: string;
  /** 1..1000, default 50. */
  limit?: number;
  /** A next_cursor this API returned to the tenant (pageCursor.ts). */
  cursor?: string;
}

export interface ServiceViewRequest {
  id: string;
  from?: string;
  to?: string;
}

export interface NeighborhoodRequest {
  id: string;
  /** 1..5, default 1. */
  depth?: number;
  /** Default both. */
  direction?: Direction;
  from?: string;
  to?: string;
}

export const DEFAULT_SEARCH_LIMIT = 50;
const DIRECTIONS: readonly Direction[] = ['in', 'out', 'both'];

function serviceId(id: string): string {
  if (typeof id !== 'string' || id === '') throw new InvalidParameterError('id', 'id is empty');
  return checkedText('id', id, TEXT_LIMITS.serviceId);
}

/** One tenant's services: search, one service with its edges, its neighborhood. */
export class ServicesService {
  constructor(
    private readonly queries: EdgeQueries,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async search(tenant: TenantId, request: ServiceSearchRequest): Promise<ServicePage> {
    const limit = wholeNumberIn('limit', request.limit ?? DEFAULT_SEARCH_LIMIT, 1, 1000);
    checkedText('q', request.q, TEXT_LIMITS.q);
    const cursor = checkedText('cursor', request.cursor, TEXT_LIMITS.cursor) ? fromPageCursor(tenant, request.cursor!) : undefined;
    const page = await translated(() => this.queries.searchServices(tenant, { limit, ...(request.q ? { q: request.q } : {}), ...(cursor !== undefined ? { cursor } : {}) }));
    return { services: page.services.map(toService), next_cursor: page.next_cursor === null ? null : toPageCursor(tenant, page.next_cursor) };
  }

  /** The service and its edges in the window; NotFoundError when the tenant has no such service. */
  async view(tenant: TenantId, request: ServiceViewRequest): Promise<ServiceView> {
    const id = serviceId(request.id);
    const window = requestWindow(request.from, request.to, this.nowMs());
    const view = await translated(() => this.queries.readService(tenant, id, window));
    if (view === null) throw new NotFoundError(`no service ${JSON.stringify(id)}`);
    const s = view.service;
    return {
      window: toWindow(window),
      service: {
        ...toService(s),
        zones: [...s.zones],
        nodes: [...s.nodes],
        versions: [...s.versions],
        instances: s.instances,
        first_seen: isoTime(s.first_seen),
        last_seen: isoTime(s.last_seen),
      },
      inbound: view.inbound.map(toEdge),
      outbound: view.outbound.map(toEdge),
    };
  }

  /** The nodes within `depth` hops and the edges between them; NotFoundError when the tenant has no such service. */
  async neighborhood(tenant: TenantId, request: NeighborhoodRequest): Promise<Neighborhood> {
    const id = serviceId(request.id);
    const depth = wholeNumberIn('depth', request.depth ?? 1, 1, 5);
    const direction = request.direction ?? 'both';
    if (!DIRECTIONS.includes(direction)) throw new InvalidParameterError('direction', `direction must be one of ${DIRECTIONS.join(', ')}`);
    const window = requestWindow(request.from, request.to, this.nowMs());
    const result = await translated(() => this.queries.readNeighborhood(tenant, { window, service: id, depth, direction }));
    if (result === null) throw new NotFoundError(`no service ${JSON.stringify(id)}`);
    return {
      window: { ...toWindow(result.window), resolution: result.resolution },
      center: result.center,
      nodes: result.nodes.map((n) => ({ ...toService(n), hops: n.hops })),
      edges: result.edges.map(toEdge),
    };
  }
}
