/**
 * Migration 2 (issue 10): tenants, service-level rollups, a services table, p95 and request
 * metrics.
 *
 * Weft has not been released, so this migration DROPS the v1 tables and views: their rows had no
 * tenant, and are not carried over (there is no tenant to give them). The new tables reuse the
 * v1 names for the raw and failure-domain tables (edges_1s, edges_1m, edges_1h) so that the
 * retention settings keep their meaning.
 *
 * Tables, every one keyed by tenant first, then ts, then the rest:
 * - edges_1s: the raw one-second rows, one per (client, server, port) and combination of failure
 *   domains (instance, node, zone, version, process of each end). MergeTree.
 * - edges_1m, edges_1h: the same keys rolled up (AggregatingMergeTree); they answer breakdowns,
 *   the per-service domains (zones, nodes, versions, instances) and maps grouped by zone.
 * - service_edges_1s, _10s, _1m, _10m, _1h, _6h: (tenant, ts, client_service, server_service, server_port)
 *   only, without instance/zone/version/display: what the map, neighbourhoods, series and
 *   changes read. A pair of services is one row per bucket however many instances it has.
 * - services: one row per (tenant, service id) with its latest naming and first/last seen, for
 *   search, autocomplete and node names.
 *
 * Every rollup (and the services table) is filled by its own materialized view reading the
 * inserted block of edges_1s (never a chain of views), so each depends on one insert only and
 * deduplicates under its own derived token (deduplicate_blocks_in_dependent_materialized_views):
 * a batch written again with the same insert_deduplication_token counts once everywhere.
 *
 * Service ids and the naming columns are LowCardinality(String): a tenant has at most ~10^4..10^5
 * services, so IN-filters and GROUP BY on them work on dictionary positions. Instances stay
 * String (pods churn: their number grows without bound).
 *
 * Latency: rtt (connection srtt) and request_duration (L7, empty until the agent sends
 * requests) are each a histogram (Map(UInt16, UInt64), 8 buckets per octave of microseconds)
 * with the exact minimum and maximum beside it, summed, min'd and max'd at every tier (see
 * latency/latencyHistogram.ts for why not a quantile state).
 *
 * TTLs here are the defaults; migrate() applies the configured ones: the raw seconds setting to
 * edges_1s, service_edges_1s and service_edges_10s (the 10 s tier shares the 1 s TTL: it only
 * ever answers the ragged ends of a window and steps shorter than a minute, both of recent data),
 * the minute setting to edges_1m, service_edges_1m and service_edges_10m, the hour setting to edges_1h,
 * service_edges_1h, service_edges_6h and services (by last_seen).
 */
import { HISTOGRAM_TYPE, LATENCIES, NO_MINIMUM, histogramOfSamplesSql, maximumOfSamplesSql, minimumOfSamplesSql, type Latency } from '../latency/latencyHistogram.js';

const COUNTER_NAMES = [
  'connections_opened',
  'connections_closed',
  'connections_failed',
  'connection_seconds',
  'bytes_sent',
  'bytes_received',
  'retransmits',
  'resets',
  'requests',
  'request_errors',
] as const;

const END_COLUMNS = (end: 'client' | 'server'): string => `
    ${end}_service LowCardinality(String),
    ${end}_display LowCardinality(String),
    ${end}_namespace LowCardinality(String),
    ${end}_workload LowCardinality(String),
    ${end}_kind LowCardinality(String),
    ${end}_instance String,
    ${end}_node LowCardinality(String),
    ${end}_zone LowCardinality(String),
    ${end}_version LowCardinality(String),
    ${end}_process LowCardinality(String),`;

const DROP_V1 = [
  'DROP VIEW IF EXISTS edges_1m_mv',
  'DROP VIEW IF EXISTS edges_1h_mv',
  'DROP TABLE IF EXISTS edges_1s',
  'DROP TABLE IF EXISTS edges_1m',
  'DROP TABLE IF EXISTS edges_1h',
];

const EDGES_1S = `
CREATE TABLE IF NOT EXISTS edges_1s
(
    tenant LowCardinality(String) COMMENT 'the tenant the agent''s ingest key belongs to',
    ts DateTime('UTC') COMMENT 'start of the second',${END_COLUMNS('client')}${END_COLUMNS('server')}
    server_port UInt16,
    connections_opened UInt64,
    connections_closed UInt64,
    connections_failed UInt64,
    connection_seconds UInt64 COMMENT 'connections active in that second',
    bytes_sent UInt64 COMMENT 'client to server',
    bytes_received UInt64 COMMENT 'server to client',
    retransmits UInt64,
    resets UInt64,
    requests UInt64 COMMENT 'L7 requests (0 until the agent sends them)',
    request_errors UInt64,
    rtt_samples_us Array(UInt32) EPHEMERAL COMMENT 'per-connection srtt samples of the second, folded into the rtt columns on insert',
${latencyColumns('rtt', 'rtt_samples_us')},
    request_duration_samples_us Array(UInt32) EPHEMERAL COMMENT 'request durations of the second, folded into the request_duration columns',
${latencyColumns('request_duration', 'request_duration_samples_us')}
)
ENGINE = MergeTree
PARTITION BY toDate(ts)
ORDER BY (tenant, ts, client_service, server_service, server_port, client_instance, server_instance)
TTL ts + INTERVAL 7 DAY
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1`;

const SUM_COLUMNS = COUNTER_NAMES.map((c) => `    ${c} SimpleAggregateFunction(sum, UInt64),`).join('\n');
/** A latency's columns in the raw table: computed on insert from its ephemeral samples. */
function latencyColumns(latency: Latency, samples: string): string {
  return `    ${latency}_histogram ${HISTOGRAM_TYPE} DEFAULT ${histogramOfSamplesSql(samples)},
    ${latency}_min_us UInt32 DEFAULT ${minimumOfSamplesSql(samples)} COMMENT '${NO_MINIMUM} when there were no samples',
    ${latency}_max_us UInt32 DEFAULT ${maximumOfSamplesSql(samples)}`;
}

/** A latency's columns in a rollup: merged by sum, min and max. */
const STATE_COLUMNS = LATENCIES.map(
  (l) => `
    ${l}_histogram SimpleAggregateFunction(sumMap, ${HISTOGRAM_TYPE}),
    ${l}_min_us SimpleAggregateFunction(min, UInt32),
    ${l}_max_us SimpleAggregateFunction(max, UInt32)`,
).join(',');

const DOMAIN_KEY = `client_service, server_service, server_port,
          client_display, client_namespace, client_workload, client_kind, client_instance,
          client_node, client_zone, client_version, client_process,
          server_display, server_namespace, server_workload, server_kind, server_instance,
          server_node, server_zone, server_version, server_process`;

function domainRollup(name: string, partitionBy: string, ttl: string): string {
  return `
CREATE TABLE IF NOT EXISTS ${name}
(
    tenant LowCardinality(String),
    ts DateTime('UTC') COMMENT 'start of the bucket',${END_COLUMNS('client')}${END_COLUMNS('server')}
    server_port UInt16,
${SUM_COLUMNS}${STATE_COLUMNS}
)
ENGINE = AggregatingMergeTree
PARTITION BY ${partitionBy}
PRIMARY KEY (tenant, ts, client_service, server_service, server_port)
ORDER BY (tenant, ts, ${DOMAIN_KEY})
TTL ts + INTERVAL ${ttl}
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1`;
}

function serviceRollup(name: string, partitionBy: string, ttl: string): string {
  return `
CREATE TABLE IF NOT EXISTS ${name}
(
    tenant LowCardinality(String),
    ts DateTime('UTC') COMMENT 'start of the bucket',
    client_service LowCardinality(String),
    server_service LowCardinality(String),
    server_port UInt16,
${SUM_COLUMNS}${STATE_COLUMNS}
)
ENGINE = AggregatingMergeTree
PARTITION BY ${partitionBy}
ORDER BY (tenant, ts, client_service, server_service, server_port)
TTL ts + INTERVAL ${ttl}
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1`;
}

const SUMS = COUNTER_NAMES.map((c) => `    sum(${c}) AS ${c},`).join('\n');
// Written out (not the live mergedLatencySql, which the queries may change): what this migration made.
const MERGED_STATES = LATENCIES.map((l) => `
    sumMap(${l}_histogram) AS ${l}_histogram, min(${l}_min_us) AS ${l}_min_us, max(${l}_max_us) AS ${l}_max_us`).join(',');

function rollupView(name: string, target: string, bucket: string, keys: string): string {
  return `
CREATE MATERIALIZED VIEW IF NOT EXISTS ${name} TO ${target} AS
SELECT
    tenant,
    ${bucket} AS ts,
    ${keys},
${SUMS}${MERGED_STATES}
FROM edges_1s
GROUP BY tenant, ts, ${keys}`;
}

const SERVICE_KEY = 'client_service, server_service, server_port';

const SERVICES = `
CREATE TABLE IF NOT EXISTS services
(
    tenant LowCardinality(String),
    service String COMMENT 'stable service id (opaque)',
    display AggregateFunction(argMax, String, DateTime('UTC')) COMMENT 'latest non-empty naming, by ts',
    namespace AggregateFunction(argMax, String, DateTime('UTC')),
    workload AggregateFunction(argMax, String, DateTime('UTC')),
    kind AggregateFunction(argMax, String, DateTime('UTC')),
    first_seen SimpleAggregateFunction(min, DateTime('UTC')),
    last_seen SimpleAggregateFunction(max, DateTime('UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (tenant, service)
TTL last_seen + INTERVAL 395 DAY
SETTINGS non_replicated_deduplication_window = 10000`;

/**
 * Both ends of each row in one view (ARRAY JOIN over the two ends), not a view per end: two
 * views into one table would derive their dedup tokens from the same insert and could drop each
 * other's blocks as duplicates. A field is only taken from rows where the ingest knew it
 * (argMaxIf ... != ''), so an end seen once without naming does not blank a known name.
 */
const SERVICES_MV = `
CREATE MATERIALIZED VIEW IF NOT EXISTS services_mv TO services AS
SELECT
    tenant,
    end.1 AS service,
    argMaxStateIf(end.2, ts, end.2 != '') AS display,
    argMaxStateIf(end.3, ts, end.3 != '') AS namespace,
    argMaxStateIf(end.4, ts, end.4 != '') AS workload,
    argMaxStateIf(end.5, ts, end.5 != '') AS kind,
    min(ts) AS first_seen,
    max(ts) AS last_seen
FROM edges_1s
ARRAY JOIN [
    (CAST(client_service, 'String'), CAST(client_display, 'String'), CAST(client_namespace, 'String'), CAST(client_workload, 'String'), CAST(client_kind, 'String')),
    (CAST(server_service, 'String'), CAST(server_display, 'String'), CAST(server_namespace, 'String'), CAST(server_workload, 'String'), CAST(server_kind, 'String'))
] AS end
GROUP BY tenant, service`;

export const MIGRATION_2: readonly string[] = [
  ...DROP_V1,
  EDGES_1S,
  domainRollup('edges_1m', 'toDate(ts)', '30 DAY'),
  domainRollup('edges_1h', 'toYYYYMM(ts)', '395 DAY'),
  serviceRollup('service_edges_1s', 'toDate(ts)', '7 DAY'),
  serviceRollup('service_edges_10s', 'toDate(ts)', '7 DAY'),
  serviceRollup('service_edges_1m', 'toDate(ts)', '30 DAY'),
  serviceRollup('service_edges_10m', 'toDate(ts)', '30 DAY'),
  serviceRollup('service_edges_1h', 'toYYYYMM(ts)', '395 DAY'),
  serviceRollup('service_edges_6h', 'toYYYYMM(ts)', '395 DAY'),
  SERVICES,
  rollupView('edges_1m_mv', 'edges_1m', 'toStartOfMinute(ts)', DOMAIN_KEY),
  rollupView('edges_1h_mv', 'edges_1h', 'toStartOfHour(ts)', DOMAIN_KEY),
  rollupView('service_edges_1s_mv', 'service_edges_1s', 'ts', SERVICE_KEY),
  rollupView('service_edges_10s_mv', 'service_edges_10s', 'toStartOfInterval(ts, INTERVAL 10 SECOND)', SERVICE_KEY),
  rollupView('service_edges_1m_mv', 'service_edges_1m', 'toStartOfMinute(ts)', SERVICE_KEY),
  rollupView('service_edges_10m_mv', 'service_edges_10m', 'toStartOfInterval(ts, INTERVAL 10 MINUTE)', SERVICE_KEY),
  rollupView('service_edges_1h_mv', 'service_edges_1h', 'toStartOfHour(ts)', SERVICE_KEY),
  rollupView('service_edges_6h_mv', 'service_edges_6h', 'toStartOfInterval(ts, INTERVAL 6 HOUR)', SERVICE_KEY),
  SERVICES_MV,
];
