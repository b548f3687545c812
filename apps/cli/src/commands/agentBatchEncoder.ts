import { randomUUID } from 'node:crypto';
import { AgentBatchEncoder } from '@weft/telemetry';
import type { BatchEncoder } from '@weft/agent';

/** The agent's side of the transports: rows to telemetry batches, numbered per run. */
export function agentBatchEncoder(nodeId: string, intervalMs: number): BatchEncoder {
  const encoder = new AgentBatchEncoder(nodeId, randomUUID());
  return (rows, summary) => encoder.encode(rows, summary.listeners, summary.ts, intervalMs);
}
