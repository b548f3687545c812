/**
 * Weft's ClickHouse schema, as an ordered list of versioned migrations.
 *
 * Rules: never edit or reorder a migration that has shipped; add a new one with the next version.
 * Every statement is idempotent (IF NOT EXISTS ...), so a migration interrupted half way is
 * simply run again at the next start. The SQL is written out in full rather than generated from
 * the store's live constants, so that a later change to the code cannot change an old migration.
 *
 * TTLs written here are the defaults; migrate() then applies the configured ones
 * (ALTER TABLE ... MODIFY TTL) when they differ.
 */

import { MIGRATION_2 } from './migration2.js';
import { MIGRATION_3 } from './migration3.js';
import { MIGRATION_4 } from './migration4.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

/**
 * Latency: `rtt_us` is a quantilesTDigest(0.5, 0.99) state over UInt32 per-connection srtt
 * samples in microseconds. t-digest states merge (-MergeState in the rollup views, -Merge in
 * queries), so the 1-minute and 1-hour tables answer p50/p99 over any window without
 * averaging averages. quantileTiming would merge exactly too, but it is built for milliseconds
 * and clamps every value above 30,000 (30 ms in microseconds); quantileExact states grow with
 * the sample count.
 *
 * Idempotent inserts: non_replicated_deduplication_window keeps the identities of the last
 * 10,000 inserted blocks of each table (plain MergeTree keeps none by default), so an insert
 * repeated with the same insert_deduplication_token is dropped, in edges_1s and, through
 * deduplicate_blocks_in_dependent_materialized_views, in the rollups.
 */
const EDGES_1S = `
CREATE TABLE IF NOT EXISTS edges_1s
(
    ts DateTime('UTC') COMMENT 'start of the second',
    client_service String COMMENT 'stable service id of the client end (opaque, e.g. k8s:ns/Deployment/name)',
    client_display LowCardinality(String),
    client_namespace LowCardinality(String),
    client_workload LowCardinality(String),
    client_kind LowCardinality(String),
    client_instance String COMMENT 'pod or process instance',
    client_node LowCardinality(String),
    client_zone LowCardinality(String),
    client_version LowCardinality(String),
    client_process LowCardinality(String),
    server_service String COMMENT 'stable service id of the server end (opaque)',
    server_display LowCardinality(String),
    server_namespace LowCardinality(String),
    server_workload LowCardinality(String),
    server_kind LowCardinality(String),
    server_instance String,
    server_node LowCardinality(String),
    server_zone LowCardinality(String),
    server_version LowCardinality(String),
    server_process LowCardinality(String),
    server_port UInt16,
    connections_opened UInt64,
    connections_closed UInt64,
    connections_failed UInt64,
    connection_seconds UInt64 COMMENT 'connections active in that second',
    bytes_sent UInt64 COMMENT 'client to server',
    bytes_received UInt64 COMMENT 'server to client',
    retransmits UInt64,
    resets UInt64,
    rtt_samples_us Array(UInt32) EPHEMERAL COMMENT 'per-connection srtt samples of the second, folded into rtt_us on insert',
    rtt_us AggregateFunction(quantilesTDigest(0.5, 0.99), UInt32)
        DEFAULT arrayReduce('quantilesTDigestState(0.5, 0.99)', rtt_samples_us)
        COMMENT 'mergeable p50/p99 state over srtt samples in microseconds'
)
ENGINE = MergeTree
PARTITION BY toDate(ts)
ORDER BY (ts, client_service, server_service, server_port, client_instance, server_instance)
TTL ts + INTERVAL 7 DAY
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1`;

function rollupTable(name: string, partitionBy: string, ttl: string): string {
  return `
CREATE TABLE IF NOT EXISTS ${name}
(
    ts DateTime('UTC') COMMENT 'start of the bucket',
    client_service String,
    client_display LowCardinality(String),
    client_namespace LowCardinality(String),
    client_workload LowCardinality(String),
    client_kind LowCardinality(String),
    client_instance String,
    client_node LowCardinality(String),
    client_zone LowCardinality(String),
    client_version LowCardinality(String),
    client_process LowCardinality(String),
    server_service String,
    server_display LowCardinality(String),
    server_namespace LowCardinality(String),
    server_workload LowCardinality(String),
    server_kind LowCardinality(String),
    server_instance String,
    server_node LowCardinality(String),
    server_zone LowCardinality(String),
    server_version LowCardinality(String),
    server_process LowCardinality(String),
    server_port UInt16,
    connections_opened SimpleAggregateFunction(sum, UInt64),
    connections_closed SimpleAggregateFunction(sum, UInt64),
    connections_failed SimpleAggregateFunction(sum, UInt64),
    connection_seconds SimpleAggregateFunction(sum, UInt64),
    bytes_sent SimpleAggregateFunction(sum, UInt64),
    bytes_received SimpleAggregateFunction(sum, UInt64),
    retransmits SimpleAggregateFunction(sum, UInt64),
    resets SimpleAggregateFunction(sum, UInt64),
    rtt_us AggregateFunction(quantilesTDigest(0.5, 0.99), UInt32)
)
ENGINE = AggregatingMergeTree
PARTITION BY ${partitionBy}
PRIMARY KEY (ts, client_service, server_service, server_port)
ORDER BY (ts, client_service, server_service, server_port,
          client_display, client_namespace, client_workload, client_kind, client_instance,
          client_node, client_zone, client_version, client_process,
          server_display, server_namespace, server_workload, server_kind, server_instance,
          server_node, server_zone, server_version, server_process)
TTL ts + INTERVAL ${ttl}
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1`;
}

const KEY_COLUMNS = `client_service, client_display, client_namespace, client_workload, client_kind, client_instance,
    client_node, client_zone, client_version, client_process,
    server_service, server_display, server_namespace, server_workload, server_kind, server_instance,
    server_node, server_zone, server_version, server_process,
    server_port`;

function rollupView(name: string, target: string, bucket: string): string {
  return `
CREATE MATERIALIZED VIEW IF NOT EXISTS ${name} TO ${target} AS
SELECT
    ${bucket}(ts) AS ts,
    ${KEY_COLUMNS},
    sum(connections_opened) AS connections_opened,
    sum(connections_closed) AS connections_closed,
    sum(connections_failed) AS connections_failed,
    sum(connection_seconds) AS connection_seconds,
    sum(bytes_sent) AS bytes_sent,
    sum(bytes_received) AS bytes_received,
    sum(retransmits) AS retransmits,
    sum(resets) AS resets,
    quantilesTDigestMergeState(0.5, 0.99)(rtt_us) AS rtt_us
FROM edges_1s
GROUP BY ts, ${KEY_COLUMNS}`;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'edge rows: edges_1s with 1-minute and 1-hour rollups',
    statements: [
      EDGES_1S,
      rollupTable('edges_1m', 'toDate(ts)', '30 DAY'),
      rollupTable('edges_1h', 'toYYYYMM(ts)', '395 DAY'),
      // Both views read the inserted block of edges_1s (not a chain 1s -> 1m -> 1h), so each
      // rollup depends on one insert only and deduplicates under its own derived token.
      rollupView('edges_1m_mv', 'edges_1m', 'toStartOfMinute'),
      rollupView('edges_1h_mv', 'edges_1h', 'toStartOfHour'),
    ],
  },
  {
    version: 2,
    // Renamed with each change made to it before its first release, so that a store migrated by an
    // earlier build refuses to start (SchemaMismatchError) instead of missing a table at query time.
    name: 'tenants: every table keyed by tenant first; service-level rollups at 1 s, 10 s, 1 m, 10 m, 1 h, 6 h; services table; latency histograms and request metrics',
    statements: MIGRATION_2,
  },
  {
    version: 3,
    name: 'requests by route (route_edges_1m, route_edges_1h, edges_1s.routes); client errors and protocols on every table; dense histograms above the 1 s tier',
    statements: MIGRATION_3,
  },
  {
    version: 4,
    name: 'the 10 s, 1 min, 10 min and 1 h service tiers also ordered by pair (projection by_pair), for one edge\'s series',
    statements: MIGRATION_4,
  },
];
