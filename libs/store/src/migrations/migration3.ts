/**
 * Migration 3 (issue 12): requests by route, client errors (4xx) and the protocols of an edge.
 *
 * - edges_1s takes the agent's request groups as they come, one element per (protocol, method,
 *   route) in the ephemeral `route_samples`, and derives from them on insert: `routes` (the same
 *   groups, durations folded into a histogram), and the edge's `requests`, `request_errors`,
 *   `request_client_errors`, `request_protocols` and request_duration columns. So the ingest
 *   sends each request once and a row's totals cannot disagree with its routes.
 * - Every rollup gains `request_client_errors` (summed) and `request_protocols` (a bit per
 *   protocol, OR'ed: PROTOCOL_BITS), and its view is made again to fill them.
 * - Latency histograms in every rollup but the 1 s tier become dense (every bucket from 0 to the
 *   highest), as the queries sum them (latency/latencyHistogram.ts says why); the rows already
 *   there are rewritten so.
 * - route_edges_1m and route_edges_1h: (tenant, ts, client, server, port, protocol, method,
 *   route) with counts and the duration histogram, filled by views that ARRAY JOIN the routes of
 *   each edges_1s insert (an ephemeral column is not visible to a view, hence the stored
 *   `routes`). The ragged seconds of a window are read from edges_1s's `routes` directly.
 *
 * Each statement is idempotent (IF [NOT] EXISTS; a view dropped and made again), so a migration
 * cut short is run again whole. Views are made again because a view's SELECT cannot be altered
 * in place on every ClickHouse this supports; no ingest runs during migrate() (start-up).
 *
 * Like migration 2, this writes its SQL out here rather than from live query code, so that a
 * later change to the queries cannot change what an old migration did. The one exception is the
 * histogram SQL of latency/latencyHistogram.ts, shared with migration 2, which both must keep.
 */
import { denseHistogramSql, histogramOfSamplesSql, maximumOfSamplesSql, minimumOfSamplesSql } from '../latency/latencyHistogram.js';
import { PROTOCOL_BITS } from '../requestProtocols.js';

const DOMAIN_ROLLUPS = ['edges_1m', 'edges_1h'] as const;
const SERVICE_ROLLUPS = ['service_edges_1s', 'service_edges_10s', 'service_edges_1m', 'service_edges_10m', 'service_edges_1h', 'service_edges_6h'] as const;

/** The element type of route_samples: what the ingest sends per request group. */
const ROUTE_SAMPLE_TYPE = `Tuple(protocol String, method String, route String, requests UInt64, errors UInt64, client_errors UInt64, durations_us Array(UInt32))`;
/** The element type of routes: a route sample with its durations as a histogram. */
const ROUTE_TYPE = `Tuple(protocol LowCardinality(String), method LowCardinality(String), route String, requests UInt64, errors UInt64, client_errors UInt64, duration_histogram Map(UInt16, UInt64), duration_min_us UInt32, duration_max_us UInt32)`;

const protocolBitSql = (protocol: string): string =>
  `toUInt8(transform(${protocol}, [${Object.keys(PROTOCOL_BITS).map((p) => `'${p}'`).join(', ')}], [${Object.values(PROTOCOL_BITS).join(', ')}], 0))`;

/** All durations of a row's route samples. */
const ALL_DURATIONS = `arrayFlatten(arrayMap(r -> r.durations_us, route_samples))`;

const EDGES_1S = [
  `ALTER TABLE edges_1s ADD COLUMN IF NOT EXISTS route_samples Array(${ROUTE_SAMPLE_TYPE}) EPHEMERAL
    COMMENT 'the agent''s request groups of the second, one per (protocol, method, route); folded into routes and the request columns'`,
  `ALTER TABLE edges_1s ADD COLUMN IF NOT EXISTS routes Array(${ROUTE_TYPE})
    DEFAULT arrayMap(r -> (r.protocol, r.method, r.route, r.requests, r.errors, r.client_errors,
        ${histogramOfSamplesSql('r.durations_us')}, ${minimumOfSamplesSql('r.durations_us')}, ${maximumOfSamplesSql('r.durations_us')}), route_samples)
    COMMENT 'requests by route; route_edges_1m/1h roll them up'`,
  `ALTER TABLE edges_1s ADD COLUMN IF NOT EXISTS request_client_errors UInt64 DEFAULT arraySum(arrayMap(r -> r.client_errors, route_samples))
    COMMENT '4xx, counted apart from request_errors' AFTER request_errors`,
  `ALTER TABLE edges_1s ADD COLUMN IF NOT EXISTS request_protocols UInt8 DEFAULT arrayReduce('groupBitOr', arrayMap(r -> ${protocolBitSql('r.protocol')}, route_samples))
    COMMENT 'a bit per protocol seen (1 http1, 2 http2, 4 grpc, 8 dns)' AFTER request_client_errors`,
  `ALTER TABLE edges_1s MODIFY COLUMN requests UInt64 DEFAULT arraySum(arrayMap(r -> r.requests, route_samples))`,
  `ALTER TABLE edges_1s MODIFY COLUMN request_errors UInt64 DEFAULT arraySum(arrayMap(r -> r.errors, route_samples))`,
  `ALTER TABLE edges_1s MODIFY COLUMN request_duration_histogram Map(UInt16, UInt64) DEFAULT ${histogramOfSamplesSql(ALL_DURATIONS)}`,
  `ALTER TABLE edges_1s MODIFY COLUMN request_duration_min_us UInt32 DEFAULT ${minimumOfSamplesSql(ALL_DURATIONS)}`,
  `ALTER TABLE edges_1s MODIFY COLUMN request_duration_max_us UInt32 DEFAULT ${maximumOfSamplesSql(ALL_DURATIONS)}`,
  // The per-edge samples the defaults above replace.
  `ALTER TABLE edges_1s DROP COLUMN IF EXISTS request_duration_samples_us`,
];

const ROLLUP_COLUMNS = [...DOMAIN_ROLLUPS, ...SERVICE_ROLLUPS].flatMap((table) => [
  `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS request_client_errors SimpleAggregateFunction(sum, UInt64) AFTER request_errors`,
  `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS request_protocols SimpleAggregateFunction(groupBitOr, UInt8) AFTER request_client_errors`,
]);

const COUNTERS = [
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
  'request_client_errors',
] as const;

const LATENCIES = ['rtt', 'request_duration'] as const;
/** A view's latency columns: summed, and densified for every tier but the 1 s one (see latency/latencyHistogram.ts). */
const latencyMerges = (dense: boolean): string[] =>
  LATENCIES.map((l) => {
    const summed = `sumMap(${l}_histogram)`;
    return `${dense ? denseHistogramSql(summed) : summed} AS ${l}_histogram, min(${l}_min_us) AS ${l}_min_us, max(${l}_max_us) AS ${l}_max_us`;
  });

const DOMAIN_KEY = `client_service, server_service, server_port,
    client_display, client_namespace, client_workload, client_kind, client_instance,
    client_node, client_zone, client_version, client_process,
    server_display, server_namespace, server_workload, server_kind, server_instance,
    server_node, server_zone, server_version, server_process`;
const SERVICE_KEY = 'client_service, server_service, server_port';

function rollupView(name: string, target: string, bucket: string, keys: string, dense = true): string[] {
  return [
    `DROP VIEW IF EXISTS ${name}`,
    `
CREATE MATERIALIZED VIEW IF NOT EXISTS ${name} TO ${target} AS
SELECT
    tenant,
    ${bucket} AS ts,
    ${keys},
    ${COUNTERS.map((c) => `sum(${c}) AS ${c}`).join(',\n    ')},
    groupBitOr(request_protocols) AS request_protocols,
    ${latencyMerges(dense).join(',\n    ')}
FROM edges_1s
GROUP BY tenant, ts, ${keys}`,
  ];
}

const VIEWS = [
  ...rollupView('edges_1m_mv', 'edges_1m', 'toStartOfMinute(ts)', DOMAIN_KEY),
  ...rollupView('edges_1h_mv', 'edges_1h', 'toStartOfHour(ts)', DOMAIN_KEY),
  ...rollupView('service_edges_1s_mv', 'service_edges_1s', 'ts', SERVICE_KEY, false),
  ...rollupView('service_edges_10s_mv', 'service_edges_10s', 'toStartOfInterval(ts, INTERVAL 10 SECOND)', SERVICE_KEY),
  ...rollupView('service_edges_1m_mv', 'service_edges_1m', 'toStartOfMinute(ts)', SERVICE_KEY),
  ...rollupView('service_edges_10m_mv', 'service_edges_10m', 'toStartOfInterval(ts, INTERVAL 10 MINUTE)', SERVICE_KEY),
  ...rollupView('service_edges_1h_mv', 'service_edges_1h', 'toStartOfHour(ts)', SERVICE_KEY),
  ...rollupView('service_edges_6h_mv', 'service_edges_6h', 'toStartOfInterval(ts, INTERVAL 6 HOUR)', SERVICE_KEY),
];

function routeRollup(name: string, partitionBy: string, ttl: string): string {
  return `
CREATE TABLE IF NOT EXISTS ${name}
(
    tenant LowCardinality(String),
    ts DateTime('UTC') COMMENT 'start of the bucket',
    client_service LowCardinality(String),
    server_service LowCardinality(String),
    server_port UInt16,
    protocol LowCardinality(String),
    method LowCardinality(String),
    route String COMMENT 'route template (ids collapsed by the agent)',
    requests SimpleAggregateFunction(sum, UInt64),
    request_errors SimpleAggregateFunction(sum, UInt64),
    request_client_errors SimpleAggregateFunction(sum, UInt64),
    request_duration_histogram SimpleAggregateFunction(sumMap, Map(UInt16, UInt64)),
    request_duration_min_us SimpleAggregateFunction(min, UInt32),
    request_duration_max_us SimpleAggregateFunction(max, UInt32)
)
ENGINE = AggregatingMergeTree
PARTITION BY ${partitionBy}
ORDER BY (tenant, ts, client_service, server_service, server_port, protocol, method, route)
TTL ts + INTERVAL ${ttl}
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1`;
}

function routeView(name: string, target: string, bucket: string): string {
  return `
CREATE MATERIALIZED VIEW IF NOT EXISTS ${name} TO ${target} AS
SELECT
    tenant,
    ${bucket} AS ts,
    client_service, server_service, server_port,
    r.protocol AS protocol, r.method AS method, r.route AS route,
    sum(r.requests) AS requests,
    sum(r.errors) AS request_errors,
    sum(r.client_errors) AS request_client_errors,
    ${denseHistogramSql('sumMap(r.duration_histogram)')} AS request_duration_histogram,
    min(r.duration_min_us) AS request_duration_min_us,
    max(r.duration_max_us) AS request_duration_max_us
FROM edges_1s
ARRAY JOIN routes AS r
GROUP BY tenant, ts, client_service, server_service, server_port, protocol, method, route`;
}

/**
 * The rows the rollups already hold, densified like the new views' (a dense histogram is left as
 * it is, so running this again changes nothing). Waits for the rewrite (mutations_sync), so that
 * no query sees a sparse row in a dense table.
 */
const DENSIFY = [...DOMAIN_ROLLUPS, ...SERVICE_ROLLUPS.filter((t) => t !== 'service_edges_1s')].map(
  (table) => `ALTER TABLE ${table} UPDATE ${LATENCIES.map((l) => `${l}_histogram = ${denseHistogramSql(`${l}_histogram`)}`).join(', ')}
    WHERE ${LATENCIES.map((l) => `length(${l}_histogram) != toUInt32(arrayMax(arrayConcat([0], mapKeys(${l}_histogram)))) + if(empty(${l}_histogram), 0, 1)`).join(' OR ')}
    SETTINGS mutations_sync = 2`,
);

export const MIGRATION_3: readonly string[] = [
  ...EDGES_1S,
  ...ROLLUP_COLUMNS,
  ...VIEWS,
  ...DENSIFY,
  routeRollup('route_edges_1m', 'toDate(ts)', '30 DAY'),
  routeRollup('route_edges_1h', 'toYYYYMM(ts)', '395 DAY'),
  routeView('route_edges_1m_mv', 'route_edges_1m', 'toStartOfMinute(ts)'),
  routeView('route_edges_1h_mv', 'route_edges_1h', 'toStartOfHour(ts)'),
];
