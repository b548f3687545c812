/** weft.api.v1.ChangesService over the REST API's ChangesService. */
import type { ChangesService as ChangeOperations } from '../changes/changesService.js';
import { ChangesService } from './gen/weft/api/v1/changes_service_pb.js';
import { grpcFeature } from './grpcFeature.js';
import { changeKindToProto, worseReasonToProto } from './protoEnums.js';
import { given, toProtoService, toProtoStats, toProtoWindow } from './protoShapes.js';

export function changesFeature(changes: Pick<ChangeOperations, 'changes'>) {
  return grpcFeature({
    service: ChangesService,
    scope: 'read',
    handlers: {
      async getChanges(request, caller) {
        const answer = await changes.changes(caller.tenantId, {
          from: given(request.from),
          to: given(request.to),
          baseline_from: given(request.baselineFrom),
          baseline_to: given(request.baselineTo),
        });
        return {
          window: toProtoWindow(answer.window),
          baseline: toProtoWindow(answer.baseline),
          changes: answer.changes.map((c) => ({
            kind: changeKindToProto(c.kind),
            source: c.source,
            target: c.target,
            port: c.port,
            ...(c.baseline !== null ? { baseline: toProtoStats(c.baseline) } : {}),
            ...(c.current !== null ? { current: toProtoStats(c.current) } : {}),
            reasons: c.reasons.map(worseReasonToProto),
          })),
          services: answer.services.map(toProtoService),
        };
      },
    },
  });
}
