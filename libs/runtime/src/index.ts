export { ConfigError } from './configError.js';
export { parseListenAddress, type ListenAddress } from './listenAddress.js';
export { startMetricsServer, type MetricsRegistry } from './metricsServer.js';
