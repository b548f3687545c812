/** weft.api.v1.EdgesService over the REST API's EdgesService. */
import type { EdgesService as EdgeOperations } from '../edges/edgesService.js';
import { EdgesService } from './gen/weft/api/v1/edges_service_pb.js';
import { grpcFeature } from './grpcFeature.js';
import { dimension, dimensionToProto } from './protoEnums.js';
import { given, toProtoStats, toProtoWindow } from './protoShapes.js';

export function edgesFeature(edges: Pick<EdgeOperations, 'series' | 'breakdown'>) {
  return grpcFeature({
    service: EdgesService,
    scope: 'read',
    fieldNames: { step: 'step_seconds' },
    handlers: {
      async getEdgeSeries(request, caller) {
        const series = await edges.series(caller.tenantId, {
          source: request.source,
          target: request.target,
          from: given(request.from),
          to: given(request.to),
          ...(request.port !== undefined ? { port: request.port } : {}),
          ...(request.stepSeconds !== 0 ? { step: request.stepSeconds } : {}),
        });
        return {
          window: toProtoWindow(series.window),
          stepSeconds: series.step,
          points: series.points.map((p) => ({ ts: p.ts, stats: toProtoStats(p) })),
        };
      },
      async getEdgeBreakdown(request, caller) {
        const breakdown = await edges.breakdown(caller.tenantId, {
          source: request.source,
          target: request.target,
          by: dimension(request.by),
          from: given(request.from),
          to: given(request.to),
          ...(request.port !== undefined ? { port: request.port } : {}),
        });
        return {
          window: toProtoWindow(breakdown.window),
          by: dimensionToProto(breakdown.by),
          groups: breakdown.groups.map((g) => ({ value: g.value, errorShare: g.error_share, stats: toProtoStats(g) })),
        };
      },
    },
  });
}
