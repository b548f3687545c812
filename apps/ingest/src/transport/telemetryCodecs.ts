import { decodeNodeBatch, encodeBatch, TelemetryDecodeError, type DecodeLimits, type DecodedBatch } from '@weft/telemetry';
import { BatchRejected, type ConnectionHalf, type HalvesCodec, type HalvesMessage, type ListenerReport, type NodeInterval } from '../ingestTypes.js';

/** A decoded batch as halves of `tenant` (a ConnectionSample is a ConnectionHalf). */
export function halvesMessageOf(batch: DecodedBatch, tenant: string): HalvesMessage {
  const halves: ConnectionHalf[] = batch.connections;
  const listeners: ListenerReport[] = batch.listeners;
  return { tenant, nodeId: batch.nodeId, agentRun: batch.agentRun, sequence: batch.sequence, second: Math.floor(batch.intervalEndMs / 1000), halves, listeners };
}

export function intervalOf(message: HalvesMessage): NodeInterval {
  return { tenant: message.tenant, nodeId: message.nodeId, second: message.second, halves: message.halves, listeners: message.listeners };
}

/**
 * How far after the ingest's clock an agent's interval may end. The matcher judges a node silent
 * once it is 60 s (nodeSilenceSeconds) behind the newest second any node reported, so one batch
 * from further ahead, from any tenant's agent, would make every other node look silent and release
 * their halves unmatched (and a second past 2^32 could not be stored). Agents keep NTP time; 30 s
 * leaves room for a skewed clock and stays well inside the silence limit.
 */
export const MAX_INTERVAL_AHEAD_MS = 30_000;

/**
 * Agent batch bytes to halves of `tenant`, the tenant of the key that sent them: a tenant
 * written in the batch itself is ignored (an agent does not choose its tenant). A bad batch
 * becomes a BatchRejected with the decoder's reason, an interval ending more than
 * MAX_INTERVAL_AHEAD_MS after `nowMs` one with reason `future_interval`.
 */
export function decodeAgentBatch(bytes: Uint8Array, tenant: string, limits?: DecodeLimits, nowMs = Date.now()): HalvesMessage {
  let batch: DecodedBatch;
  try {
    batch = decodeNodeBatch(bytes, limits);
  } catch (err) {
    if (err instanceof TelemetryDecodeError) throw new BatchRejected(err.reason, err.message, { cause: err });
    throw err;
  }
  if (batch.intervalEndMs > nowMs + MAX_INTERVAL_AHEAD_MS) {
    const ahead = ((batch.intervalEndMs - nowMs) / 1000).toFixed(0);
    throw new BatchRejected(
      'future_interval',
      `node ${batch.nodeId}: interval ends ${ahead} s after this ingest's clock (at most ${MAX_INTERVAL_AHEAD_MS / 1000} s allowed): check the node's clock`,
    );
  }
  return halvesMessageOf(batch, tenant);
}

/**
 * The halves topic carries the same NodeBatch layout: a subset of one agent
 * batch's connections (those of one partition) with the batch's header and
 * the tenant the decode stage stamped.
 */
export const nodeBatchHalvesCodec: HalvesCodec = {
  encode(message: HalvesMessage): Uint8Array {
    return encodeBatch(
      { nodeId: message.nodeId, agentRun: message.agentRun, sequence: message.sequence, intervalEndMs: message.halves[0]?.tsMs ?? message.second * 1000, intervalMs: 1000, tenant: message.tenant },
      message.halves.map((half) => ({ ...half, socketNumber: Number(half.socketId.slice(half.socketId.lastIndexOf('/') + 1)) })),
      message.listeners,
    );
  },
  decode(value: Uint8Array): HalvesMessage {
    const batch = decodeNodeBatch(value);
    if (!batch.tenant) throw new BatchRejected('missing_tenant', 'a halves message without a tenant (written by an ingest that did not authenticate its agents)');
    return halvesMessageOf(batch, batch.tenant);
  },
};
