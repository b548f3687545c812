import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { AgentBatchEncoder, encodeBatch, type AgentRowInput, type EncodableConnection } from './batchEncoder.js';
import { decodeNodeBatch, readNodeBatch, TelemetryDecodeError } from './batchDecoder.js';
import { ConnectionsSchema, NodeBatchSchema, RequestProtocol } from './gen/weft/telemetry/v1/telemetry_pb.js';
import { MAX_DURATION_US, MAX_REQUEST_DURATIONS, type AgentRequestInput } from './requestSample.js';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function row(overrides: Partial<AgentRowInput> = {}): AgentRowInput {
  return {
    socket_id: 'ffff8881-1', netns: 4026531840, pid: 42, comm: 'curl', cmdline: 'curl -s x', container_id: null, cgroup_id: '1234',
    role: 'client', role_inferred: false, saddr: '10.0.0.1', sport: 40000, daddr: '10.0.0.2', dport: 80,
    bytes_sent: 100, bytes_received: 2000, srtt_us: 250, retransmits: 0, resets_sent: 0, resets_received: 0,
    connect_failed: false, opened: true, closed: false, ...overrides,
  };
}

/** A deterministic pseudo-random source, so the size figure is the same every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function expectRejected(bytes: Uint8Array, reason: string, message?: RegExp): void {
  assert.throws(
    () => decodeNodeBatch(bytes),
    (err: unknown) => err instanceof TelemetryDecodeError && err.reason === reason && (message === undefined || message.test(err.message)),
    `${reason} ${message ?? ''}`,
  );
}

function requestRow(overrides: Partial<AgentRequestInput> = {}): AgentRequestInput {
  return { protocol: 'http1', method: 'GET', route: '/users/{n}', requests: 7, errors: 2, client_errors: 1, durations_us: [1000, 2000, 3000], ...overrides };
}

function rawBatch(connections: Parameters<typeof create<typeof ConnectionsSchema>>[1], extra: Record<string, unknown> = {}): Uint8Array {
  return toBinary(
    NodeBatchSchema,
    create(NodeBatchSchema, {
      schemaVersion: 1, nodeId: 'n', agentRun: 'r', sequence: 1n, intervalEndUnixMs: 1_000_000n, intervalMs: 1000,
      addresses: [Uint8Array.of(10, 0, 0, 1)], processes: [{ pid: 1, comm: 'x' }], netns: [1],
      connections: create(ConnectionsSchema, connections), ...extra,
    }),
  );
}

describe('telemetry batches', () => {
  it('round-trip: IPv4, IPv6, v4-mapped, NAT present and absent, big counters', () => {
    const encoder = new AgentBatchEncoder('node-a', 'run-1');
    const rows = [
      row({ nat_daddr: '10.9.0.5', nat_dport: 8080, daddr: '10.96.0.10' }),
      row({ socket_id: 's2', saddr: 'fd00::1', daddr: 'fd00::2', role: 'server', role_inferred: true, opened: false, closed: true, bytes_sent: Number.MAX_SAFE_INTEGER, bytes_received: 0 }),
      row({ socket_id: 's3', saddr: '::ffff:192.168.1.2', daddr: '::ffff:192.168.1.3', connect_failed: true, opened: false, comm: 'nginx', pid: 7, container_id: 'abc123', cmdline: null }),
    ];
    const bytes = encoder.encode(rows, [{ netns: 4026531840, addr: '0.0.0.0', port: 80, pid: 7, comm: 'nginx' }], 1_795_000_000_500, 1000);
    const batch = decodeNodeBatch(bytes);
    assert.equal(batch.nodeId, 'node-a');
    assert.equal(batch.agentRun, 'run-1');
    assert.equal(batch.sequence, 1n);
    const [a, b, c] = batch.connections;
    assert.ok(a && b && c);
    assert.equal(a.second, 1_795_000_000);
    assert.deepEqual([a.role, a.localIp, a.remoteIp, a.natIp, a.natPort, a.bytesSent, a.bytesReceived, a.opened], ['client', '10.0.0.1', '10.96.0.10', '10.9.0.5', 8080, 100, 2000, true]);
    assert.deepEqual([b.role, b.roleInferred, b.localIp, b.remoteIp, b.natIp, b.bytesSent, b.closed], ['server', true, 'fd00::1', 'fd00::2', undefined, Number.MAX_SAFE_INTEGER, true]);
    assert.deepEqual([c.localIp, c.remoteIp, c.connectFailed, c.comm, c.pid, c.containerId, c.cmdline], ['192.168.1.2', '192.168.1.3', true, 'nginx', 7, 'abc123', null]);
    assert.equal(a.cmdline, 'curl -s x');
    assert.equal(a.netns, 4026531840);
    assert.notEqual(a.socketId, b.socketId);
    assert.deepEqual(batch.listeners, [{ nodeId: 'node-a', netns: 4026531840, ip: '0.0.0.0', port: 80, pid: 7, comm: 'nginx' }]);
    // The same socket keeps its number in the next batch; a closed one's is forgotten.
    const next = decodeNodeBatch(encoder.encode([row({ opened: false })], [], 1_795_000_001_500, 1000));
    assert.equal(next.connections[0]?.socketId, a.socketId);
    assert.equal(next.sequence, 2n);
    assert.equal(encoder.socketsNumbered, 1);
  });

  it('the tenant (set by the ingest on its halves topic) round-trips; an agent batch has none', () => {
    const agent = decodeNodeBatch(new AgentBatchEncoder('node-a', 'r').encode([row()], [], 1000, 1000));
    assert.equal(agent.tenant, '');
    const stamped = decodeNodeBatch(encodeBatch({ nodeId: 'node-a', agentRun: 'r', sequence: 1n, intervalEndMs: 1000, intervalMs: 1000, tenant: 'tenant-b' }, [], []));
    assert.equal(stamped.tenant, 'tenant-b');
  });

  it('request groups round-trip: per connection, in order, routes sent once, durations bounded', () => {
    const encoder = new AgentBatchEncoder('node-a', 'r');
    const many = Array.from({ length: MAX_REQUEST_DURATIONS + 10 }, (_, i) => i + 1);
    const rows = [
      row({ requests: [requestRow(), requestRow({ method: 'POST', route: '/orders', requests: 3, errors: 0, client_errors: 3, durations_us: [5, 2 ** 33] })] }),
      row({ socket_id: 's2' }),
      row({ socket_id: 's3', role: 'server', requests: [requestRow({ requests: many.length + 5, errors: 0, client_errors: 0, durations_us: many })] }),
      row({ socket_id: 's4', requests: [] }),
    ];
    const bytes = encoder.encode(rows, [], 1000, 1000);
    const raw = readNodeBatch(bytes);
    assert.deepEqual(raw.routes, ['/users/{n}', '/orders'], 'each route once in the table, in first-use order');
    assert.deepEqual(raw.requestGroups.map((g) => [g.connection, g.route]), [[0, 0], [0, 1], [2, 0]]);
    const [a, b, c, d] = decodeNodeBatch(bytes).connections;
    assert.ok(a && b && c && d);
    assert.deepEqual(a.requests, [
      { protocol: 'http1', method: 'GET', route: '/users/{n}', requests: 7, errors: 2, clientErrors: 1, durationsUs: [1000, 2000, 3000] },
      { protocol: 'http1', method: 'POST', route: '/orders', requests: 3, errors: 0, clientErrors: 3, durationsUs: [5, MAX_DURATION_US] },
    ]);
    assert.equal(b.requests, undefined, 'a connection without requests has none');
    assert.equal(d.requests, undefined, 'an empty list is none');
    assert.equal(c.requests?.length, 1);
    assert.equal(c.requests?.[0]?.requests, many.length + 5, 'the count is kept whole');
    assert.deepEqual(c.requests?.[0]?.durationsUs, many.slice(0, MAX_REQUEST_DURATIONS), 'the first MAX_REQUEST_DURATIONS durations');
    // Samples (the ingest's halves topic) encode back to the same samples.
    const again = decodeNodeBatch(encodeBatch({ nodeId: 'n', agentRun: 'r', sequence: 1n, intervalEndMs: 1000, intervalMs: 1000 }, [{ ...a, socketNumber: 1 }], []));
    assert.deepEqual(again.connections[0]?.requests, a.requests);
  });

  it('DNS: remote names (a table, only for flagged connections), UDP flows and DNS request groups round-trip', () => {
    const encoder = new AgentBatchEncoder('node-a', 'r');
    const rows = [
      row({ remote_name: 'api.stripe.com' }),
      row({ socket_id: 's2' }),
      row({ socket_id: 's3', remote_name: 'api.stripe.com', daddr: '10.0.0.3' }),
      row({ socket_id: 's4', udp: true, dport: 53, requests: [requestRow({ protocol: 'dns', method: 'AAAA', route: '{n}.api.example', errors: 1, client_errors: 2 })] }),
      row({ socket_id: 's5', remote_name: 'db.internal' }),
    ];
    const bytes = encoder.encode(rows, [], 1000, 1000);
    const raw = readNodeBatch(bytes);
    assert.deepEqual(raw.names, ['api.stripe.com', 'db.internal'], 'each name once');
    assert.deepEqual(raw.connections?.remoteName, [0, 0, 1], 'one entry per named connection');
    const decoded = decodeNodeBatch(bytes).connections;
    assert.deepEqual(decoded.map((c) => c.remoteName), ['api.stripe.com', undefined, 'api.stripe.com', undefined, 'db.internal']);
    assert.deepEqual(decoded.map((c) => c.udp), [undefined, undefined, undefined, true, undefined]);
    assert.equal(decoded[3]?.requests?.[0]?.protocol, 'dns');
    assert.equal(raw.requestGroups[0]?.protocol, RequestProtocol.DNS);
    const again = decodeNodeBatch(encodeBatch({ nodeId: 'n', agentRun: 'r', sequence: 1n, intervalEndMs: 1000, intervalMs: 1000 }, decoded.map((c, i) => ({ ...c, socketNumber: i + 1 })), []));
    assert.deepEqual(again.connections.map((c) => [c.remoteName, c.udp]), decoded.map((c) => [c.remoteName, c.udp]), 'the halves topic keeps them');
    expectRejected(rawBatch({ socketId: [1n], flags: [64], netns: [0], process: [0], localAddress: [0], localPort: [1], remoteAddress: [0], remotePort: [1], bytesSent: [0n], bytesReceived: [0n], srttUs: [0], retransmits: [0], resetsSent: [0], resetsReceived: [0] }), 'column_length_mismatch', /REMOTE_NAMED/);
    expectRejected(rawBatch({ socketId: [1n], flags: [64], netns: [0], process: [0], localAddress: [0], localPort: [1], remoteAddress: [0], remotePort: [1], bytesSent: [0n], bytesReceived: [0n], srttUs: [0], retransmits: [0], resetsSent: [0], resetsReceived: [0], remoteName: [3] }, { names: ['x'] }), 'bad_index');
  });

  it('request groups carry their protocol: HTTP/1, HTTP/2, gRPC, and HTTP/2 whose state the agent lost', () => {
    const groups = [
      requestRow(),
      requestRow({ protocol: 'http2', route: '/users/{n}/orders' }),
      requestRow({ protocol: 'grpc', method: 'POST', route: '/shop.v1.Orders/Get', errors: 1, client_errors: 0 }),
      requestRow({ protocol: 'http2', method: 'UNKNOWN', route: '{unknown}', errors: 0, client_errors: 0 }),
    ];
    const bytes = new AgentBatchEncoder('node-a', 'r').encode([row({ requests: groups })], [], 1000, 1000);
    assert.deepEqual(readNodeBatch(bytes).requestGroups.map((g) => g.protocol), [RequestProtocol.HTTP1, RequestProtocol.HTTP2, RequestProtocol.GRPC, RequestProtocol.HTTP2]);
    const decoded = decodeNodeBatch(bytes).connections[0]?.requests;
    assert.deepEqual(decoded?.map((g) => `${g.protocol} ${g.method} ${g.route} ${g.errors}`), [
      'http1 GET /users/{n} 2', 'http2 GET /users/{n}/orders 2', 'grpc POST /shop.v1.Orders/Get 1', 'http2 UNKNOWN {unknown} 0',
    ]);
  });

  it('rejects bad request groups: out-of-range indexes, unknown protocol, counts that do not add up', () => {
    const columns = { socketId: [1n], flags: [1], netns: [0], process: [0], localAddress: [0], localPort: [1], remoteAddress: [0], remotePort: [2], bytesSent: [1n], bytesReceived: [1n], srttUs: [1], retransmits: [0], resetsSent: [0], resetsReceived: [0] };
    const group = { connection: 0, protocol: RequestProtocol.HTTP1, method: 'GET', route: 0, requests: 4n, errors: 1n, clientErrors: 1n, durationUs: [10, 20, 30, 40] };
    const withGroup = (overrides: Partial<typeof group>, routes = ['/a']): Uint8Array => rawBatch(columns, { routes, requestGroups: [{ ...group, ...overrides }] });
    assert.deepEqual(decodeNodeBatch(withGroup({})).connections[0]?.requests?.[0]?.durationsUs, [10, 20, 30, 40]);
    expectRejected(withGroup({ connection: 1 }), 'bad_index', /request_groups\.connection\[0\] = 1 is outside its table \(1\)/);
    expectRejected(withGroup({ route: 1 }), 'bad_index', /request_groups\.route\[0\] = 1 is outside its table \(1\)/);
    expectRejected(withGroup({}, []), 'bad_index', /request_groups\.route/);
    expectRejected(rawBatch({}, { routes: ['/a'], requestGroups: [group] }), 'bad_index', /request_groups\.connection/);
    expectRejected(withGroup({ protocol: RequestProtocol.UNSPECIFIED }), 'bad_value', /protocol/);
    expectRejected(withGroup({ protocol: 7 as RequestProtocol }), 'bad_value', /protocol/);
    expectRejected(withGroup({ method: '' }), 'bad_value', /no method/);
    expectRejected(withGroup({ errors: 3n, clientErrors: 2n }), 'bad_value', /3 errors and 2 client errors in 4 requests/);
    expectRejected(withGroup({ requests: 3n }), 'bad_value', /4 durations for 3 requests/);
    expectRejected(withGroup({ requests: 2n ** 60n }), 'bad_value', /requests\[0\] is missing or above 2\^53/);
    const tooMany = Array.from({ length: MAX_REQUEST_DURATIONS + 1 }, () => 1);
    expectRejected(withGroup({ requests: 5000n, durationUs: tooMany }), 'bad_value', /durations/);
  });

  it('rejects every kind of bad batch with its reason', () => {
    const good: EncodableConnection = {
      socketNumber: 1, netns: 1, role: 'client', roleInferred: false, localIp: '10.0.0.1', localPort: 1, remoteIp: '10.0.0.1', remotePort: 2,
      pid: 1, comm: 'x', cmdline: null, containerId: null, bytesSent: 1, bytesReceived: 1, srttUs: 1, retransmits: 0, resetsSent: 0, resetsReceived: 0,
      opened: false, closed: false, connectFailed: false,
    };
    const header = { nodeId: 'n', agentRun: 'r', sequence: 1n, intervalEndMs: 1000, intervalMs: 1000 };
    assert.equal(decodeNodeBatch(encodeBatch(header, [good], [])).connections.length, 1);
    assert.throws(() => decodeNodeBatch(encodeBatch(header, [good], []), { maxBytes: 10, maxConnections: 10 }), /oversized|limit 10/);
    assert.throws(() => decodeNodeBatch(encodeBatch(header, [good, { ...good, socketNumber: 2 }], []), { maxBytes: 1e6, maxConnections: 1 }), (e: unknown) => (e as TelemetryDecodeError).reason === 'too_many_connections');
    expectRejected(Uint8Array.of(0xff, 0xff, 0xff), 'malformed');
    expectRejected(encodeBatch({ ...header, nodeId: '' }, [good], []), 'missing_node');
    expectRejected(rawBatch({ socketId: [1n] }, { schemaVersion: 2 }), 'unsupported_version');
    const columns = { socketId: [1n], flags: [1], netns: [0], process: [0], localAddress: [0], localPort: [1], remoteAddress: [0], remotePort: [2], bytesSent: [1n], bytesReceived: [1n], srttUs: [1], retransmits: [0], resetsSent: [0], resetsReceived: [0] };
    assert.equal(decodeNodeBatch(rawBatch(columns)).connections.length, 1);
    expectRejected(rawBatch({ ...columns, remotePort: [] }), 'column_length_mismatch');
    expectRejected(rawBatch({ ...columns, process: [5] }), 'bad_index');
    expectRejected(rawBatch({ ...columns, remoteAddress: [9] }), 'bad_index');
    expectRejected(rawBatch({ ...columns, netns: [3] }), 'bad_index');
    expectRejected(rawBatch({ ...columns, localPort: [70000] }), 'bad_value');
    expectRejected(rawBatch({ ...columns, bytesSent: [2n ** 60n] }), 'bad_value');
    expectRejected(rawBatch({ ...columns, flags: [32] }), 'column_length_mismatch');
    expectRejected(rawBatch({ ...columns, natAddress: [0], natPort: [1] }), 'column_length_mismatch');
    expectRejected(rawBatch(columns, { addresses: [Uint8Array.of(1, 2, 3)] }), 'bad_address');
  });

  it('random bytes and mutated batches only ever raise TelemetryDecodeError', () => {
    const next = random(7);
    const valid = new AgentBatchEncoder('node-a', 'r').encode(
      [row({ requests: [requestRow()] }), row({ socket_id: 'b', nat_daddr: '1.2.3.4', nat_dport: 5, requests: [requestRow({ route: '/b' })] })],
      [{ netns: 1, addr: '0.0.0.0', port: 1, pid: 1, comm: 'x' }], 1000, 1000,
    );
    let accepted = 0;
    for (let i = 0; i < 4000; i++) {
      let bytes: Uint8Array;
      if (i < 2000) {
        bytes = Uint8Array.from({ length: Math.floor(next() * 200) }, () => Math.floor(next() * 256));
      } else {
        bytes = Uint8Array.from(valid);
        bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
      }
      try {
        decodeNodeBatch(bytes);
        accepted++;
      } catch (err) {
        assert.ok(err instanceof TelemetryDecodeError, `threw ${(err as Error).name}: ${(err as Error).message}`);
      }
    }
    assert.ok(accepted < 4000);
  });

  it('reads every field as protobuf-es fromBinary does: packed or not, unknown fields, merged messages, mutated bytes', () => {
    // The reference: the generic reflective decoder, projected onto the same plain columns.
    const reference = (bytes: Uint8Array): unknown => {
      const m = fromBinary(NodeBatchSchema, bytes);
      const n = (v: bigint): number | string => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : -1);
      const c = m.connections;
      return {
        schemaVersion: m.schemaVersion, nodeId: m.nodeId, agentRun: m.agentRun, sequence: m.sequence, intervalEndUnixMs: m.intervalEndUnixMs, intervalMs: m.intervalMs,
        addresses: m.addresses.map((a) => [...a]), processes: m.processes.map((p) => ({ pid: p.pid, comm: p.comm, cmdline: p.cmdline, containerId: p.containerId })),
        netns: [...m.netns], listeners: m.listeners.map((l) => ({ address: l.address, port: l.port, process: l.process, netns: l.netns })), tenant: m.tenant,
        routes: [...m.routes],
        names: [...m.names],
        requestGroups: m.requestGroups.map((g) => ({
          connection: g.connection, protocol: g.protocol, method: g.method, route: g.route,
          requests: n(g.requests), errors: n(g.errors), clientErrors: n(g.clientErrors), durationUs: [...g.durationUs],
        })),
        connections: c && {
          socketId: c.socketId.map(n), socketIdText: Object.fromEntries(c.socketId.flatMap((v, i) => (n(v) === -1 ? [[i, v.toString()]] : []))),
          flags: [...c.flags], netns: [...c.netns], process: [...c.process], localAddress: [...c.localAddress], localPort: [...c.localPort],
          remoteAddress: [...c.remoteAddress], remotePort: [...c.remotePort], natAddress: [...c.natAddress], natPort: [...c.natPort],
          bytesSent: c.bytesSent.map(n), bytesReceived: c.bytesReceived.map(n), srttUs: [...c.srttUs], retransmits: [...c.retransmits],
          resetsSent: [...c.resetsSent], resetsReceived: [...c.resetsReceived], remoteName: [...c.remoteName],
        },
      };
    };
    const ours = (bytes: Uint8Array): unknown => {
      const m = readNodeBatch(bytes);
      return { ...m, addresses: m.addresses.map((a) => [...a]), connections: m.connections && { ...m.connections, socketIdText: Object.fromEntries(m.connections.socketIdText) } };
    };
    const same = (bytes: Uint8Array): boolean => {
      let expected: unknown;
      try {
        expected = reference(bytes);
      } catch {
        assert.throws(() => readNodeBatch(bytes), Error, 'fromBinary rejected bytes that readNodeBatch accepted');
        return false;
      }
      assert.deepEqual(ours(bytes), expected);
      return true;
    };
    const valid = new AgentBatchEncoder('node-a', 'r').encode(
      [row({ requests: [requestRow(), requestRow({ route: '/b', method: 'PUT' })], remote_name: 'api.example' }), row({ socket_id: 'b', udp: true, nat_daddr: '1.2.3.4', nat_dport: 5, saddr: 'fd00::1', daddr: 'fd00::2', bytes_sent: Number.MAX_SAFE_INTEGER })],
      [{ netns: 1, addr: '0.0.0.0', port: 1, pid: 1, comm: 'x' }], 1000, 1000,
    );
    assert.ok(same(valid));
    // Unpacked repeated scalars, a Connections message sent in two parts (merged), an unknown field of each wire type, a socket id above 2^53.
    const w = new BinaryWriter();
    w.tag(1, WireType.Varint).uint32(1).tag(2, WireType.LengthDelimited).string('n').tag(99, WireType.Bit64).fixed64(7n);
    w.tag(10, WireType.LengthDelimited).fork().tag(1, WireType.Varint).uint64(2n ** 60n + 3n).tag(1, WireType.Varint).uint64(5n).tag(2, WireType.Varint).uint32(1).tag(2, WireType.Varint).uint32(4).join();
    w.tag(50, WireType.LengthDelimited).bytes(Uint8Array.of(1, 2, 3)).tag(51, WireType.Bit32).fixed32(9);
    w.tag(10, WireType.LengthDelimited).fork().tag(11, WireType.LengthDelimited).fork().uint64(1n).uint64(2n ** 53n).join().tag(77, WireType.Varint).uint32(3).join();
    w.tag(8, WireType.LengthDelimited).fork().tag(1, WireType.Varint).uint32(9).tag(5, WireType.Varint).uint64(11n).tag(2, WireType.LengthDelimited).string('comm').join();
    w.tag(13, WireType.LengthDelimited).string('/r');
    w.tag(14, WireType.LengthDelimited).fork().tag(5, WireType.Varint).uint64(2n ** 60n).tag(8, WireType.Varint).uint32(4).tag(8, WireType.LengthDelimited).fork().uint32(5).uint32(6).join().tag(2, WireType.Varint).int32(1).tag(60, WireType.Varint).uint32(1).join();
    assert.ok(same(w.finish()));
    const next = random(11);
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const bytes = Uint8Array.from(valid);
      for (let k = 1 + Math.floor(next() * 3); k > 0; k--) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
      if (same(bytes)) accepted++;
    }
    assert.ok(accepted > 100, `only ${accepted} mutated batches were valid protobuf`);
  });

  it('a node-sized batch is under 40 bytes per connection', (t) => {
    const next = random(42);
    const remote = Array.from({ length: 200 }, (_, i) => `10.${(i >> 8) + 1}.${i & 255}.${(i * 7) % 250 + 1}`);
    const local = Array.from({ length: 20 }, (_, i) => `10.200.0.${i + 1}`);
    const rows: AgentRowInput[] = [];
    for (let i = 0; i < 5700; i++) {
      const client = next() < 0.6;
      const bytes = () => Math.floor(Math.exp(next() * Math.log(10_000_000)));
      rows.push(row({
        socket_id: `s${i}`, pid: 1000 + Math.floor(next() * 60), comm: `svc-${Math.floor(next() * 60)}`, cmdline: null,
        role: client ? 'client' : 'server', saddr: local[Math.floor(next() * local.length)] as string, sport: client ? 32768 + Math.floor(next() * 28000) : 8000 + Math.floor(next() * 20),
        daddr: remote[Math.floor(next() * remote.length)] as string, dport: client ? 8000 + Math.floor(next() * 20) : 32768 + Math.floor(next() * 28000),
        bytes_sent: bytes(), bytes_received: bytes(), srtt_us: Math.floor(50 + next() * 200_000), opened: next() < 0.05, closed: next() < 0.05,
      }));
    }
    const encoder = new AgentBatchEncoder('node-17.cluster.local', 'c0ffee');
    encoder.encode(rows, [], 1000, 1000); // socket numbers settle after the first interval
    const bytes = encoder.encode(rows, [], 2000, 1000);
    const perConnection = bytes.length / rows.length;
    t.diagnostic(`${rows.length} connections: ${bytes.length} bytes, ${perConnection.toFixed(1)} bytes per connection`);
    assert.ok(perConnection < 40, `${perConnection} bytes per connection`);
    assert.equal(decodeNodeBatch(bytes).connections.length, rows.length);
  });

  it('the generated code is what buf generates from proto/ now', () => {
    const out = mkdtempSync(join(tmpdir(), 'weft-buf-'));
    try {
      execFileSync(join(packageRoot, '../../node_modules/.bin/buf'), ['generate', '-o', out], { cwd: packageRoot, stdio: 'pipe' });
      const dir = 'src/gen/weft/telemetry/v1';
      for (const file of readdirSync(join(packageRoot, dir))) {
        assert.equal(readFileSync(join(out, dir, file), 'utf8'), readFileSync(join(packageRoot, dir, file), 'utf8'), `${file} is stale: run npm run generate -w @weft/telemetry`);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
