export { startMetricsServer, type MetricsRegistry } from '@weft/runtime';
