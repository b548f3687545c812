import { BatchRejected, type HalvesMessage } from '../ingestTypes.js';
import type { IngestMetrics } from '../metrics/ingestMetrics.js';
import { stderrLog } from '../store/writeErrors.js';
import { decodeAgentBatch, intervalOf } from '../transport/telemetryCodecs.js';
import { startTelemetryGrpcServer, type BatchHandler, type GrpcServerTls, type TelemetryGrpcServer } from '../transport/telemetryGrpcServer.js';
import { BatchNotStored, type IngestPipeline } from './ingestPipeline.js';

/**
 * Agent batches (bytes) into the embedded pipeline, decoded and checked
 * exactly as on Kafka. Acknowledged once the rows they contributed are
 * stored: a malformed batch is counted and refused (BatchRejected, never
 * sent again); a batch whose rows could not be stored is counted and fails
 * with a retryable error, and the agent, which keeps it until acknowledged,
 * sends it again.
 */
export function pipelineBatchHandler(pipeline: IngestPipeline, metrics: IngestMetrics, decode: (bytes: Uint8Array) => HalvesMessage = (bytes) => decodeAgentBatch(bytes)): BatchHandler {
  return async (bytes) => {
    let message: HalvesMessage;
    try {
      message = decode(bytes);
    } catch (err) {
      const rejected = err instanceof BatchRejected ? err : new BatchRejected('malformed', (err as Error).message, { cause: err });
      metrics.batchesRejected.inc({ reason: rejected.reason });
      throw rejected;
    }
    // Taken synchronously, before the first await: a later batch must not
    // overtake it, and it may be what releases earlier ones.
    const stored = pipeline.submit(intervalOf(message), message);
    try {
      await stored;
    } catch (err) {
      if (err instanceof BatchRejected) metrics.batchesRejected.inc({ reason: err.reason });
      else metrics.batchesFailed.inc({ reason: err instanceof BatchNotStored ? err.reason : 'internal' });
      throw err;
    }
    return { sequence: message.sequence };
  };
}

/**
 * The gRPC ingest over an embedded pipeline (what `weft ingest --grpc-listen`
 * and `weft up --grpc-listen` run); with `tls`, over TLS (mutual TLS when it
 * has a client CA).
 */
export function startPipelineGrpcServer(
  host: string,
  port: number,
  pipeline: IngestPipeline,
  metrics: IngestMetrics,
  log: (line: string) => void = stderrLog,
  tls?: GrpcServerTls,
): Promise<TelemetryGrpcServer> {
  const logged = new Set<string>();
  return startTelemetryGrpcServer(host, port, pipelineBatchHandler(pipeline, metrics), {
    ...(tls ? { tls } : {}),
    // Once per kind, like write errors: the count is in weft_ingest_batches_failed_total.
    onFault: (err) => {
      const reason = err instanceof BatchNotStored ? err.reason : 'internal';
      if (logged.has(reason)) return;
      logged.add(reason);
      log(`gRPC: a batch was not stored (${err.message}); its agent sends it again. Further such faults are counted in weft_ingest_batches_failed_total{reason="${reason}"}`);
    },
  });
}
