import type { EdgeRow, NodeInterval } from '../ingestTypes.js';
import { ConnectionMatcher, DEFAULT_MATCHER_OPTIONS, type ConnectionMatcherOptions } from '../matching/connectionMatcher.js';
import type { EndpointNamer } from '../naming/endpointNamer.js';
import { PipelineCore } from './pipelineCore.js';

/** One input message of a partition: one node's halves of one interval, in partition order. */
export interface PartitionMessage {
  offset: bigint;
  /** The agent run and its batch number: a repeated (node, run, sequence) is a duplicate. */
  agentRun: string;
  sequence: bigint;
  interval: NodeInterval;
}

/**
 * Rows to write, from the messages at offsets [fromOffset, toOffset]: once
 * written, the consumer may commit toOffset + 1. `dedupToken` names the range,
 * so a replay that writes the same range again is dropped by the store.
 */
export interface RowBlock {
  fromOffset: bigint;
  toOffset: bigint;
  dedupToken: string;
  rows: EdgeRow[];
}

export interface PartitionProcessorOptions {
  matcher: ConnectionMatcherOptions;
  /** Prefix of the dedup tokens (topic and partition). */
  tokenPrefix: string;
}

/**
 * Matching and aggregation for one partition of connection halves, made
 * deterministic so that exactly-once survives crashes and rebalances:
 * - the matcher runs on event time only, so the same messages in the same
 *   order release the same halves at the same messages;
 * - a block ends exactly at the messages where the matcher's watermark
 *   advances, so a replay cuts the same offset ranges, and a block's token
 *   is its range;
 * - after a restart the consumer replays a stretch before its committed
 *   offset in warm-up (state rebuilt, rows discarded) so that matching at
 *   the committed offset sees what it saw the first time.
 * The store drops a block whose token it has already written, so a block
 * written before a crash but not committed is not counted twice.
 */
export class PartitionProcessor {
  private readonly core: PipelineCore;
  private blockStart: bigint | null = null;
  /** Latest sequence per (tenant, node, agent run): duplicates from retried produces are skipped. */
  private readonly sequences = new Map<string, bigint>();
  duplicates = 0;

  constructor(
    namer: EndpointNamer,
    private readonly options: PartitionProcessorOptions = { matcher: DEFAULT_MATCHER_OPTIONS, tokenPrefix: '' },
  ) {
    this.core = new PipelineCore(new ConnectionMatcher(options.matcher), namer);
  }

  get counters(): ConnectionMatcher['counters'] {
    return this.core.matcher.counters;
  }

  get aggregatorCounters(): PipelineCore['aggregatorCounters'] {
    return this.core.aggregatorCounters;
  }

  /**
   * Takes the next message. Returns a block when this message closed one.
   * In warm-up the state advances the same way but no block is returned.
   */
  handle(message: PartitionMessage, warmUp = false): RowBlock | null {
    this.blockStart ??= message.offset;
    const { interval } = message;
    const runKey = `${interval.tenant}\u0000${interval.nodeId}\u0000${message.agentRun}`;
    const seen = this.sequences.get(runKey);
    if (seen !== undefined && message.sequence <= seen) {
      this.duplicates++;
    } else {
      this.sequences.set(runKey, message.sequence);
      if (this.sequences.size > 100_000) this.sequences.delete(this.sequences.keys().next().value ?? '');
      this.core.add(interval);
    }
    if (!this.core.watermarkAdvanced()) return null;
    const rows = this.core.releaseRows();
    const block: RowBlock = {
      fromOffset: this.blockStart,
      toOffset: message.offset,
      dedupToken: `${this.options.tokenPrefix}${this.blockStart}-${message.offset}`,
      rows,
    };
    this.blockStart = null;
    return warmUp ? null : block;
  }

  /** After a warm-up: the next block starts at this offset whatever came before. */
  startBlockAt(offset: bigint): void {
    this.blockStart = offset;
  }
}
