import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { create, fromBinary } from '@bufbuild/protobuf';
import { ApiKeyNotFoundError, ControlInputError, ControlStoreError, TenantNameTakenError } from '@weft/control';
import { QueryInputError } from '@weft/store';
import { InvalidParameterError, NotFoundError, PermissionDeniedError } from '../errors/serviceErrors.js';
import { GetEdgeSeriesRequestSchema, EdgesService } from './gen/weft/api/v1/edges_service_pb.js';
import { MapGrouping } from './gen/weft/api/v1/map_service_pb.js';
import { EdgeProtocol, RequestProtocol } from './gen/weft/api/v1/types_pb.js';
import { grpcServiceDefinition } from './grpcServiceDefinition.js';
import { statusOf } from './grpcStatusError.js';
import { dimension, grouping, scopes } from './protoEnums.js';
import { toProtoStats, uint64 } from './protoShapes.js';
import type { EdgeStats } from '../shared/edgeDto.js';

describe('gRPC status of what the services throw', () => {
  it('a parameter is INVALID_ARGUMENT naming the proto field, in the message and the weft-parameter trailer', () => {
    const step = statusOf(new InvalidParameterError('step', 'step must be a whole number of seconds'), { step: 'step_seconds' });
    assert.equal(step.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(step.details, 'step_seconds: step must be a whole number of seconds');
    assert.deepEqual(step.trailers, { 'weft-parameter': 'step_seconds' });
    assert.equal(step.internal, false);
    const from = statusOf(new QueryInputError('from', 'from: cannot read "x"'));
    assert.equal(from.details, 'from: cannot read "x"');
    assert.equal(statusOf(new ControlInputError('a name is needed', 'name')).details, 'name: a name is needed');
  });

  it('maps the rest, and tells nothing of an unknown error but that it was logged', () => {
    assert.equal(statusOf(new NotFoundError('no service "x"')).code, grpc.status.NOT_FOUND);
    assert.equal(statusOf(new ApiKeyNotFoundError('t', 'k')).code, grpc.status.NOT_FOUND);
    assert.equal(statusOf(new PermissionDeniedError('operator only')).code, grpc.status.PERMISSION_DENIED);
    assert.equal(statusOf(new TenantNameTakenError('acme')).code, grpc.status.ALREADY_EXISTS);
    const down = statusOf(new ControlStoreError('database is locked'));
    assert.deepEqual([down.code, down.internal], [grpc.status.UNAVAILABLE, true]);
    const bug = statusOf(new TypeError("Cannot read properties of undefined (reading 'x') at /srv/secret/path.js"));
    assert.deepEqual([bug.code, bug.internal], [grpc.status.INTERNAL, true]);
    assert.doesNotMatch(bug.details, /secret|undefined/);
  });
});

describe('request enums', () => {
  it('zero is "not given"; a value the proto lacks is INVALID_ARGUMENT naming the field', () => {
    assert.equal(grouping(MapGrouping.UNSPECIFIED), undefined);
    assert.equal(grouping(MapGrouping.ZONE), 'zone');
    assert.throws(() => grouping(42 as MapGrouping), (e: Error & { code?: number }) => e.code === grpc.status.INVALID_ARGUMENT && e.message.startsWith('group_by'));
    // by is required, scopes have no "unspecified" member.
    assert.throws(() => dimension(0), (e: Error) => e.message.startsWith('by'));
    assert.throws(() => scopes([0]), (e: Error) => e.message.startsWith('scopes'));
  });
});

describe('answers', () => {
  it('counts are uint64 and absent quantiles absent; a count that is not one is a bug, not rounded', () => {
    const stats: EdgeStats = { connections_opened: 3, connections_closed: 2, connections_failed: 1, connection_seconds: 9, connections_active: 0.15, bytes_sent: 2 ** 40, bytes_received: 7, retransmits: 0, resets: 0, rtt_p50_us: 250, rtt_p95_us: null, rtt_p99_us: null, requests: 0, request_errors: 0, request_client_errors: 0, protocols: [], protocol: null, request_latency_p50_ms: null, request_latency_p95_ms: null, request_latency_p99_ms: null };
    const proto = toProtoStats(stats);
    assert.equal(proto.bytesSent, 2n ** 40n);
    assert.equal(proto.rttP50Us, 250);
    assert.equal(proto.rttP95Us, undefined);
    assert.equal(proto.requestLatencyP50Ms, undefined);
    assert.equal(proto.protocol, EdgeProtocol.UNSPECIFIED, 'no requests: no protocol');
    assert.deepEqual(proto.protocols, []);
    assert.throws(() => uint64('bytes_sent', 1.5), /bytes_sent is 1.5/);
    assert.throws(() => uint64('bytes_sent', -1), /not a count/);
  });

  it('request protocols are the enums, an edge of several is MIXED; latency stays in milliseconds', () => {
    const base = { connections_opened: 1, connections_closed: 1, connections_failed: 0, connection_seconds: 1, connections_active: 1, bytes_sent: 1, bytes_received: 1, retransmits: 0, resets: 0, rtt_p50_us: null, rtt_p95_us: null, rtt_p99_us: null };
    const requests = { requests: 30, request_errors: 6, request_client_errors: 4, request_latency_p50_ms: 21.204, request_latency_p95_ms: 22.5, request_latency_p99_ms: 23 };
    const mixed = toProtoStats({ ...base, ...requests, protocols: ['http1', 'grpc'], protocol: 'mixed' });
    assert.deepEqual(mixed.protocols, [RequestProtocol.HTTP1, RequestProtocol.GRPC]);
    assert.equal(mixed.protocol, EdgeProtocol.MIXED);
    assert.deepEqual([mixed.requests, mixed.requestErrors, mixed.requestClientErrors], [30n, 6n, 4n]);
    assert.deepEqual([mixed.requestLatencyP50Ms, mixed.requestLatencyP95Ms, mixed.requestLatencyP99Ms], [21.204, 22.5, 23]);
    assert.equal(toProtoStats({ ...base, ...requests, protocols: ['http2'], protocol: 'http2' }).protocol, EdgeProtocol.HTTP2);
  });

  it('the grpc-js definition carries the protobuf-es messages both ways', () => {
    const definition = grpcServiceDefinition(EdgesService);
    const method = definition['getEdgeSeries'];
    assert.ok(method);
    assert.equal(method.path, '/weft.api.v1.EdgesService/GetEdgeSeries');
    const request = create(GetEdgeSeriesRequestSchema, { source: 'host:a', target: 'host:b', port: 0, stepSeconds: 60 });
    const bytes = method.requestSerialize(request);
    const back = fromBinary(GetEdgeSeriesRequestSchema, bytes);
    assert.deepEqual([back.source, back.target, back.port, back.stepSeconds], ['host:a', 'host:b', 0, 60]);
    // proto3 optional: port 0 given is told apart from no port.
    const noPort = fromBinary(GetEdgeSeriesRequestSchema, method.requestSerialize(create(GetEdgeSeriesRequestSchema, { source: 'host:a' })));
    assert.equal(noPort.port, undefined);
  });
});
