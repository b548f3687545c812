import type { HistogramBucket } from '../../kernel/l7Aggregate.js';

/** The kernel's duration histogram (bpf/weft.h WEFT_L7_AGG_*): its exact range and sub-bucket bits. */
export interface HistogramShape {
  /** Values below this (microseconds) have a bucket each. */
  exact: number;
  /** Above, 2^subBits buckets per power of two. */
  subBits: number;
}

/** The microseconds a bucket stands for: its value when exact, else the middle of its range. */
export function bucketMidpointUs(index: number, shape: HistogramShape): number {
  if (index < shape.exact) return index;
  const per = 1 << shape.subBits;
  const top = Math.log2(shape.exact) + Math.floor((index - shape.exact) / per);
  const sub = (index - shape.exact) % per;
  const width = 2 ** (top - shape.subBits);
  const low = 2 ** top + sub * width;
  return low + width / 2;
}

/**
 * At most `max` durations standing for a histogram: each bucket's midpoint
 * as often as it counted, or, past `max` in all, in proportion (largest
 * remainders first, so the samples add up to `max`) — the request count
 * itself is kept apart, exact.
 */
export function histogramSamples(buckets: readonly HistogramBucket[], shape: HistogramShape, max: number): number[] {
  const total = buckets.reduce((sum, b) => sum + b.count, 0);
  if (total === 0 || max <= 0) return [];
  const samples: number[] = [];
  if (total <= max) {
    for (const b of buckets) for (let i = 0; i < b.count; i++) samples.push(bucketMidpointUs(b.index, shape));
    return samples;
  }
  const shares = buckets.map((b) => {
    const exact = (b.count * max) / total;
    return { bucket: b, whole: Math.floor(exact), rest: exact - Math.floor(exact) };
  });
  let left = max - shares.reduce((sum, s) => sum + s.whole, 0);
  for (const share of [...shares].sort((x, y) => y.rest - x.rest)) {
    if (left <= 0) break;
    share.whole += 1;
    left -= 1;
  }
  for (const share of shares) for (let i = 0; i < share.whole; i++) samples.push(bucketMidpointUs(share.bucket.index, shape));
  return samples;
}
