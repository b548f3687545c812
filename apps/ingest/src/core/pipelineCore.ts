import { EdgeAggregator, type AggregatorCounters } from '../aggregation/edgeAggregator.js';
import type { EdgeRow, NodeInterval } from '../ingestTypes.js';
import type { ConnectionMatcher } from '../matching/connectionMatcher.js';
import type { EndpointNamer } from '../naming/endpointNamer.js';

/**
 * The one implementation of matching and aggregation that both ingest paths
 * run: the embedded pipeline (IngestPipeline, for `weft up` and gRPC) and
 * each Kafka partition (PartitionProcessor). Halves go in; when the slowest
 * node's watermark moves on, what the matcher is done waiting for is
 * released, summed into edge rows and taken out. Writing the rows, and when,
 * is the caller's business.
 */
export class PipelineCore {
  private readonly aggregator: EdgeAggregator;
  private lastMark: number | null = null;

  constructor(
    readonly matcher: ConnectionMatcher,
    namer: EndpointNamer,
  ) {
    this.aggregator = new EdgeAggregator(namer);
  }

  /** One node's interval (an empty one still advances that node's clock). */
  add(interval: NodeInterval): void {
    this.matcher.add(interval.tenant, interval.nodeId, interval.second, interval.halves);
  }

  /**
   * Whether the watermark has moved past the last one seen here; if so, a
   * release is due. Release at that moment rather than at a timer tick: that
   * second is event-to-queryable latency, and on Kafka it is what makes a
   * replay cut the same blocks.
   */
  watermarkAdvanced(): boolean {
    const mark = this.matcher.watermark();
    if (mark === null || (this.lastMark !== null && mark <= this.lastMark)) return false;
    this.lastMark = mark;
    return true;
  }

  /** Releases what the matcher is done with (everything with `flush`) and hands over the rows it sums to. */
  releaseRows(flush = false): EdgeRow[] {
    this.matcher.releaseEach((sample) => this.aggregator.addSample(sample), flush);
    return this.aggregator.take();
  }

  /** What the aggregation dropped (counts since the start). */
  get aggregatorCounters(): Readonly<AggregatorCounters> {
    return this.aggregator.counters;
  }

  /** Every half of an event second up to this one has been released into rows already taken. */
  get releasedThrough(): number {
    return this.matcher.releasedThrough;
  }
}
