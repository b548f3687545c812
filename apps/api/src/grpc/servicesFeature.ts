/** weft.api.v1.ServicesService over the REST API's ServicesService. */
import type { ServicesService as ServiceOperations } from '../services/servicesService.js';
import { ServicesService } from './gen/weft/api/v1/services_service_pb.js';
import { grpcFeature } from './grpcFeature.js';
import { direction } from './protoEnums.js';
import { given, toProtoEdge, toProtoService, toProtoWindow } from './protoShapes.js';

export function servicesFeature(services: Pick<ServiceOperations, 'search' | 'view' | 'neighborhood'>) {
  return grpcFeature({
    service: ServicesService,
    scope: 'read',
    handlers: {
      async searchServices(request, caller) {
        const page = await services.search(caller.tenantId, {
          q: given(request.q),
          cursor: given(request.cursor),
          ...(request.limit !== 0 ? { limit: request.limit } : {}),
        });
        return { services: page.services.map(toProtoService), nextCursor: page.next_cursor ?? '' };
      },
      async getService(request, caller) {
        const view = await services.view(caller.tenantId, { id: request.id, from: given(request.from), to: given(request.to) });
        const s = view.service;
        return {
          window: toProtoWindow(view.window),
          service: {
            ...toProtoService(s),
            zones: s.zones,
            nodes: s.nodes,
            versions: s.versions,
            instances: s.instances,
            firstSeen: s.first_seen,
            lastSeen: s.last_seen,
          },
          inbound: view.inbound.map(toProtoEdge),
          outbound: view.outbound.map(toProtoEdge),
        };
      },
      async getNeighborhood(request, caller) {
        const towards = direction(request.direction);
        const result = await services.neighborhood(caller.tenantId, {
          id: request.id,
          from: given(request.from),
          to: given(request.to),
          ...(request.depth !== 0 ? { depth: request.depth } : {}),
          ...(towards !== undefined ? { direction: towards } : {}),
        });
        return {
          window: toProtoWindow(result.window),
          resolutionSeconds: result.window.resolution,
          center: result.center,
          nodes: result.nodes.map((n) => ({ ...toProtoService(n), hops: n.hops })),
          edges: result.edges.map(toProtoEdge),
        };
      },
    },
  });
}
