import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The ingest's own counters, served at /metrics. */
export class IngestMetrics {
  readonly registry = new Registry();
  readonly batchesIn = new Counter({ name: 'weft_ingest_batches_total', help: 'Agent batches received', registers: [this.registry] });
  readonly batchesRejected = new Counter({ name: 'weft_ingest_batches_rejected_total', help: 'Agent batches rejected as malformed or oversized, by reason', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly authRefused = new Counter({ name: 'weft_ingest_auth_refused_total', help: 'Agent streams (gRPC) and messages (Kafka) refused for their API key, by transport and reason (missing_key, unknown_key, no_ingest_scope)', labelNames: ['transport', 'reason'] as const, registers: [this.registry] });
  readonly authErrors = new Counter({ name: 'weft_ingest_auth_errors_total', help: 'API key checks that could not be answered (the control store failed), by transport; the batches are retried', labelNames: ['transport'] as const, registers: [this.registry] });
  readonly halvesIn = new Counter({ name: 'weft_ingest_halves_total', help: 'Connection halves decoded (one connection end, one interval)', registers: [this.registry] });
  readonly halvesDropped = new Counter({ name: 'weft_ingest_halves_dropped_total', help: 'Connection halves dropped because the matcher was full', registers: [this.registry] });
  readonly matched = new Counter({ name: 'weft_ingest_halves_matched_total', help: 'Halves released with their peer half known', registers: [this.registry] });
  readonly unmatched = new Counter({ name: 'weft_ingest_halves_unmatched_total', help: 'Halves released without a peer half (external peer or no agent there)', registers: [this.registry] });
  readonly connectionsEvicted = new Counter({ name: 'weft_ingest_connections_evicted_total', help: 'Connection states forgotten because the matcher was full', registers: [this.registry] });
  readonly connectionsTracked = new Gauge({ name: 'weft_ingest_connections_tracked', help: 'Connections the matcher holds state for', registers: [this.registry] });
  readonly pendingHalves = new Gauge({ name: 'weft_ingest_pending_halves', help: 'Halves waiting for their matching window', registers: [this.registry] });
  readonly requestDurationsDropped = new Counter({ name: 'weft_ingest_request_durations_dropped_total', help: 'Request durations left out of a route\'s second that already held its bound of samples (its request count stays whole)', registers: [this.registry] });
  readonly routesFolded = new Counter({ name: 'weft_ingest_routes_folded_total', help: 'Request groups counted under the {other} route because their edge second already held its bound of routes (their requests stay counted)', registers: [this.registry] });
  readonly rowsWritten = new Counter({ name: 'weft_ingest_rows_written_total', help: 'Edge rows written to the store', registers: [this.registry] });
  readonly rowsDropped = new Counter({ name: 'weft_ingest_rows_dropped_total', help: 'Edge rows dropped because writes could not keep up', registers: [this.registry] });
  readonly writeErrors = new Counter({ name: 'weft_ingest_write_errors_total', help: 'Failed store write attempts, by reason (timeout, connection_refused, a ClickHouse error name, invalid_rows, other)', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly lastWrite = new Gauge({ name: 'weft_ingest_last_write_timestamp_seconds', help: 'When the last store write succeeded (unix seconds; 0 before the first)', registers: [this.registry] });
  readonly batchesFailed = new Counter({ name: 'weft_ingest_batches_failed_total', help: 'Agent batches answered with a retryable error (the agent keeps them and sends them again), by reason', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly batchesDuplicate = new Counter({ name: 'weft_ingest_batches_duplicate_total', help: 'Agent batches received again (a retry of one already taken) and not counted again', registers: [this.registry] });
  readonly partitionAssignFailures = new Counter({ name: 'weft_ingest_partition_assign_failures_total', help: 'Failed attempts to take a partition assignment (committed offsets not fetched); retried with backoff, then the match stage is rebuilt', registers: [this.registry] });
  readonly writeSeconds = new Histogram({ name: 'weft_ingest_write_seconds', help: 'Latency of one store write', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry] });
  readonly stageRestarts = new Counter({ name: 'weft_ingest_stage_restarts_total', help: 'Kafka stages rebuilt after their consumer stopped on an error kafkajs does not retry', labelNames: ['stage'] as const, registers: [this.registry] });
  readonly partitionsReplayed = new Counter({ name: 'weft_ingest_partitions_replayed_total', help: 'Partitions whose matching state was dropped and rebuilt from the committed offset although this process kept them', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly consumerLag = new Gauge({ name: 'weft_ingest_consumer_lag_messages', help: 'Messages behind the end of the partition after the last batch consumed, by stage and partition', labelNames: ['stage', 'partition'] as const, registers: [this.registry] });
  readonly lagSeconds = new Gauge({ name: 'weft_ingest_lag_seconds', help: 'Age of the newest second written, against the wall clock', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
