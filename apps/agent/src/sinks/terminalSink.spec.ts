import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { ConnectionRow } from '../connections/connectionRow.js';
import { formatRate, formatRtt, renderTable } from './terminalSink.js';

const row = (sport: number, sent: number, extra: Partial<ConnectionRow> = {}): ConnectionRow => ({
  ts: 0, socket_id: String(sport), netns: 1, pid: 42, tid: 42, comm: 'curl', cmdline: null, container_id: null,
  cgroup_id: '1', role: 'client', role_inferred: false, family: 4, saddr: '127.0.0.1', sport, daddr: '127.0.0.1',
  dport: 80, bytes_sent: sent, bytes_received: 0, srtt_us: 1500, retransmits: 0, resets_sent: 0,
  resets_received: 0, resets: 0, connect_failed: false, opened: false, closed: false, ...extra,
});

describe('terminal view', () => {
  it('formats rates and RTTs for people', () => {
    assert.equal(formatRate(999), '999B');
    assert.equal(formatRate(1500), '1.5KB');
    assert.equal(formatRate(250_000_000), '250MB');
    assert.equal(formatRtt(0), '-');
    assert.equal(formatRtt(1500), '1.50ms');
    assert.equal(formatRtt(21_000), '21ms');
  });

  it('sorts by traffic, shows NAT and caps the rows', () => {
    const rows = [row(1000, 10), row(2000, 5000, { nat_daddr: '198.18.2.2', nat_dport: 8080 }), row(3000, 300)];
    const text = renderTable(rows, { ts: 0, trafficPath: 'tracepoint', socketsTracked: 3, listeners: [] }, 1000, 2);
    const body = text.split('\n').slice(3, 5);
    assert.match(body[0] ?? '', /^127\.0\.0\.1:2000 .*198\.18\.2\.2:8080\*/);
    assert.match(body[1] ?? '', /^127\.0\.0\.1:3000 /);
    assert.match(text, /… 1 more/);
    assert.match(text, /path: tracepoint/);
  });

  it('shows requests per second and errors of a connection that had requests', () => {
    const group = { protocol: 'http1' as const, method: 'GET', route: '/a', durations_us: [] };
    const rows = [
      row(1000, 900, { requests: [{ ...group, requests: 8, errors: 1, client_errors: 2 }, { ...group, route: '/b', requests: 2, errors: 2, client_errors: 0 }] }),
      row(2000, 10),
    ];
    // A 2 s interval: 10 requests are 5 per second.
    const lines = renderTable(rows, { ts: 0, trafficPath: 'counters', socketsTracked: 2, listeners: [] }, 2000, 5).split('\n');
    assert.match(lines[2] ?? '', /REQ\/s +ERR/);
    assert.match(lines[3] ?? '', /:1000 .* 5 +3\s*$/);
    assert.match(lines[4] ?? '', /:2000 .* - +-\s*$/);
  });
});
