import type { EdgeQueries, MapGrouping, MapQuery, TenantId } from '@weft/store';
import { translated } from '../errors/libraryErrors.js';
import { InvalidParameterError } from '../errors/serviceErrors.js';
import { isoTime, toEdge, toService } from '../shared/edgeMapping.js';
import { requestWindow } from '../shared/requestWindow.js';
import { TEXT_LIMITS, checkedText } from '../shared/textLimits.js';
import type { MapResponse } from './mapDto.js';

/** A map request as any transport hands it over: the REST query's names, numbers already read. */
export interface MapRequest {
  from?: string;
  to?: string;
  namespace?: string;
  service?: string;
  min_rate?: number;
  group_by?: MapGrouping;
}

const GROUPINGS: readonly MapGrouping[] = ['service', 'namespace', 'zone'];

/** The service map of a window, for one tenant. */
export class MapService {
  constructor(
    private readonly queries: EdgeQueries,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async readMap(tenant: TenantId, request: MapRequest): Promise<MapResponse> {
    const window = requestWindow(request.from, request.to, this.nowMs());
    const query: MapQuery = { window };
    if (checkedText('namespace', request.namespace, TEXT_LIMITS.namespace)) query.namespace = request.namespace;
    if (checkedText('service', request.service, TEXT_LIMITS.service)) query.service = request.service;
    if (request.min_rate !== undefined) {
      if (!Number.isFinite(request.min_rate) || request.min_rate < 0) throw new InvalidParameterError('min_rate', 'min_rate must be a non-negative number');
      query.minRate = request.min_rate;
    }
    if (request.group_by !== undefined) {
      if (!GROUPINGS.includes(request.group_by)) throw new InvalidParameterError('group_by', `group_by must be one of ${GROUPINGS.join(', ')}`);
      query.groupBy = request.group_by;
    }
    const map = await translated(() => this.queries.readMap(tenant, query));
    return {
      window: { from: isoTime(map.window.from), to: isoTime(map.window.to), resolution: map.resolution },
      nodes: map.nodes.map((n) => ({ ...toService(n), members: n.members })),
      edges: map.edges.map(toEdge),
    };
  }
}
