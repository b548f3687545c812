import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { ConnectionHalf } from '../halves/connectionHalf.js';
import { ConnectionMatcher, DEFAULT_MATCHER_OPTIONS } from './connectionMatcher.js';

// Window 3 s, and releases from the first second (no start-up hold).
const TEST_OPTIONS = { ...DEFAULT_MATCHER_OPTIONS, windowSeconds: 3, startupSeconds: 0 };

function half(overrides: Partial<ConnectionHalf>): ConnectionHalf {
  return {
    nodeId: 'node-a', tsMs: 100_000, second: 100, socketId: 's1', netns: 1, role: 'client', roleInferred: false,
    localIp: '10.0.1.5', localPort: 40000, remoteIp: '10.0.2.7', remotePort: 8080,
    pid: 10, comm: 'curl', cmdline: null, containerId: null,
    bytesSent: 100, bytesReceived: 200, srttUs: 500, retransmits: 0, resetsSent: 0, resetsReceived: 0,
    opened: true, closed: false, connectFailed: false, ...overrides,
  };
}

const serverHalf = (overrides: Partial<ConnectionHalf> = {}): ConnectionHalf =>
  half({
    nodeId: 'node-b', socketId: 's2', role: 'server', localIp: '10.0.2.7', localPort: 8080, remoteIp: '10.0.1.5',
    remotePort: 40000, pid: 20, comm: 'nginx', bytesSent: 200, bytesReceived: 100, ...overrides,
  });

describe('ConnectionMatcher', () => {
  it('joins the halves from two nodes and counts the client half only', () => {
    const m = new ConnectionMatcher(TEST_OPTIONS);
    m.add('t1', 'node-b', 100, [serverHalf()]);
    m.add('t1', 'node-a', 100, [half({})]);
    assert.equal(m.release().length, 0, 'held for the window');
    m.add('t1', 'node-a', 103, []);
    m.add('t1', 'node-b', 103, []);
    const released = m.release();
    assert.equal(released.length, 2);
    for (const s of released) {
      assert.equal(s.client?.comm, 'curl');
      assert.equal(s.server?.comm, 'nginx');
      assert.equal(s.primary, s.half.role === 'client');
    }
    assert.equal(m.counters.matched, 2);
  });

  it('joins halves within their tenant only: two tenants with the same addresses, nodes and ports stay apart', () => {
    const m = new ConnectionMatcher(TEST_OPTIONS);
    // Tenant t1 has both halves; t2 only a client half of the same 4-tuple, from a node of the same name.
    m.add('t1', 'node-b', 100, [serverHalf()]);
    m.add('t1', 'node-a', 100, [half({})]);
    m.add('t2', 'node-a', 100, [half({ comm: 'wget', bytesSent: 7 })]);
    for (const tenant of ['t1', 't2']) for (const node of ['node-a', 'node-b']) m.add(tenant, node, 103, []);
    const released = m.release();
    assert.equal(released.length, 3);
    const ofT1 = released.filter((s) => s.tenant === 't1');
    const ofT2 = released.filter((s) => s.tenant === 't2');
    assert.equal(ofT1.length, 2);
    for (const s of ofT1) assert.deepEqual([s.client?.comm, s.server?.comm], ['curl', 'nginx']);
    assert.equal(ofT2.length, 1);
    assert.deepEqual([ofT2[0]?.client?.comm, ofT2[0]?.server, ofT2[0]?.half.bytesSent], ['wget', null, 7]);
    assert.equal(m.counters.matched, 2);
    assert.equal(m.counters.unmatched, 1);
    assert.equal(m.connectionsTracked, 2);
  });

  it('counts a server half whose client has no agent, and names nothing it does not know', () => {
    const m = new ConnectionMatcher(TEST_OPTIONS);
    m.add('t1', 'node-b', 100, [serverHalf()]);
    const [s] = m.release(true);
    assert.ok(s);
    assert.equal(s.primary, true);
    assert.equal(s.client, null);
    assert.equal(s.connection.client.ip, '10.0.1.5');
    assert.equal(m.counters.unmatched, 1);
  });

  it('matches a client that dialled a VIP with the backend half, through its NAT translation', () => {
    const m = new ConnectionMatcher(TEST_OPTIONS);
    m.add('t1', 'node-a', 100, [half({ remoteIp: '10.96.0.10', remotePort: 80, natIp: '10.0.2.7', natPort: 8080 })]);
    m.add('t1', 'node-b', 100, [serverHalf()]);
    const released = m.release(true);
    assert.equal(released.length, 2);
    const keys = new Set(released.map((s) => s.connection.key));
    assert.equal(keys.size, 1);
    assert.deepEqual(released[0]?.connection.dialled, { ip: '10.96.0.10', port: 80 });
  });

  it('waits for the slowest node still sending, not the fastest', () => {
    const m = new ConnectionMatcher({ ...TEST_OPTIONS, windowSeconds: 2 });
    m.add('t1', 'node-a', 100, [half({})]);
    m.add('t1', 'node-b', 95, []);
    m.add('t1', 'node-a', 110, []);
    assert.equal(m.release().length, 0, 'node-b is at 95: second 100 may still get its peer half');
    m.add('t1', 'node-b', 100, [serverHalf()]);
    m.add('t1', 'node-b', 103, []);
    assert.equal(m.release().length, 2);
  });

  it('holds everything back for the first seconds of input (start-up)', () => {
    const m = new ConnectionMatcher({ ...DEFAULT_MATCHER_OPTIONS, windowSeconds: 1, startupSeconds: 5 });
    m.add('t1', 'node-a', 100, [half({})]);
    m.add('t1', 'node-a', 104, []);
    assert.equal(m.release().length, 0);
    m.add('t1', 'node-a', 105, []);
    assert.equal(m.release().length, 1);
  });

  it('stops waiting for a node that went quiet, by event time', () => {
    const m = new ConnectionMatcher({ ...TEST_OPTIONS, windowSeconds: 2, nodeSilenceSeconds: 10 });
    m.add('t1', 'node-b', 100, []);
    m.add('t1', 'node-a', 100, [half({})]);
    m.add('t1', 'node-a', 105, []);
    assert.equal(m.release().length, 0);
    m.add('t1', 'node-a', 111, []);
    assert.equal(m.release().length, 1, 'node-b is 11 s behind: quiet');
  });

  it('counts a connection once when its client node is taken for quiet and its halves come late', () => {
    // node-a (client) falls more than the node silence behind: node-b's
    // server halves are released alone and count the connection. When
    // node-a catches up, its client halves must not count it a second time.
    const m = new ConnectionMatcher({ ...TEST_OPTIONS, windowSeconds: 1, nodeSilenceSeconds: 10 });
    m.add('t1', 'node-a', 99, []);
    for (let second = 100; second <= 112; second++) {
      m.add('t1', 'node-b', second, second <= 102 ? [serverHalf({ second, opened: second === 100, bytesSent: 7_000, bytesReceived: 516 })] : []);
    }
    const early = m.release();
    assert.deepEqual(early.map((s) => [s.half.role, s.half.second, s.primary]), [['server', 100, true], ['server', 101, true], ['server', 102, true]]);
    // node-a's backlog: the same three seconds from the client's side, then more of both.
    for (let second = 100; second <= 102; second++) {
      m.add('t1', 'node-a', second, [half({ second, opened: second === 100, bytesSent: 516, bytesReceived: 7_000 })]);
    }
    m.add('t1', 'node-a', 103, [half({ second: 103, opened: false, bytesSent: 516, bytesReceived: 7_000 })]);
    m.add('t1', 'node-b', 113, [serverHalf({ second: 103, opened: false, bytesSent: 7_000, bytesReceived: 516 })]);
    for (let second = 104; second <= 113; second++) m.add('t1', 'node-a', second, []);
    const late = m.release(true);
    const counted = [...early, ...late].filter((s) => s.primary);
    // Ground truth: 4 seconds of one exchange each (516 up, 7,000 down), opened once.
    assert.equal(counted.filter((s) => s.half.opened).length, 1, 'opened once');
    assert.equal(counted.reduce((sum, s) => sum + (s.half.role === 'server' ? s.half.bytesReceived : s.half.bytesSent), 0), 4 * 516);
    assert.equal(counted.reduce((sum, s) => sum + (s.half.role === 'server' ? s.half.bytesSent : s.half.bytesReceived), 0), 4 * 7_000);
    assert.ok(late.filter((s) => s.half.role === 'client').every((s) => !s.primary && s.client?.comm === 'curl'), 'late client halves name the client but do not count');
  });

  it('keeps loopback connections of two nodes apart', () => {
    const m = new ConnectionMatcher(TEST_OPTIONS);
    const loop = { localIp: '127.0.0.1', remoteIp: '127.0.0.1' };
    m.add('t1', 'node-a', 100, [half({ ...loop })]);
    m.add('t1', 'node-b', 100, [half({ ...loop, nodeId: 'node-b' })]);
    const released = m.release(true);
    assert.equal(new Set(released.map((s) => s.connection.key)).size, 2);
  });

  it('keeps the DNS flows of unbound UDP sockets (local 0.0.0.0) of two nodes apart', () => {
    const m = new ConnectionMatcher(TEST_OPTIONS);
    const flow = { localIp: '0.0.0.0', remoteIp: '192.0.2.53', remotePort: 53, udp: true as const };
    m.add('t1', 'node-a', 100, [half({ ...flow })]);
    m.add('t1', 'node-b', 100, [half({ ...flow, nodeId: 'node-b' })]);
    assert.equal(new Set(m.release(true).map((s) => s.connection.key)).size, 2);
  });

  it('bounds what it holds and counts what it drops', () => {
    const m = new ConnectionMatcher({ ...TEST_OPTIONS, maxPending: 2, maxConnections: 2 });
    m.add('t1', 'node-a', 100, [1, 2, 3].map((i) => half({ localPort: 40000 + i, socketId: `s${i}` })));
    assert.equal(m.pendingHalves, 2);
    assert.equal(m.counters.pendingDropped, 1);
    m.add('t1', 'node-a', 101, [4, 5].map((i) => half({ second: 101, localPort: 40000 + i, socketId: `s${i}` })));
    assert.equal(m.counters.pendingDropped, 3);
    m.release(true);
    m.add('t1', 'node-a', 102, [6, 7, 8].map((i) => half({ second: 102, localPort: 40000 + i, socketId: `s${i}` })).slice(0, 2));
    assert.ok(m.connectionsTracked <= 2);
    assert.ok(m.counters.connectionsEvicted >= 1);
  });

  it('treats a reused 4-tuple after a close as a new connection, but not the late peer half of a short one', () => {
    const m = new ConnectionMatcher(TEST_OPTIONS);
    m.add('t1', 'node-a', 100, [half({ closed: true })]);
    m.add('t1', 'node-b', 100, [serverHalf({ closed: true })]);
    const first = m.release(true);
    assert.ok(first.every((s) => s.client !== null && s.server !== null), 'short connection matched');
    m.add('t1', 'node-a', 101, [half({ second: 101, socketId: 's9', pid: 11 })]);
    const [again] = m.release(true);
    assert.equal(again?.server, null, 'the new connection has not been seen from the server yet');
  });
});
