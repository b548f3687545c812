/**
 * The gRPC API's metrics. Made apart from the server so a caller can hand their registry to
 * startApiServer (extraRegistries) before the gRPC server starts: prom-client merges
 * registries by copying the metrics they hold at that moment.
 */
import { Counter, Histogram, Registry } from 'prom-client';

export interface ApiGrpcMetrics {
  registry: Registry;
  calls: Counter<'method' | 'code'>;
  latency: Histogram<'method'>;
}

export function createApiGrpcMetrics(registry: Registry = new Registry()): ApiGrpcMetrics {
  return {
    registry,
    calls: new Counter({ name: 'weft_api_grpc_requests_total', help: 'gRPC API calls by method and status code', labelNames: ['method', 'code'] as const, registers: [registry] }),
    latency: new Histogram({ name: 'weft_api_grpc_request_seconds', help: 'gRPC API call latency by method', labelNames: ['method'] as const, registers: [registry], buckets: [0.005, 0.01, 0.05, 0.1, 0.3, 1, 3] }),
  };
}
