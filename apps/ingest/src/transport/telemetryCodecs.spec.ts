import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { encodeBatch } from '@weft/telemetry';
import { BatchRejected } from '../ingestTypes.js';
import { DEFAULT_MATCHER_OPTIONS } from '../matching/connectionMatcher.js';
import { MAX_INTERVAL_AHEAD_MS, decodeAgentBatch } from './telemetryCodecs.js';

const NOW = 1_796_000_000_000;

function batchEndingAt(intervalEndMs: number, tenant?: string): Uint8Array {
  return encodeBatch({ nodeId: 'node-a', agentRun: 'r', sequence: 1n, intervalEndMs, intervalMs: 1000, ...(tenant ? { tenant } : {}) }, [], []);
}

describe('decodeAgentBatch', () => {
  it('stamps the key\'s tenant, whatever the batch says', () => {
    const message = decodeAgentBatch(batchEndingAt(NOW, 'claimed'), 'tenant-a', undefined, NOW);
    assert.equal(message.tenant, 'tenant-a');
    assert.equal(message.second, NOW / 1000);
  });

  it('refuses an interval ending further ahead of the ingest\'s clock than a node may be behind before it counts as silent', () => {
    assert.ok(MAX_INTERVAL_AHEAD_MS < DEFAULT_MATCHER_OPTIONS.nodeSilenceSeconds * 1000);
    assert.equal(decodeAgentBatch(batchEndingAt(NOW + MAX_INTERVAL_AHEAD_MS), 'tenant-a', undefined, NOW).second, (NOW + MAX_INTERVAL_AHEAD_MS) / 1000);
    for (const ahead of [MAX_INTERVAL_AHEAD_MS + 1, 3_600_000, 2 ** 32 * 1000 - NOW]) {
      assert.throws(
        () => decodeAgentBatch(batchEndingAt(NOW + ahead), 'tenant-a', undefined, NOW),
        (err: unknown) => err instanceof BatchRejected && err.reason === 'future_interval' && /node node-a: interval ends \d+ s after this ingest's clock/.test(err.message),
      );
    }
    // The past is the matcher's business (late halves), not refused here.
    assert.equal(decodeAgentBatch(batchEndingAt(1_000), 'tenant-a', undefined, NOW).second, 1);
  });
});
