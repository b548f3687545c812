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
 * Agent batch bytes to halves of `tenant`, the tenant of the key that sent them: a tenant
 * written in the batch itself is ignored (an agent does not choose its tenant). A bad batch
 * becomes a BatchRejected with the decoder's reason.
 */
export function decodeAgentBatch(bytes: Uint8Array, tenant: string, limits?: DecodeLimits): HalvesMessage {
  try {
    return halvesMessageOf(decodeNodeBatch(bytes, limits), tenant);
  } catch (err) {
    if (err instanceof TelemetryDecodeError) throw new BatchRejected(err.reason, err.message, { cause: err });
    throw err;
  }
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
