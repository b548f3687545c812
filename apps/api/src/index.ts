export { startApiServer, ApiListenError, API_CONTROLLERS, type ApiServer, type ApiServerOptions } from './apiServer.js';
export { isWebRoot, webPageHeaders, WebRootError } from './web/webApp.js';
export { LOGIN_KEY_TTL_MS } from './session/sessionService.js';
export { createApiServices, type ApiServices, type ApiServicesOptions } from './apiServices.js';
export { parseWindow, parseTime, TimeParameterError, type TimeWindow } from './time/timeWindow.js';
export { evaluateHealth, storeHealthCheck, HEALTH_CHECK_TIMEOUT_MS, type HealthBody, type HealthCheck, type HealthCheckResult } from '@weft/runtime';

// The operations, for the REST controllers and the gRPC server alike; their requests use the REST parameters' names.
export { MapService, type MapRequest } from './map/mapService.js';
export type { MapNode, MapResponse } from './map/mapDto.js';
export { ServicesService, DEFAULT_SEARCH_LIMIT, type ServiceSearchRequest, type ServiceViewRequest, type NeighborhoodRequest } from './services/servicesService.js';
export type { ServicePage, ServiceView, ServiceDetail, Neighborhood, NeighborhoodNode } from './services/servicesDto.js';
export { EdgesService, type EdgeRequest, type SeriesRequest, type BreakdownRequest, type RoutesRequest } from './edges/edgesService.js';
export { defaultStep, seriesStep, DEFAULT_STEPS, MAX_POINTS, MAX_STEP_SECONDS, TARGET_POINTS } from './edges/seriesStep.js';
export { BREAKDOWN_DIMENSIONS } from './edges/breakdownDimensions.js';
export type { Series, SeriesPoint, Breakdown, BreakdownGroup, Routes, EdgeRoute } from './edges/edgesDto.js';
export { DEFAULT_ROUTES_LIMIT, MAX_ROUTES_LIMIT } from './edges/routesLimit.js';
export { ChangesService, baselineWindow, type ChangesRequest } from './changes/changesService.js';
export type { Changes, EdgeChange } from './changes/changesDto.js';
export { KeysService, type CreateKeyRequest, type RevocationListener } from './admin/keysService.js';
export { TenantsService, type CreateTenantRequest } from './admin/tenantsService.js';
export type { Key, CreatedKey, KeyList, TenantView, CreatedTenant, TenantList } from './admin/adminDto.js';
export type { Edge, EdgeStats, Service, Window } from './shared/edgeDto.js';

// Keys and callers.
export type { ApiControl, ApiKeyAuthenticator, TenantAdministration, Caller, Scope } from './auth/apiControl.js';
export { AuthenticationCache, type AuthenticationCacheOptions } from './auth/authenticationCache.js';
export { CallerAuthorization, AUTH_FAILURE_REASONS, AUTH_FAILURE_STATUS, type AuthFailureReason, type AuthTransport, type Authorization } from './auth/callerAuthorization.js';

// What the services throw, whatever the transport.
export { InvalidParameterError, NotFoundError, PermissionDeniedError, ConflictError, UnavailableError, isServiceError, type ServiceError } from './errors/serviceErrors.js';
export { asServiceError } from './errors/libraryErrors.js';
export * from './grpc/index.js';
