import { RequestProtocol } from './gen/weft/telemetry/v1/telemetry_pb.js';

/** The L7 protocol of a request sample: gRPC is HTTP/2 whose request's content type is application/grpc. */
export type RequestSampleProtocol = 'http1' | 'http2' | 'grpc' | 'dns';

/** A request sample's protocol on the wire. */
export const WIRE_PROTOCOL: Readonly<Record<RequestSampleProtocol, RequestProtocol>> = {
  http1: RequestProtocol.HTTP1,
  http2: RequestProtocol.HTTP2,
  grpc: RequestProtocol.GRPC,
  dns: RequestProtocol.DNS,
};

const FROM_WIRE: ReadonlyMap<number, RequestSampleProtocol> = new Map(
  Object.entries(WIRE_PROTOCOL).map(([name, wire]) => [wire, name as RequestSampleProtocol]),
);

/** The sample protocol of a wire value, or null for one this version does not know (UNSPECIFIED included). */
export function protocolFromWire(wire: number): RequestSampleProtocol | null {
  return FROM_WIRE.get(wire) ?? null;
}
