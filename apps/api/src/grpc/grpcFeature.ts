/** One weft.api.v1 service as the gRPC server serves it: its descriptor, the scope it needs, a handler per method. */
import type { MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import type { Caller, Scope } from '../auth/apiControl.js';

export type UnaryHandlers<Methods extends GenServiceMethods> = {
  [Name in keyof Methods]: (request: MessageShape<Methods[Name]['input']>, caller: Caller) => Promise<MessageInitShape<Methods[Name]['output']>>;
};

export interface GrpcFeature<Methods extends GenServiceMethods = GenServiceMethods> {
  service: GenService<Methods>;
  /** What every method of the service needs, as the REST routes of the same feature. */
  scope: Scope;
  handlers: UnaryHandlers<Methods>;
  /** The services' parameter names (REST's) that the proto names otherwise (step -> step_seconds). */
  fieldNames?: Readonly<Record<string, string>>;
}

/** Keeps the method types of each feature while the server holds them in one list. */
export function grpcFeature<Methods extends GenServiceMethods>(feature: GrpcFeature<Methods>): GrpcFeature {
  return feature as unknown as GrpcFeature;
}
