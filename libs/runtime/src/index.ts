export { ConfigError } from './configError.js';
export { parseListenAddress, type ListenAddress } from './listenAddress.js';
export { startMetricsServer, type MetricsRegistry } from './metricsServer.js';
export { evaluateHealth, storeHealthCheck, HEALTH_CHECK_TIMEOUT_MS, type HealthBody, type HealthCheck, type HealthCheckResult } from './healthCheck.js';
