/** weft.api.v1.MapService over the REST API's MapService. */
import type { MapService as MapOperations } from '../map/mapService.js';
import { MapService } from './gen/weft/api/v1/map_service_pb.js';
import { grpcFeature } from './grpcFeature.js';
import { grouping } from './protoEnums.js';
import { given, toProtoEdge, toProtoService, toProtoWindow } from './protoShapes.js';

export function mapFeature(map: Pick<MapOperations, 'readMap'>) {
  return grpcFeature({
    service: MapService,
    scope: 'read',
    handlers: {
      async getMap(request, caller) {
        const groupBy = grouping(request.groupBy);
        const answer = await map.readMap(caller.tenantId, {
          from: given(request.from),
          to: given(request.to),
          namespace: given(request.namespace),
          service: given(request.service),
          ...(request.minRate !== undefined ? { min_rate: request.minRate } : {}),
          ...(groupBy !== undefined ? { group_by: groupBy } : {}),
        });
        return {
          window: toProtoWindow(answer.window),
          resolutionSeconds: answer.window.resolution,
          nodes: answer.nodes.map((n) => ({ ...toProtoService(n), members: n.members })),
          edges: answer.edges.map(toProtoEdge),
        };
      },
    },
  });
}
