/**
 * What changed between a baseline window and a window (EdgeQueries.readChanges): edges that
 * appeared, vanished, or got worse. Both windows are read as service edges from the service-level
 * rollups and compared here.
 */
import type { ClickHouseExecutor } from '../clickhouseExecutor.js';
import { edgeKey, readEdgeRecords } from './edgeRecords.js';
import { errorShare } from './edgeBreakdown.js';
import { checkQueryWindow, checkTenant } from './querySql.js';
import type { ChangesQuery, ChangesResult, EdgeChange, EdgeRecord, EdgeStats, TenantId, WorseReason } from './queryTypes.js';
import { readServiceInfos } from './serviceNames.js';

/**
 * Failure rate, failed / (opened + failed): worse when it rose by at least 5 percentage points
 * and the window saw at least 3 failures, so one refused connection on a quiet edge is not news.
 */
export const FAILURE_RATE_RISE = 0.05;
export const FAILURE_MIN_FAILED = 3;

/**
 * Retransmit rate, per MB (10^6 bytes) moved either way: per byte rather than per
 * connection-second, because retransmits are per segment and segments follow bytes; an idle
 * long-lived connection would dilute a per-connection-second rate. Worse when it at least
 * doubled, is at least 1 per MB (about 0.15 % of full-size segments: above what healthy networks
 * show) and the window saw at least 10 retransmits (a handful on a quiet edge is noise).
 */
export const RETRANSMIT_RATE_FACTOR = 2;
export const RETRANSMIT_RATE_FLOOR_PER_MB = 1;
export const RETRANSMIT_MIN_COUNT = 10;

/**
 * RTT p99: worse when it at least doubled and rose by at least 1 ms; on a LAN srtt is tens to
 * hundreds of microseconds, where doubling alone is jitter.
 */
export const RTT_P99_FACTOR = 2;
export const RTT_P99_MIN_RISE_US = 1000;

const KIND_ORDER = { appeared: 0, vanished: 1, worse: 2 } as const;

export async function readChanges(executor: ClickHouseExecutor, tenant: TenantId, query: ChangesQuery): Promise<ChangesResult> {
  checkTenant(tenant);
  checkQueryWindow(query.window);
  checkQueryWindow(query.baseline, 'baseline_');
  const [current, baseline] = await Promise.all([readEdgeRecords(executor, tenant, query.window), readEdgeRecords(executor, tenant, query.baseline)]);
  const before = new Map(baseline.map((e) => [edgeKey(e), e]));
  const now = new Map(current.map((e) => [edgeKey(e), e]));
  const changes: EdgeChange[] = [];
  for (const [key, edge] of now) {
    const old = before.get(key);
    if (old === undefined) {
      changes.push({ kind: 'appeared', ...endsOf(edge), baseline: null, current: statsOnly(edge), reasons: [] });
      continue;
    }
    const reasons = worseReasons(old, edge);
    if (reasons.length > 0) changes.push({ kind: 'worse', ...endsOf(edge), baseline: statsOnly(old), current: statsOnly(edge), reasons });
  }
  for (const [key, edge] of before) {
    if (!now.has(key)) changes.push({ kind: 'vanished', ...endsOf(edge), baseline: statsOnly(edge), current: null, reasons: [] });
  }
  changes.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || compare(edgeKey(a), edgeKey(b)));
  const ids = [...new Set(changes.flatMap((c) => [c.source, c.target]))].sort();
  return {
    window: { from: query.window.from, to: query.window.to },
    baseline: { from: query.baseline.from, to: query.baseline.to },
    changes,
    services: await readServiceInfos(executor, tenant, ids),
  };
}

/** Every reason (failure rate, retransmit rate, rtt p99) for which the edge got worse. */
export function worseReasons(baseline: EdgeStats, current: EdgeStats): WorseReason[] {
  const reasons: WorseReason[] = [];
  if (current.connections_failed >= FAILURE_MIN_FAILED && errorShare(current) - errorShare(baseline) >= FAILURE_RATE_RISE) reasons.push('failure_rate');
  const rate = retransmitsPerMb(current);
  if (current.retransmits >= RETRANSMIT_MIN_COUNT && rate >= RETRANSMIT_RATE_FLOOR_PER_MB && rate >= RETRANSMIT_RATE_FACTOR * retransmitsPerMb(baseline)) {
    reasons.push('retransmit_rate');
  }
  const [p99, old] = [current.rtt_p99_us, baseline.rtt_p99_us];
  if (p99 !== null && old !== null && p99 >= RTT_P99_FACTOR * old && p99 - old >= RTT_P99_MIN_RISE_US) reasons.push('rtt_p99');
  return reasons;
}

/** Retransmits per 10^6 bytes moved; an edge that moved nothing but retransmitted counts as infinitely bad. */
export function retransmitsPerMb(stats: EdgeStats): number {
  const bytes = stats.bytes_sent + stats.bytes_received;
  if (bytes === 0) return stats.retransmits > 0 ? Infinity : 0;
  return (stats.retransmits * 1e6) / bytes;
}

function endsOf(e: EdgeRecord): { source: string; target: string; port: number } {
  return { source: e.source, target: e.target, port: e.port };
}

function statsOnly(e: EdgeRecord): EdgeStats {
  const { source: _source, target: _target, port: _port, ...stats } = e;
  return stats;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
