import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { KernelEvent, SocketRecord } from '../kernel/socketRecord.js';
import { ConnectionTracker } from './connectionTracker.js';

function socket(id: string, overrides: Partial<SocketRecord> = {}): SocketRecord {
  return {
    id,
    bytesSent: 0,
    bytesReceived: 0,
    cgroupId: 1n,
    srttUs: 50,
    retransmits: 0,
    resetsSent: 0,
    resetsReceived: 0,
    tgid: 10,
    tid: 10,
    netns: 4026531840,
    family: 4,
    saddr: '198.18.0.1',
    sport: 40000,
    daddr: '198.18.0.2',
    dport: 80,
    role: 'client',
    connectFailed: false,
    established: true,
    seenOpen: true,
    state: 1,
    comm: 'curl',
    ...overrides,
  };
}

const close = (record: SocketRecord): KernelEvent => ({ type: 'close', tsNs: 1n, socket: record });

describe('ConnectionTracker', () => {
  it('reports per-interval deltas that add up to the totals', () => {
    const tracker = new ConnectionTracker();
    const sent = [100, 250, 250, 1000];
    const deltas = sent.map((total) => tracker.advance([], [socket('a', { bytesSent: total, bytesReceived: total * 2 })]));
    assert.deepEqual(deltas.map((d) => d[0]?.bytesSent ?? 0), [100, 150, 0, 750]);
    assert.deepEqual(deltas.map((d) => d.length), [1, 1, 0, 1], 'an idle interval yields no row');
    assert.equal(deltas.flat().reduce((sum, d) => sum + d.bytesReceived, 0), 2000);
  });

  it('marks opened once, on the first report of a handshake it saw', () => {
    const tracker = new ConnectionTracker();
    const first = tracker.advance([], [socket('a')]);
    assert.equal(first.length, 1);
    assert.equal(first[0]?.opened, true);
    const second = tracker.advance([], [socket('a', { bytesSent: 5 })]);
    assert.equal(second[0]?.opened, false);
  });

  it('does not call a socket that predates the agent opened', () => {
    const tracker = new ConnectionTracker();
    const [row] = tracker.advance([], [socket('a', { seenOpen: false, role: 'unknown', bytesSent: 7 })]);
    assert.equal(row?.opened, false);
    assert.equal(row?.bytesSent, 7);
  });

  it('reports a connection that opened and closed between two reads exactly once, from its close event', () => {
    const tracker = new ConnectionTracker();
    const short = socket('s', { bytesSent: 100, bytesReceived: 200 });
    const rows = tracker.advance([{ type: 'open', tsNs: 0n, socket: socket('s') }, close(short)], []);
    assert.equal(rows.length, 1);
    assert.deepEqual(
      { sent: rows[0]?.bytesSent, received: rows[0]?.bytesReceived, opened: rows[0]?.opened, closed: rows[0]?.closed },
      { sent: 100, received: 200, opened: true, closed: true },
    );
    assert.deepEqual(tracker.advance([], []), []);
    assert.equal(tracker.stats().tracked, 0);
  });

  it('takes the close delta against what was already reported', () => {
    const tracker = new ConnectionTracker();
    tracker.advance([], [socket('a', { bytesSent: 300 })]);
    const [last] = tracker.advance([close(socket('a', { bytesSent: 420 }))], []);
    assert.equal(last?.bytesSent, 120);
    assert.equal(last?.closed, true);
  });

  it('ignores a stale map read of a socket whose close was already handled', () => {
    const tracker = new ConnectionTracker();
    tracker.advance([], [socket('a', { bytesSent: 10 })]);
    const rows = tracker.advance([close(socket('a', { bytesSent: 10 }))], [socket('a', { bytesSent: 10 })]);
    assert.equal(rows.length, 1);
    assert.equal(tracker.advance([], [socket('a', { bytesSent: 10 })]).length, 0);
  });

  it('treats a reused kernel pointer with a new creation time as a new socket', () => {
    const tracker = new ConnectionTracker();
    tracker.advance([], [socket('ffff-1', { bytesSent: 500 })]);
    const rows = tracker.advance([], [socket('ffff-2', { bytesSent: 40 })]);
    assert.equal(rows.find((r) => r.socket.id === 'ffff-2')?.bytesSent, 40);
  });

  it('reports a failed connect once', () => {
    const tracker = new ConnectionTracker();
    const failed = socket('f', { established: false, connectFailed: true, resetsReceived: 1 });
    const [row] = tracker.advance([], [failed]);
    assert.equal(row?.connectFailed, true);
    assert.equal(row?.opened, false);
    assert.equal(row?.resetsReceived, 1);
    assert.equal(tracker.advance([], [failed]).length, 0);
  });

  it('forgets a socket that vanished without a close event, and counts it', () => {
    const tracker = new ConnectionTracker(2);
    tracker.advance([], [socket('a', { bytesSent: 1 })]);
    for (let i = 0; i < 3; i++) tracker.advance([], []);
    assert.deepEqual(tracker.stats(), { tracked: 0, lostCloses: 1 });
  });
});
