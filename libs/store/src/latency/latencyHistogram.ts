/**
 * Latency as a log-bucketed histogram (a Map(UInt16, UInt64) of bucket -> samples) with the
 * exact minimum and maximum beside it: what every table stores for srtt and request duration,
 * and how a query turns the merged histogram into p50/p95/p99.
 *
 * Why not ClickHouse's quantile states: a query over a window merges one state per pair and
 * bucket (1.2 million for an hour of 20,000 pairs), and deserializing and merging those is what
 * costs. Measured on chdb 26.7, 1.2 million rows grouped into 20,000 edges:
 * quantilesTDigestMerge 2.7 s, quantilesDDMerge 2.4 s, sumForEachMerge 0.45 s, sumMap 0.28 s.
 *
 * Dense and sparse: the raw tables (edges_1s, service_edges_1s: the 1 s tier, by far the most
 * rows) keep a histogram sparse, only the buckets that have samples. Every coarser rollup keeps it
 * dense: every bucket from 0 to the highest, zeros included (its view densifies what it sums;
 * sumMap over Maps keeps zero entries, so background merges keep it dense). A query reads each
 * piece's bucket counts as a plain Array(UInt64) indexed by bucket (the 1 s pieces densified on
 * the fly) and merges them with sumForEach, an array sum. sumMap keeps a std::map of Fields per
 * group: for a 20,000-edge map it cost twice the dense sum (bench/query), most of the statement.
 * Dense costs storage where samples are few per row, which is why the 1 s tier stays sparse.
 *
 * Buckets: 8 per octave (bucket k >= 1 holds [2^((k-1)/8), 2^(k/8)) microseconds, a width of
 * 9%; bucket 0 holds 0), up to 2^32 us. 16 per octave doubled the entries per row and the map
 * query's time on bench/query; 4 per octave is too coarse.
 * A quantile is interpolated linearly inside its bucket, whose bounds are first narrowed to the
 * exact minimum and maximum: samples all equal give that value exactly, and no quantile lies
 * outside what was seen.
 */

export const BUCKETS_PER_OCTAVE = 8;

/** The ClickHouse type of a histogram column (keys up to 8 * 32, more than a UInt8 holds). */
export const HISTOGRAM_TYPE = 'Map(UInt16, UInt64)';

/** The minimum of no samples (what min() over rows without samples leaves): no value. */
export const NO_MINIMUM = 0xffffffff;

/** SQL: the histogram (Map(UInt16, UInt64)) of an Array(UInt32) of samples in microseconds. */
export function histogramOfSamplesSql(samples: string): string {
  const keys = `arrayMap(v -> toUInt16(if(v < 1, 0, floor(${BUCKETS_PER_OCTAVE} * log2(v)) + 1)), ${samples})`;
  const ones = `arrayMap(v -> toUInt64(1), ${samples})`;
  // sumMap over one row of (keys, ones): the sorted distinct buckets and their counts.
  return `mapFromArrays(arrayReduce('sumMap', [${keys}], [${ones}]).1, arrayReduce('sumMap', [${keys}], [${ones}]).2)`;
}

/**
 * SQL: a histogram Map with every bucket from 0 to its highest present (zeros filled in), what the
 * rollups store. mapPopulateSeries fills from the lowest key, so a map without bucket 0 gets one
 * first (it keeps the first of duplicate keys, so bucket 0 is only added where absent).
 */
export function denseHistogramSql(histogram: string): string {
  const withZero = `mapFromArrays(arrayConcat([toUInt16(0)], mapKeys(${histogram})), arrayConcat([toUInt64(0)], mapValues(${histogram})))`;
  return `mapPopulateSeries(if(empty(${histogram}) OR mapContains(${histogram}, 0), ${histogram}, ${withZero}))`;
}

/** SQL: the minimum of an Array(UInt32) of samples, NO_MINIMUM for none. */
export function minimumOfSamplesSql(samples: string): string {
  return `if(empty(${samples}), ${NO_MINIMUM}, arrayMin(${samples}))`;
}

/** SQL: the maximum of an Array(UInt32) of samples, 0 for none. */
export function maximumOfSamplesSql(samples: string): string {
  return `if(empty(${samples}), 0, arrayMax(${samples}))`;
}

/** The bucket of a sample in microseconds: what histogramOfSamplesSql computes in SQL. */
export function bucketOf(microseconds: number): number {
  return microseconds < 1 ? 0 : Math.floor(BUCKETS_PER_OCTAVE * Math.log2(microseconds)) + 1;
}

/** The latencies every table keeps, each as <name>_histogram, <name>_min_us, <name>_max_us. */
export const LATENCIES = ['rtt', 'request_duration'] as const;
export type Latency = (typeof LATENCIES)[number];

/** A latency's three stored columns. */
export function latencyColumnNames(latency: Latency): [string, string, string] {
  return [`${latency}_histogram`, `${latency}_min_us`, `${latency}_max_us`];
}

/**
 * SQL: what a window piece selects of a latency: its bucket counts as a dense Array(UInt64)
 * (<name>_counts) and its minimum and maximum. `sparse` for a piece of the 1 s tier, whose
 * histograms are stored sparse; `histogram` names the Map where it is not the stored column (a
 * route's tuple element).
 */
export function latencyPieceSql(latency: Latency, sparse: boolean, source: { histogram?: string; minimum?: string; maximum?: string } = {}): string {
  const [histogram, minimum, maximum] = latencyColumnNames(latency);
  const map = source.histogram ?? histogram;
  const counts = sparse ? `mapValues(${denseHistogramSql(map)})` : `mapValues(${map})`;
  return `${counts} AS ${latency}_counts, ${source.minimum ?? minimum} AS ${minimum}, ${source.maximum ?? maximum} AS ${maximum}`;
}

/**
 * SQL: a latency's bucket counts summed over a GROUP BY. The -If skips pieces without samples:
 * sumForEach still walks an empty array per row (most rows carry no request duration), and
 * skipping them cut bench/query's 1 h map by about 40 ms of 280; the sums are the same.
 */
function summedCountsSql(latency: Latency): string {
  return `sumForEachIf(${latency}_counts, notEmpty(${latency}_counts))`;
}

/** SQL: a latency's piece columns merged over a GROUP BY (summed counts, min, max), under their own names. */
export function mergedLatencySql(latency: Latency): string {
  const [, minimum, maximum] = latencyColumnNames(latency);
  return `${summedCountsSql(latency)} AS ${latency}_counts, min(${minimum}) AS ${minimum}, max(${maximum}) AS ${maximum}`;
}

/** SQL: a latency's p50, p95, p99 over a GROUP BY (histogramQuantilesSql of its merged piece columns). */
export function latencyQuantilesSql(latency: Latency): string {
  const [, minimum, maximum] = latencyColumnNames(latency);
  return histogramQuantilesSql(summedCountsSql(latency), `min(${minimum})`, `max(${maximum})`);
}

/** The quantiles every query reports. */
export const QUANTILES = [0.5, 0.95, 0.99] as const;

/**
 * SQL: p50, p95 and p99 (Array(Nullable(Float64)), whole microseconds; nulls without samples) of
 * merged dense bucket counts (Array(UInt64), element i is bucket i - 1) and their minimum and
 * maximum, e.g. of `sumForEach(rtt_counts)`, `min(rtt_min_us)`, `max(rtt_max_us)` (an aggregate
 * is computed once however often it is named). The quantile's bucket is the first whose running
 * count reaches q * total; the value is interpolated linearly across the bucket, its bounds first
 * narrowed to [minimum, maximum]. Computed in the query, so that a map of 20,000 edges returns 3
 * numbers per latency rather than its histogram. Lambda variables are w-prefixed so as not to
 * shadow a table alias.
 */
export function histogramQuantilesSql(counts: string, minimum: string, maximum: string): string {
  const total = `arraySum(${counts})`;
  const running = `arrayCumSum(${counts})`;
  const target = `(wq * ${total})`;
  const key = `(wi - 1)`;
  const count = `${counts}[wi]`;
  const before = `(${running}[wi] - ${count})`;
  const low = `greatest(if(${key} = 0, 0, exp2((${key} - 1) / ${BUCKETS_PER_OCTAVE})), ${minimum})`;
  const high = `least(if(${key} = 0, 0, exp2(${key} / ${BUCKETS_PER_OCTAVE})), ${maximum})`;
  const value = `if(${high} <= ${low}, ${low}, ${low} + (${high} - ${low}) * (${target} - ${before}) / ${count})`;
  // arrayMap over a one-element array binds wi, the bucket's index, once per quantile.
  const bucket = `arrayFirstIndex(wc -> wc >= ${target}, ${running})`;
  return `arrayMap(wq -> if(${total} = 0, NULL, round(arrayMap(wi -> ${value}, [${bucket}])[1])), [${QUANTILES.join(', ')}])`;
}

/** Banker's rounding, as ClickHouse's round() of a Float64 (a half to the even neighbour). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * histogramQuantilesSql in TypeScript, for a query that returns few edges with their merged
 * bucket counts (a neighbourhood): the same buckets, the same narrowing to [minimum, maximum], the
 * same interpolation and rounding. In the SQL, the quantile expressions are most of what the
 * engine spends analysing the statement (bench/query: 32 ms of a 2-hop neighbourhood's 80 ms
 * edges statement with no row read), a cost paid per statement whatever it returns.
 */
export function quantilesOfCounts(counts: readonly number[], minimum: number, maximum: number): Array<number | null> {
  let total = 0;
  for (const c of counts) total += c;
  return QUANTILES.map((q) => {
    if (total === 0) return null;
    const target = q * total;
    let running = 0;
    let index = 0;
    for (; index < counts.length; index++) {
      running += counts[index]!;
      if (running >= target) break;
    }
    if (index === counts.length) index = counts.length - 1;
    const count = counts[index]!;
    const before = running - count;
    const key = index;
    const low = Math.max(key === 0 ? 0 : 2 ** ((key - 1) / BUCKETS_PER_OCTAVE), minimum);
    const high = Math.min(key === 0 ? 0 : 2 ** (key / BUCKETS_PER_OCTAVE), maximum);
    const value = high <= low ? low : low + ((high - low) * (target - before)) / count;
    return roundHalfEven(value);
  });
}
