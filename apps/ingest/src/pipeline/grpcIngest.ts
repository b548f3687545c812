import { AuthUnavailable, type IngestAuthenticator } from '../auth/ingestAuth.js';
import { BatchRejected, type HalvesMessage } from '../ingestTypes.js';
import type { IngestMetrics } from '../metrics/ingestMetrics.js';
import { stderrLog } from '../store/writeErrors.js';
import { decodeAgentBatch, intervalOf } from '../transport/telemetryCodecs.js';
import { startTelemetryGrpcServer, type BatchHandler, type GrpcServerTls, type TelemetryGrpcServer } from '../transport/telemetryGrpcServer.js';
import { BatchNotStored, type IngestPipeline } from './ingestPipeline.js';

/**
 * Agent batches (bytes, of the tenant their key authenticated as) into the
 * embedded pipeline, decoded and checked exactly as on Kafka. Acknowledged
 * once the rows they contributed are stored: a malformed batch is counted
 * and refused (BatchRejected, never sent again); a batch whose rows could
 * not be stored is counted and fails with a retryable error, and the agent,
 * which keeps it until acknowledged, sends it again.
 */
export function pipelineBatchHandler(
  pipeline: IngestPipeline,
  metrics: IngestMetrics,
  decode: (bytes: Uint8Array, tenant: string) => HalvesMessage = (bytes, tenant) => decodeAgentBatch(bytes, tenant),
): BatchHandler {
  return async (bytes, tenant) => {
    let message: HalvesMessage;
    try {
      message = decode(bytes, tenant);
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

export interface PipelineGrpcServerOptions {
  /** Whose batches these are: each stream's key, which needs the ingest scope. */
  authenticator: IngestAuthenticator;
  /** TLS (mutual TLS when it has a client CA); absent: plaintext. */
  tls?: GrpcServerTls;
  /** Where the one line per kind of fault or refusal goes (default stderr). */
  log?: (line: string) => void;
}

/**
 * The gRPC ingest over an embedded pipeline (what `weft ingest --grpc-listen`
 * and `weft up --grpc-listen` run). Refused keys and faults are counted, and
 * logged once per kind.
 */
export function startPipelineGrpcServer(host: string, port: number, pipeline: IngestPipeline, metrics: IngestMetrics, options: PipelineGrpcServerOptions): Promise<TelemetryGrpcServer> {
  const log = options.log ?? stderrLog;
  const logged = new Set<string>();
  const once = (kind: string, line: string): void => {
    if (logged.has(kind)) return;
    logged.add(kind);
    log(line);
  };
  return startTelemetryGrpcServer(host, port, pipelineBatchHandler(pipeline, metrics), {
    authenticator: options.authenticator,
    ...(options.tls ? { tls: options.tls } : {}),
    onAuthRefused: (reason) => {
      metrics.authRefused.inc({ transport: 'grpc', reason });
      once(`refused:${reason}`, `gRPC: an agent's stream was refused (${reason}); nothing of it is stored. Further refusals are counted in weft_ingest_auth_refused_total{transport="grpc",reason="${reason}"}`);
    },
    // Once per kind, like write errors: the count is in weft_ingest_batches_failed_total.
    onFault: (err) => {
      const reason = err instanceof BatchNotStored || err instanceof AuthUnavailable ? err.reason : 'internal';
      if (err instanceof AuthUnavailable) {
        metrics.authErrors.inc({ transport: 'grpc' });
        metrics.batchesFailed.inc({ reason });
      }
      once(`fault:${reason}`, `gRPC: a batch was not stored (${err.message}); its agent sends it again. Further such faults are counted in weft_ingest_batches_failed_total{reason="${reason}"}`);
    },
  });
}
