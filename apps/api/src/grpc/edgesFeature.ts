/** weft.api.v1.EdgesService over the REST API's EdgesService. */
import type { EdgeRequest, EdgesService as EdgeOperations } from '../edges/edgesService.js';
import { EdgesService } from './gen/weft/api/v1/edges_service_pb.js';
import { grpcFeature } from './grpcFeature.js';
import { dimension, dimensionToProto, requestProtocolToProto } from './protoEnums.js';
import { given, toProtoRequestStats, toProtoStats, toProtoWindow, uint64 } from './protoShapes.js';

/** The edge and window every EdgesService request names (source, target, port, from, to). */
function edgeRequest(request: { source: string; target: string; port?: number; from: string; to: string }): EdgeRequest {
  return {
    source: request.source,
    target: request.target,
    from: given(request.from),
    to: given(request.to),
    ...(request.port !== undefined ? { port: request.port } : {}),
  };
}

export function edgesFeature(edges: Pick<EdgeOperations, 'series' | 'breakdown' | 'routes'>) {
  return grpcFeature({
    service: EdgesService,
    scope: 'read',
    fieldNames: { step: 'step_seconds' },
    handlers: {
      async getEdgeSeries(request, caller) {
        const series = await edges.series(caller.tenantId, { ...edgeRequest(request), ...(request.stepSeconds !== 0 ? { step: request.stepSeconds } : {}) });
        return {
          window: toProtoWindow(series.window),
          stepSeconds: series.step,
          points: series.points.map((p) => ({ ts: p.ts, stats: toProtoStats(p) })),
        };
      },
      async getEdgeBreakdown(request, caller) {
        const breakdown = await edges.breakdown(caller.tenantId, { ...edgeRequest(request), by: dimension(request.by) });
        return {
          window: toProtoWindow(breakdown.window),
          by: dimensionToProto(breakdown.by),
          groups: breakdown.groups.map((g) => ({ value: g.value, errorShare: g.error_share, stats: toProtoStats(g) })),
        };
      },
      async getEdgeRoutes(request, caller) {
        const answer = await edges.routes(caller.tenantId, { ...edgeRequest(request), ...(request.limit !== 0 ? { limit: request.limit } : {}) });
        const { others } = answer;
        return {
          window: toProtoWindow(answer.window),
          routes: answer.routes.map((r) => ({ protocol: requestProtocolToProto(r.protocol), method: r.method, route: r.route, ...toProtoRequestStats(r) })),
          others: {
            routes: uint64('others.routes', others.routes),
            requests: uint64('others.requests', others.requests),
            requestErrors: uint64('others.request_errors', others.request_errors),
            requestClientErrors: uint64('others.request_client_errors', others.request_client_errors),
          },
        };
      },
    },
  });
}
