import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { L7CallRecord } from '../kernel/l7CallRecord.js';
import { UDP_FLOW_IDLE_MS, UdpFlowTable } from './udpFlowTable.js';

function datagram(socketId: string, direction: 'send' | 'recv', length: number): L7CallRecord {
  return {
    socketId, tsNs: 0n, tgid: 42, tid: 43, direction, length, head: Buffer.alloc(0), tail: Buffer.alloc(0),
    gap: false, classified: false, predates: false, afterLoss: false, tls: false, protocol: 'dns',
    udp: { family: 4, saddr: '0.0.0.0', sport: 40000, daddr: '192.0.2.53', dport: 53, netns: 1, cgroupId: 7n, comm: 'dig' },
  };
}

describe('UdpFlowTable', () => {
  it('reports a flow as a client connection: opened, its datagrams\' bytes, closed when idle', () => {
    const flows = new UdpFlowTable(10);
    flows.note(datagram('f1', 'send', 30), 0);
    flows.note(datagram('f1', 'recv', 90), 5);
    let { deltas, closed } = flows.advance(1000, () => false);
    assert.equal(deltas.length, 1);
    assert.deepEqual([deltas[0]?.socket.role, deltas[0]?.socket.daddr, deltas[0]?.socket.dport, deltas[0]?.socket.tgid, deltas[0]?.opened, deltas[0]?.closed], ['client', '192.0.2.53', 53, 42, true, false]);
    assert.deepEqual([deltas[0]?.bytesSent, deltas[0]?.bytesReceived], [30, 90]);
    ({ deltas } = flows.advance(2000, () => false));
    assert.equal(deltas.length, 0, 'idle: no row');
    ({ deltas } = flows.advance(2000, (id) => id === 'f1'));
    assert.equal(deltas.length, 1, 'a row for its requests waiting');
    ({ deltas, closed } = flows.advance(5 + UDP_FLOW_IDLE_MS, () => false));
    assert.deepEqual([deltas.length, deltas[0]?.closed, closed], [1, true, ['f1']]);
    assert.equal(flows.stats().flows, 0);
  });

  it('evicts the least recently active flow beyond its bound, reported closed', () => {
    const flows = new UdpFlowTable(1);
    flows.note(datagram('f1', 'send', 30), 0);
    flows.note(datagram('f2', 'send', 31), 1);
    const { deltas, closed } = flows.advance(10, () => false);
    assert.deepEqual(deltas.map((d) => [d.socket.id, d.closed]), [['f1', true], ['f2', false]]);
    assert.deepEqual(closed, ['f1']);
    assert.equal(flows.stats().evicted, 1);
  });
});
