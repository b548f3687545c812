import type { BreakdownDimension, EdgeQueries, EdgeSelector, TenantId } from '@weft/store';
import { translated } from '../errors/libraryErrors.js';
import { InvalidParameterError } from '../errors/serviceErrors.js';
import { isoTime, toEdgeStats, toRequestStats, toWindow } from '../shared/edgeMapping.js';
import { requestWindow } from '../shared/requestWindow.js';
import { TEXT_LIMITS, checkedText } from '../shared/textLimits.js';
import { wholeNumberIn } from '../shared/wholeNumber.js';
import { BREAKDOWN_DIMENSIONS } from './breakdownDimensions.js';
import type { Breakdown, Routes, Series } from './edgesDto.js';
import { DEFAULT_ROUTES_LIMIT, MAX_ROUTES_LIMIT } from './routesLimit.js';
import { seriesStep } from './seriesStep.js';

export interface EdgeRequest {
  source: string;
  target: string;
  port?: number;
  from?: string;
  to?: string;
}

export interface SeriesRequest extends EdgeRequest {
  /** Seconds per point; default: see seriesStep.ts. */
  step?: number;
}

export interface BreakdownRequest extends EdgeRequest {
  by: BreakdownDimension;
}

export interface RoutesRequest extends EdgeRequest {
  /** 1..1000, default 20. */
  limit?: number;
}

function selector(request: EdgeRequest): EdgeSelector {
  for (const parameter of ['source', 'target'] as const) {
    if (typeof request[parameter] !== 'string' || request[parameter] === '') throw new InvalidParameterError(parameter, `${parameter} is required`);
    checkedText(parameter, request[parameter], TEXT_LIMITS.serviceId);
  }
  const edge: EdgeSelector = { source: request.source, target: request.target };
  if (request.port !== undefined) edge.port = wholeNumberIn('port', request.port, 0, 65_535);
  return edge;
}

/** One edge of one tenant over time, split by a failure domain, and by route. */
export class EdgesService {
  constructor(
    private readonly queries: EdgeQueries,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async series(tenant: TenantId, request: SeriesRequest): Promise<Series> {
    const edge = selector(request);
    const { step, window } = seriesStep(requestWindow(request.from, request.to, this.nowMs()), request.step);
    const series = await translated(() => this.queries.readEdgeSeries(tenant, { ...edge, window, step }));
    return {
      window: toWindow(series.window),
      step: series.step,
      points: series.points.map((p) => ({ ts: isoTime(p.ts), ...toEdgeStats(p) })),
    };
  }

  async breakdown(tenant: TenantId, request: BreakdownRequest): Promise<Breakdown> {
    const edge = selector(request);
    if (!(BREAKDOWN_DIMENSIONS as readonly string[]).includes(request.by)) throw new InvalidParameterError('by', `by must be one of ${BREAKDOWN_DIMENSIONS.join(', ')}`);
    const window = requestWindow(request.from, request.to, this.nowMs());
    const breakdown = await translated(() => this.queries.readEdgeBreakdown(tenant, { ...edge, window, by: request.by }));
    return {
      window: toWindow(breakdown.window),
      by: breakdown.by,
      groups: breakdown.groups.map((g) => ({ value: g.value, error_share: g.error_share, ...toEdgeStats(g) })),
    };
  }

  async routes(tenant: TenantId, request: RoutesRequest): Promise<Routes> {
    const edge = selector(request);
    const limit = wholeNumberIn('limit', request.limit ?? DEFAULT_ROUTES_LIMIT, 1, MAX_ROUTES_LIMIT);
    const window = requestWindow(request.from, request.to, this.nowMs());
    const answer = await translated(() => this.queries.readEdgeRoutes(tenant, { ...edge, window, limit }));
    const { others } = answer;
    return {
      window: toWindow(answer.window),
      routes: answer.routes.map((r) => ({ protocol: r.protocol, method: r.method, route: r.route, ...toRequestStats(r) })),
      others: { routes: others.routes, requests: others.requests, request_errors: others.request_errors, request_client_errors: others.request_client_errors },
    };
  }
}
