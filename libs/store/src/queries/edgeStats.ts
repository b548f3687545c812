/**
 * The counters and quantiles of EdgeStats: what each piece selects, how they aggregate, and how
 * a result row becomes EdgeStats. One definition for every query.
 */
import { LATENCIES, latencyPieceSql, latencyQuantilesSql, mergedLatencySql } from '../latency/latencyHistogram.js';
import type { WindowPiece } from '../window/windowPieces.js';
import { protocolsOfBits } from '../requestProtocols.js';
import type { EdgeRecord, EdgeStats } from './queryTypes.js';

export const STAT_COUNTERS = [
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
export type StatCounter = (typeof STAT_COUNTERS)[number];

/**
 * What a piece selects for the stats. Counters cast to plain UInt64: the rollups hold them as
 * SimpleAggregateFunction(sum, UInt64), the raw table as UInt64, and a UNION ALL needs one type.
 * Latencies as dense bucket counts (the 1 s tier's sparse histograms densified).
 */
export function statSourceColumns(piece: WindowPiece): string {
  return [
    ...STAT_COUNTERS.map((c) => `toUInt64(${c}) AS ${c}`),
    'toUInt8(request_protocols) AS request_protocols',
    ...LATENCIES.map((l) => latencyPieceSql(l, piece.resolution === 1)),
  ].join(', ');
}

/**
 * The aggregates over those columns (used with GROUP BY): counters summed; latency quantiles as
 * arrays p50, p95, p99 (rtt_quantiles, request_quantiles).
 */
export const STAT_AGGREGATES = [
  ...STAT_COUNTERS.map((c) => `sum(${c}) AS ${c}`),
  'groupBitOr(request_protocols) AS request_protocols',
  `${latencyQuantilesSql('rtt')} AS rtt_quantiles`,
  `${latencyQuantilesSql('request_duration')} AS request_quantiles`,
].join(',\n    ');

/** The aggregates kept mergeable (the source columns again), for a second level of grouping. */
export const STAT_MERGE_AGGREGATES = [
  ...STAT_COUNTERS.map((c) => `sum(${c}) AS ${c}`),
  'groupBitOr(request_protocols) AS request_protocols',
  ...LATENCIES.map(mergedLatencySql),
].join(',\n    ');

/**
 * A row of source, target, port and STAT_AGGREGATES as an EdgeRecord; `seconds` is the length
 * the row covers (for connections_active). One object literal: building a map's 20,000 records
 * by spreading finished stats into another object took twice as long (bench/query, 30 ms).
 */
export function edgeRecordOf(row: Record<string, unknown>, seconds: number): EdgeRecord {
  // UInt64 arrives as a JSON string or number depending on output_format_json_quote_64bit_integers.
  const n = (c: StatCounter): number => Number(row[c] ?? 0);
  const [rtt50, rtt95, rtt99] = quantiles(row.rtt_quantiles);
  const [req50, req95, req99] = quantiles(row.request_quantiles);
  return {
    source: String(row.source ?? ''),
    target: String(row.target ?? ''),
    port: Number(row.port ?? 0),
    connections_opened: n('connections_opened'),
    connections_closed: n('connections_closed'),
    connections_failed: n('connections_failed'),
    connection_seconds: n('connection_seconds'),
    connections_active: n('connection_seconds') / seconds,
    bytes_sent: n('bytes_sent'),
    bytes_received: n('bytes_received'),
    retransmits: n('retransmits'),
    resets: n('resets'),
    rtt_p50_us: rtt50,
    rtt_p95_us: rtt95,
    rtt_p99_us: rtt99,
    requests: n('requests'),
    request_errors: n('request_errors'),
    request_client_errors: n('request_client_errors'),
    request_protocols: protocolsOfBits(Number(row.request_protocols ?? 0)),
    request_p50_us: req50,
    request_p95_us: req95,
    request_p99_us: req99,
  };
}

/** A row of STAT_AGGREGATES as EdgeStats (a series step, a breakdown group: few rows). */
export function statsOf(row: Record<string, unknown>, seconds: number): EdgeStats {
  const { source: _source, target: _target, port: _port, ...stats } = edgeRecordOf(row, seconds);
  return stats;
}

/** A quantiles array of the query: nulls (JSON null, or "nan") where there were no samples. */
export function quantiles(value: unknown): [number | null, number | null, number | null] {
  const values = Array.isArray(value) ? value : [];
  const one = (v: unknown): number | null => {
    if (v === null || v === undefined) return null;
    const n = Number(v);
    return Number.isFinite(n) ? Math.round(n) : null;
  };
  return [one(values[0]), one(values[1]), one(values[2])];
}
