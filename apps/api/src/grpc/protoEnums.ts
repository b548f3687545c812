/**
 * The request enums as the services' strings. Zero (UNSPECIFIED) is "not given", so the
 * service's default applies; a number the proto does not define is the caller's mistake.
 */
import type { BreakdownDimension, Direction, RequestProtocolName, MapGrouping as StoreMapGrouping } from '@weft/store';
import type { Scope as ControlScope } from '../auth/apiControl.js';
import type { EdgeProtocol } from '../shared/requestProtocols.js';
import { Scope } from './gen/weft/api/v1/admin_service_pb.js';
import { BreakdownDimension as ProtoDimension } from './gen/weft/api/v1/edges_service_pb.js';
import { EdgeProtocol as ProtoEdgeProtocol, RequestProtocol as ProtoRequestProtocol } from './gen/weft/api/v1/types_pb.js';
import { MapGrouping } from './gen/weft/api/v1/map_service_pb.js';
import { Direction as ProtoDirection } from './gen/weft/api/v1/services_service_pb.js';
import { ChangeKind, WorseReason } from './gen/weft/api/v1/changes_service_pb.js';
import { invalidField } from './grpcStatusError.js';

function fromProto<T>(field: string, names: ReadonlyMap<number, T>, value: number): T | undefined {
  if (value === 0) return undefined;
  const name = names.get(value);
  if (name === undefined) throw invalidField(field, `${field}: ${value} is not one of its values`);
  return name;
}

function toProto<T>(field: string, numbers: ReadonlyMap<T, number>, value: T): number {
  const number = numbers.get(value);
  // A value the service answers that the proto lacks is a gap in this file, not the caller's.
  if (number === undefined) throw new Error(`${field}: ${String(value)} has no weft.api.v1 value`);
  return number;
}

const inverse = <T>(names: ReadonlyMap<number, T>): ReadonlyMap<T, number> => new Map([...names].map(([n, name]) => [name, n]));

const GROUPINGS = new Map<number, StoreMapGrouping>([
  [MapGrouping.SERVICE, 'service'],
  [MapGrouping.NAMESPACE, 'namespace'],
  [MapGrouping.ZONE, 'zone'],
]);
export const grouping = (value: MapGrouping): StoreMapGrouping | undefined => fromProto('group_by', GROUPINGS, value);

const DIRECTIONS = new Map<number, Direction>([
  [ProtoDirection.IN, 'in'],
  [ProtoDirection.OUT, 'out'],
  [ProtoDirection.BOTH, 'both'],
]);
export const direction = (value: ProtoDirection): Direction | undefined => fromProto('direction', DIRECTIONS, value);

const DIMENSIONS = new Map<number, BreakdownDimension>([
  [ProtoDimension.CLIENT_VERSION, 'client_version'],
  [ProtoDimension.SERVER_VERSION, 'server_version'],
  [ProtoDimension.CLIENT_INSTANCE, 'client_instance'],
  [ProtoDimension.SERVER_INSTANCE, 'server_instance'],
  [ProtoDimension.CLIENT_ZONE, 'client_zone'],
  [ProtoDimension.SERVER_ZONE, 'server_zone'],
  [ProtoDimension.CLIENT_NODE, 'client_node'],
  [ProtoDimension.SERVER_NODE, 'server_node'],
  [ProtoDimension.CLIENT_PROCESS, 'client_process'],
  [ProtoDimension.SERVER_PROCESS, 'server_process'],
  [ProtoDimension.SERVER_PORT, 'server_port'],
]);
const DIMENSION_NUMBERS = inverse(DIMENSIONS);
/** `by` is required: UNSPECIFIED is refused here, naming the field. */
export function dimension(value: ProtoDimension): BreakdownDimension {
  const by = fromProto('by', DIMENSIONS, value);
  if (by === undefined) throw invalidField('by', 'by is required (BREAKDOWN_DIMENSION_SERVER_VERSION, ...)');
  return by;
}
export const dimensionToProto = (by: BreakdownDimension): ProtoDimension => toProto('by', DIMENSION_NUMBERS, by);

const CHANGE_KINDS = inverse(
  new Map<number, 'appeared' | 'vanished' | 'worse'>([
    [ChangeKind.APPEARED, 'appeared'],
    [ChangeKind.VANISHED, 'vanished'],
    [ChangeKind.WORSE, 'worse'],
  ]),
);
export const changeKindToProto = (kind: 'appeared' | 'vanished' | 'worse'): ChangeKind => toProto('kind', CHANGE_KINDS, kind);

const WORSE_REASONS = inverse(
  new Map<number, 'failure_rate' | 'retransmit_rate' | 'rtt_p99'>([
    [WorseReason.FAILURE_RATE, 'failure_rate'],
    [WorseReason.RETRANSMIT_RATE, 'retransmit_rate'],
    [WorseReason.RTT_P99, 'rtt_p99'],
  ]),
);
export const worseReasonToProto = (reason: 'failure_rate' | 'retransmit_rate' | 'rtt_p99'): WorseReason => toProto('reasons', WORSE_REASONS, reason);

const REQUEST_PROTOCOLS = new Map<RequestProtocolName, ProtoRequestProtocol>([
  ['http1', ProtoRequestProtocol.HTTP1],
  ['http2', ProtoRequestProtocol.HTTP2],
  ['grpc', ProtoRequestProtocol.GRPC],
  ['dns', ProtoRequestProtocol.DNS],
]);
export const requestProtocolToProto = (protocol: RequestProtocolName): ProtoRequestProtocol => toProto('protocol', REQUEST_PROTOCOLS, protocol);

const EDGE_PROTOCOLS = new Map<EdgeProtocol, ProtoEdgeProtocol>([
  ['http1', ProtoEdgeProtocol.HTTP1],
  ['http2', ProtoEdgeProtocol.HTTP2],
  ['grpc', ProtoEdgeProtocol.GRPC],
  ['dns', ProtoEdgeProtocol.DNS],
  ['mixed', ProtoEdgeProtocol.MIXED],
]);
/** null (no requests) is UNSPECIFIED. */
export const edgeProtocolToProto = (protocol: EdgeProtocol | null): ProtoEdgeProtocol => (protocol === null ? ProtoEdgeProtocol.UNSPECIFIED : toProto('protocol', EDGE_PROTOCOLS, protocol));

const SCOPES = new Map<number, ControlScope>([
  [Scope.READ, 'read'],
  [Scope.WRITE, 'write'],
  [Scope.INGEST, 'ingest'],
  [Scope.ADMIN, 'admin'],
]);
const SCOPE_NUMBERS = inverse(SCOPES);
/** Every scope of a request; UNSPECIFIED among them is refused. */
export function scopes(values: readonly Scope[]): ControlScope[] {
  return values.map((value) => {
    const scope = fromProto('scopes', SCOPES, value);
    if (scope === undefined) throw invalidField('scopes', 'scopes: SCOPE_UNSPECIFIED is not a scope');
    return scope;
  });
}
export const scopeToProto = (scope: ControlScope): Scope => toProto('scopes', SCOPE_NUMBERS, scope);
