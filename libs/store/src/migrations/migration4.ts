/**
 * Migration 4 (issue 10): the service tiers an edge's series reads also ordered by pair.
 *
 * The service rollups are ordered by (tenant, ts, pair): the map reads every pair of a window, so
 * a window is one contiguous range. One edge's series over an hour then reads every pair of every
 * bucket (ts leads the key, so the pair filter does not narrow the read): 700,000 rows of
 * bench/query's minute tier for 60. A projection `by_pair`, the same rows ordered by (tenant,
 * pair, ts), answers a read of one pair from its own few granules (index granularity 1024: a
 * pair's hour of minutes is 60 rows), and ClickHouse picks it by itself where it reads less.
 *
 * On the 10 s, 1 min, 10 min and 1 h tiers, what a series reads (its step's tier, windowPieces
 * maxTier); not the 1 s tier, the most written one, whose pieces are at most a window's ragged
 * seconds. An AggregatingMergeTree refuses projections unless told what to do with them when a
 * merge aggregates rows: `rebuild` makes the merged part's projection again from its rows, so it
 * always holds exactly the part's rows. MATERIALIZE builds it for the parts already there (a
 * mutation, waited for; on bench/query's day of data about two minutes).
 *
 * Idempotent like the others (IF NOT EXISTS; MODIFY SETTING and MATERIALIZE may run again).
 */
const PAIR_ORDERED_TIERS = ['service_edges_10s', 'service_edges_1m', 'service_edges_10m', 'service_edges_1h'] as const;

function pairProjection(table: string): string[] {
  return [
    `ALTER TABLE ${table} MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild'`,
    `ALTER TABLE ${table} ADD PROJECTION IF NOT EXISTS by_pair
    (SELECT * ORDER BY tenant, client_service, server_service, server_port, ts) WITH SETTINGS (index_granularity = 1024)`,
    `ALTER TABLE ${table} MATERIALIZE PROJECTION by_pair SETTINGS mutations_sync = 1`,
  ];
}

export const MIGRATION_4: readonly string[] = PAIR_ORDERED_TIERS.flatMap(pairProjection);
