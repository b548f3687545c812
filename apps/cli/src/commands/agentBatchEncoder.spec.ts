import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { ConnectionRow } from '@weft/agent';
import { decodeNodeBatch } from '@weft/telemetry';
import { agentBatchEncoder } from './agentBatchEncoder.js';

const row: ConnectionRow = {
  ts: 1_800_000_000_999, socket_id: 'ffff8881-1', netns: 1, pid: 7, tid: 7, comm: 'nginx', cmdline: null, container_id: null, cgroup_id: '1',
  role: 'server', role_inferred: false, family: 4, saddr: '10.0.2.7', sport: 8080, daddr: '10.0.1.5', dport: 40000,
  bytes_sent: 10, bytes_received: 20, srtt_us: 30, retransmits: 0, resets_sent: 0, resets_received: 0, resets: 0,
  connect_failed: false, opened: false, closed: false,
  requests: [{ protocol: 'http1', method: 'GET', route: '/users/{n}', requests: 7, errors: 2, client_errors: 1, durations_us: [1000, 2000] }],
};

describe('agentBatchEncoder', () => {
  it('carries each row\'s requests into the batch', () => {
    const encode = agentBatchEncoder('node-b', 1000);
    const batch = decodeNodeBatch(encode([row, { ...row, socket_id: 'ffff8881-2', dport: 40001, requests: undefined }], { ts: row.ts, trafficPath: 'x', socketsTracked: 2, listeners: [] }, 1n));
    assert.deepEqual(batch.connections.map((c) => c.requests), [
      [{ protocol: 'http1', method: 'GET', route: '/users/{n}', requests: 7, errors: 2, clientErrors: 1, durationsUs: [1000, 2000] }],
      undefined,
    ]);
  });
});
