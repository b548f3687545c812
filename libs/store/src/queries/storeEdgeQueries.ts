/**
 * EdgeQueries over a ClickHouse executor: each query lives in its own module; this class only
 * binds them to one executor.
 */
import type { ClickHouseExecutor } from '../clickhouseExecutor.js';
import { readEdgeBreakdown } from './edgeBreakdown.js';
import { readChanges } from './edgeChanges.js';
import { readEdgeRoutes } from './edgeRoutes.js';
import { readEdgeSeries } from './edgeSeries.js';
import { readMap } from './mapQuery.js';
import { readNeighborhood } from './neighborhood.js';
import type {
  BreakdownQuery,
  BreakdownResult,
  ChangesQuery,
  ChangesResult,
  EdgeQueries,
  MapQuery,
  MapResult,
  NeighborhoodQuery,
  NeighborhoodResult,
  QueryWindow,
  RoutesQuery,
  RoutesResult,
  SeriesQuery,
  SeriesResult,
  ServicePage,
  ServiceSearch,
  ServiceView,
  TenantId,
} from './queryTypes.js';
import { searchServices } from './serviceSearch.js';
import { readService } from './serviceView.js';

export class StoreEdgeQueries implements EdgeQueries {
  constructor(private readonly executor: ClickHouseExecutor) {}

  readMap(tenant: TenantId, query: MapQuery): Promise<MapResult> {
    return readMap(this.executor, tenant, query);
  }

  searchServices(tenant: TenantId, search: ServiceSearch): Promise<ServicePage> {
    return searchServices(this.executor, tenant, search);
  }

  readService(tenant: TenantId, service: string, window: QueryWindow): Promise<ServiceView | null> {
    return readService(this.executor, tenant, service, window);
  }

  readNeighborhood(tenant: TenantId, query: NeighborhoodQuery): Promise<NeighborhoodResult | null> {
    return readNeighborhood(this.executor, tenant, query);
  }

  readEdgeSeries(tenant: TenantId, query: SeriesQuery): Promise<SeriesResult> {
    return readEdgeSeries(this.executor, tenant, query);
  }

  readEdgeBreakdown(tenant: TenantId, query: BreakdownQuery): Promise<BreakdownResult> {
    return readEdgeBreakdown(this.executor, tenant, query);
  }

  readEdgeRoutes(tenant: TenantId, query: RoutesQuery): Promise<RoutesResult> {
    return readEdgeRoutes(this.executor, tenant, query);
  }

  readChanges(tenant: TenantId, query: ChangesQuery): Promise<ChangesResult> {
    return readChanges(this.executor, tenant, query);
  }
}
