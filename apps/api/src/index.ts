export { startApiServer, ApiListenError, type ApiServer, type ApiServerOptions } from './apiServer.js';
export type { ServiceMapReader, ServiceMapRead, ServiceRecord, EdgeAggregate } from './map/serviceMapReader.js';
export { StoreServiceMapReader } from './map/storeServiceMapReader.js';
export { parseWindow, parseTime, TimeParameterError, type TimeWindow } from './time/timeWindow.js';
export { evaluateHealth, storeHealthCheck, HEALTH_CHECK_TIMEOUT_MS, type HealthBody, type HealthCheck, type HealthCheckResult } from '@weft/runtime';
