import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { AgentBatchEncoder, encodeBatch } from '@weft/telemetry';
import { BatchRejected } from '../ingestTypes.js';
import { DEFAULT_MATCHER_OPTIONS } from '../matching/connectionMatcher.js';
import { halfFromAgentRow, type AgentRowLike } from './agentRowInterval.js';
import { MAX_INTERVAL_AHEAD_MS, decodeAgentBatch, nodeBatchHalvesCodec } from './telemetryCodecs.js';

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

describe('requests on the halves', () => {
  const row = (overrides: Partial<AgentRowLike> = {}): AgentRowLike => ({
    ts: NOW, socket_id: 'k1', netns: 1, pid: 7, comm: 'nginx', cmdline: null, container_id: null, cgroup_id: '1', role: 'server', role_inferred: false,
    saddr: '10.0.2.7', sport: 8080, daddr: '10.0.1.5', dport: 40000, bytes_sent: 1, bytes_received: 2, srtt_us: 3, retransmits: 0, resets_sent: 0, resets_received: 0,
    connect_failed: false, opened: false, closed: false, ...overrides,
  });
  const requests = [
    { protocol: 'http1' as const, method: 'GET', route: '/users/{n}', requests: 7, errors: 2, client_errors: 1, durations_us: [1000, 2000, 3000] },
    { protocol: 'http1' as const, method: 'POST', route: '/orders', requests: 1, errors: 0, client_errors: 0, durations_us: [] },
  ];
  const expected = [
    { protocol: 'http1', method: 'GET', route: '/users/{n}', requests: 7, errors: 2, clientErrors: 1, durationsUs: [1000, 2000, 3000] },
    { protocol: 'http1', method: 'POST', route: '/orders', requests: 1, errors: 0, clientErrors: 0, durationsUs: [] },
  ];

  it('an agent batch\'s requests reach the halves, survive the halves topic, and match the in-process path', () => {
    const bytes = new AgentBatchEncoder('node-b', 'run').encode([row({ requests }), row({ socket_id: 'k2', dport: 40001 })], [], NOW, 1000);
    const message = decodeAgentBatch(bytes, 'tenant-a', undefined, NOW);
    assert.deepEqual(message.halves.map((h) => h.requests), [expected, undefined]);
    const relayed = nodeBatchHalvesCodec.decode(nodeBatchHalvesCodec.encode(message));
    assert.deepEqual(relayed.halves.map((h) => h.requests), [expected, undefined], 'the halves topic carries them');
    // `weft up` (agent rows in process, no batch) yields the same samples.
    assert.deepEqual(halfFromAgentRow('node-b', row({ requests })).requests, expected);
    assert.equal(halfFromAgentRow('node-b', row({ requests: [] })).requests, undefined);
  });
});
