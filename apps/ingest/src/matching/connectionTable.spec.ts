import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { canonicalConnection, type CanonicalConnection } from '../halves/canonicalConnection.js';
import type { ConnectionHalf } from '../halves/connectionHalf.js';
import { ConnectionTable } from './connectionTable.js';

function half(overrides: Partial<ConnectionHalf>): ConnectionHalf {
  return {
    nodeId: 'node-a', tsMs: 100_000, second: 100, socketId: 's1', netns: 1, role: 'client', roleInferred: false,
    localIp: '10.0.1.5', localPort: 40000, remoteIp: '10.0.2.7', remotePort: 8080,
    pid: 10, comm: 'curl', cmdline: null, containerId: null,
    bytesSent: 0, bytesReceived: 0, srttUs: 0, retransmits: 0, resetsSent: 0, resetsReceived: 0,
    opened: false, closed: false, connectFailed: false, ...overrides,
  };
}

interface State {
  connection: CanonicalConnection;
  name: string;
}

const stateOf = (h: ConnectionHalf, name: string): State => ({ connection: canonicalConnection(h), name });

describe('ConnectionTable', () => {
  it('finds a connection from either half, the client half through its NAT translation', () => {
    const table = new ConnectionTable<State>();
    const client = half({ remoteIp: '10.96.0.10', remotePort: 80, natIp: '10.0.2.7', natPort: 8080 });
    const server = half({ nodeId: 'node-b', role: 'server', localIp: '10.0.2.7', localPort: 8080, remoteIp: '10.0.1.5', remotePort: 40000 });
    table.set(stateOf(client, 'vip'));
    assert.equal(table.get(server)?.name, 'vip');
    assert.equal(table.get(client)?.name, 'vip');
    assert.equal(table.get(half({ localPort: 40001, remoteIp: '10.96.0.10', remotePort: 80, natIp: '10.0.2.7', natPort: 8080 })), undefined, 'another client port');
    assert.equal(table.get(half({ remotePort: 8081 })), undefined, 'another server port');
    assert.equal(table.get(half({ localIp: '10.0.1.6' })), undefined, 'another client address');
    // Ports are one number: server 1 / client 0 must not meet server 0 / client 65536.
    table.set(stateOf(half({ localPort: 0, remotePort: 1 }), 'low'));
    assert.equal(table.get(half({ localPort: 65535, remotePort: 0 })), undefined);
    assert.equal(table.size, 2);
  });

  it('keeps loopback connections of two nodes apart and replaces a state set again', () => {
    const table = new ConnectionTable<State>();
    const loop = { localIp: '127.0.0.1', remoteIp: '127.0.0.1' };
    table.set(stateOf(half({ ...loop }), 'a'));
    table.set(stateOf(half({ ...loop, nodeId: 'node-b' }), 'b'));
    assert.equal(table.get(half({ ...loop }))?.name, 'a');
    assert.equal(table.get(half({ ...loop, nodeId: 'node-b' }))?.name, 'b');
    table.set(stateOf(half({ ...loop }), 'a2'));
    assert.equal(table.get(half({ ...loop }))?.name, 'a2');
    assert.equal(table.size, 2);
  });

  it('deletes what it is told to, counts it, and iterates what is left', () => {
    const table = new ConnectionTable<State>();
    for (let port = 1; port <= 100; port++) table.set(stateOf(half({ localPort: port, localIp: `10.0.1.${port % 7}` }), `c${port}`));
    table.set(stateOf(half({ localIp: '::1', remoteIp: '::1' }), 'loop'));
    assert.equal(table.size, 101);
    assert.equal(table.deleteWhere((s) => s.name === 'loop' || Number(s.name.slice(1)) % 2 === 0), 51);
    assert.equal(table.size, 50);
    assert.deepEqual([...table.values()].map((s) => Number(s.name.slice(1))).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => 2 * i + 1));
    assert.equal(table.get(half({ localPort: 2, localIp: '10.0.1.2' })), undefined);
    assert.equal(table.get(half({ localPort: 3, localIp: '10.0.1.3' }))?.name, 'c3');
    assert.equal(table.deleteWhere(() => true), 50);
    assert.equal(table.size, 0);
    assert.deepEqual([...table.values()], []);
  });
});
