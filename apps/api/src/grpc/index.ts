/** The gRPC API (weft.api.v1), as @weft/api exports it. */
export { apiGrpcFeatures, startApiGrpcServer, ApiGrpcListenError, type ApiGrpcServer, type ApiGrpcServerOptions, type ApiGrpcTls } from './apiGrpcServer.js';
export { createApiGrpcMetrics, type ApiGrpcMetrics } from './apiGrpcMetrics.js';
