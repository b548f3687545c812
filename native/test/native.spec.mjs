// Tests of @weft/native against the running kernel. They need root (BPF,
// conntrack, iptables) and a built addon: make -C bpf && npm run build -w @weft/native.
// Run: node --test native/test/
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import test from 'node:test';

import { BpfError, ConntrackWatcher, SocketTracer, layout, probePrograms } from '../lib/index.js';

const TRACEPOINT = { trafficPath: 'tracepoint', maxSockets: 4096, ringBufferBytes: 1 << 20, netnsInodes: null };
const OUR_NETNS = statSync('/proc/self/ns/net').ino;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check, { timeoutMs = 3000, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function decodeSocket(buffer, offset) {
  const f = layout.socket;
  const commEnd = buffer.indexOf(0, offset + f.comm);
  return {
    sk: buffer.readBigUInt64LE(offset + f.sk),
    bytesSent: Number(buffer.readBigUInt64LE(offset + f.bytes_sent)),
    bytesReceived: Number(buffer.readBigUInt64LE(offset + f.bytes_received)),
    tgid: buffer.readUInt32LE(offset + f.tgid),
    netns: buffer.readUInt32LE(offset + f.netns),
    family: buffer.readUInt8(offset + f.family),
    sport: buffer.readUInt16LE(offset + f.sport),
    dport: buffer.readUInt16LE(offset + f.dport),
    role: buffer.readUInt8(offset + f.role),
    flags: buffer.readUInt32LE(offset + f.flags),
    state: buffer.readUInt8(offset + f.state),
    comm: buffer.toString('latin1', offset + f.comm, Math.min(commEnd, offset + f.comm + 16)),
  };
}

function decodeSockets(buffer) {
  assert.equal(buffer.length % layout.socketSize, 0);
  const records = [];
  for (let offset = 0; offset < buffer.length; offset += layout.socketSize) records.push(decodeSocket(buffer, offset));
  return records;
}

function decodeEvents(buffer) {
  assert.equal(buffer.length % layout.eventSize, 0);
  const events = [];
  for (let offset = 0; offset < buffer.length; offset += layout.eventSize) {
    events.push({
      type: buffer.readUInt32LE(offset + layout.eventTypeOffset),
      ts: buffer.readBigUInt64LE(offset + layout.eventTsOffset),
      socket: decodeSocket(buffer, offset + layout.eventSocketOffset),
    });
  }
  return events;
}

const between = (records, sport, dport) => records.filter((r) => r.sport === sport && r.dport === dport);

/** A loopback connection: client sends `up` bytes, server answers `down` bytes; both fully read. */
async function openConnection({ up, down, host = '127.0.0.1' }) {
  const server = net.createServer();
  const accepted = new Promise((resolve) => server.once('connection', resolve));
  await new Promise((resolve) => server.listen(0, host, resolve));
  const client = net.connect(server.address().port, host);
  await new Promise((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  const serverSide = await accepted;
  const received = (socket, bytes) =>
    new Promise((resolve) => {
      let total = 0;
      if (bytes === 0) resolve();
      socket.on('data', (chunk) => {
        total += chunk.length;
        if (total >= bytes) resolve();
      });
    });
  const serverGot = received(serverSide, up);
  const clientGot = received(client, down);
  if (up) client.write(Buffer.alloc(up, 0x61));
  await serverGot;
  if (down) serverSide.write(Buffer.alloc(down, 0x62));
  await clientGot;
  return {
    clientPort: client.localPort,
    serverPort: server.address().port,
    async close() {
      const closed = (s) => new Promise((resolve) => (s.destroyed ? resolve() : s.once('close', resolve)));
      client.destroy();
      serverSide.destroy();
      await Promise.all([closed(client), closed(serverSide)]);
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function expectPair(records, conn, up, down) {
  const client = between(records, conn.clientPort, conn.serverPort);
  const server = between(records, conn.serverPort, conn.clientPort);
  assert.equal(client.length, 1, 'one client record');
  assert.equal(server.length, 1, 'one server record');
  assert.equal(client[0].role, layout.roles.client);
  assert.equal(server[0].role, layout.roles.server);
  assert.equal(client[0].bytesSent, up);
  assert.equal(client[0].bytesReceived, down);
  assert.equal(server[0].bytesSent, down);
  assert.equal(server[0].bytesReceived, up);
  assert.equal(client[0].family, 2);
  assert.equal(client[0].netns, OUR_NETNS);
  return { client: client[0], server: server[0] };
}

test('layout matches bpf/weft.h', { timeout: 20_000 }, () => {
  assert.equal(layout.socketSize, 144);
  assert.equal(layout.eventSize, 160);
  assert.equal(layout.eventSocketOffset, 16);
  assert.equal(layout.eventTypeOffset, 0);
  assert.equal(layout.eventTsOffset, 8);
  assert.equal(layout.socket.comm + 16 + 4 * 4, layout.socketSize);
  assert.equal(layout.counters.count, 23);
  assert.equal(layout.counters.l7Untracked, 9);
  assert.equal(layout.counters.l7FastRequests, 16);
  assert.equal(layout.l7Aggregate.headerSize, 32);
  assert.equal(layout.l7Aggregate.bucketCount, 16 + 28 * 8);
  assert.equal(layout.l7Handoff.size, 32);
  assert.equal(layout.counters.l7TlsNoEntry, 12);
  assert.deepEqual(layout.eventTypes, { open: 1, close: 2, listen: 3 });
  assert.deepEqual(layout.roles, { unknown: 0, client: 1, server: 2 });
  assert.ok(Object.isFrozen(layout.socket));
});

for (const socketWalk of ['map_elem', 'task']) {
test(`counters path (${socketWalk} walk): exact bytes from sequence numbers, no send/recv program, FINs not counted`, { timeout: 20_000 }, async (t) => {
  // A connection that predates the tracer is adopted and counted from then on.
  const before = await openConnection({ up: 100, down: 200 });
  let tracer;
  try {
    tracer = new SocketTracer({ ...TRACEPOINT, trafficPath: 'counters', socketWalk });
  } catch (error) {
    await before.close();
    // A kernel that refuses this walk's program: say so, the other walk is tested.
    if (error instanceof BpfError && error.op === 'load' && error.program?.startsWith('weft_refresh_')) {
      t.skip(`this kernel refuses ${error.program} (${error.code})`);
      return;
    }
    throw error;
  }
  try {
    assert.ok(tracer.adoptSockets() >= 2, 'both ends of the earlier connection adopted');
    const up = 70_001;
    const down = 300_017;
    const conn = await openConnection({ up, down });
    // Nothing counts until the iterator runs: no program is on the data path.
    const stale = decodeSockets(tracer.readSockets());
    assert.equal(between(stale, conn.clientPort, conn.serverPort)[0].bytesSent, 0);
    // The listener's child was made in softirq: it has no owner until the scan.
    assert.ok(tracer.refreshSockets() >= 1, 'the new server socket asks for an owner scan');
    assert.ok(tracer.findOwners() >= 1);
    const records = decodeSockets(tracer.readSockets());
    const { server } = expectPair(records, conn, up, down);
    assert.equal(server.tgid, process.pid);
    assert.equal(server.flags & layout.flags.counting, layout.flags.counting);
    const adopted = between(records, before.clientPort, before.serverPort)[0];
    assert.equal(adopted.role, layout.roles.unknown);
    assert.equal(adopted.bytesSent, 0, 'bytes before adoption are not claimed');
    assert.equal(adopted.tgid, process.pid, 'owner named by the adoption scan');

    // Graceful close in both directions: each FIN takes a sequence number, no byte.
    await conn.close();
    await before.close();
    const closes = await waitFor(
      () => {
        const events = decodeEvents(tracer.drainEvents()).filter((e) => e.type === layout.eventTypes.close);
        return events.length > 0 ? events : null;
      },
      { what: 'close events' },
    );
    const closeRecords = closes.map((e) => e.socket);
    for (const e of [...closeRecords, ...decodeEvents(tracer.drainEvents()).map((e) => e.socket)]) closeRecords.push(e);
    const clientClose = between(closeRecords, conn.clientPort, conn.serverPort)[0];
    const serverClose = between(closeRecords, conn.serverPort, conn.clientPort)[0];
    assert.ok(clientClose && serverClose, 'close events of both ends');
    assert.deepEqual([clientClose.bytesSent, clientClose.bytesReceived], [up, down]);
    assert.deepEqual([serverClose.bytesSent, serverClose.bytesReceived], [down, up]);
  } finally {
    tracer.close();
  }
});
}

test('probePrograms loads each program alone and reports instead of throwing', { timeout: 60_000 }, () => {
  const results = probePrograms();
  const names = results.map((r) => r.name);
  for (const name of ['weft_set_state', 'weft_refresh_map_elem', 'weft_refresh_task_walk', 'weft_tp_send', 'weft_fexit_tcp_sendmsg', 'weft_kprobe_tcp_sendmsg']) {
    assert.ok(names.includes(name), `${name} probed`);
  }
  for (const result of results) {
    assert.match(result.section, /^[a-z_]+(\/|$)/, result.name);
    if (result.load.ok) {
      assert.ok(result.attach, `${result.name} loaded, so its attach was tried`);
    } else {
      assert.match(result.load.code, /^E[A-Z0-9_]+$/);
      assert.ok(result.load.errno > 0);
      assert.equal(result.attach, undefined);
    }
  }
  // The lifecycle programs are what every path needs: a kernel that refuses
  // them runs no Weft at all, and these tests are not for it.
  assert.ok(results.find((r) => r.name === 'weft_set_state').load.ok);
});

test('refusePrograms (test-only) makes the kernel refuse that program, named in the error', { timeout: 20_000 }, () => {
  assert.throws(
    () => new SocketTracer({ ...TRACEPOINT, trafficPath: 'counters', socketWalk: 'task', refusePrograms: ['weft_refresh_task_walk'] }),
    (e) => e instanceof BpfError && e.op === 'load' && e.program === 'weft_refresh_task_walk' && e.errno > 0,
  );
  assert.throws(() => new SocketTracer({ ...TRACEPOINT, refusePrograms: ['no_such_program'] }), TypeError);
  assert.throws(() => new SocketTracer({ ...TRACEPOINT, refusePrograms: 'weft_tp_send' }), TypeError);
});

test('options are validated in JS', { timeout: 20_000 }, () => {
  assert.throws(() => new SocketTracer({ ...TRACEPOINT, trafficPath: 'uprobe' }), TypeError);
  assert.throws(() => new SocketTracer({ ...TRACEPOINT, ringBufferBytes: 3 * 4096 }), RangeError);
  assert.throws(() => new SocketTracer({ ...TRACEPOINT, maxSockets: 0 }), RangeError);
  assert.throws(() => new SocketTracer({ ...TRACEPOINT, netnsInodes: [-1] }), TypeError);
});

test('tracepoint path: live sockets with exact bytes, then close events', { timeout: 20_000 }, async () => {
  const tracer = new SocketTracer(TRACEPOINT);
  try {
    assert.equal(typeof tracer.batchLookup, 'boolean');
    const conn = await openConnection({ up: 1000, down: 300 });
    const live = decodeSockets(tracer.readSockets());
    const pair = expectPair(live, conn, 1000, 300);
    assert.equal(pair.client.tgid, process.pid);
    assert.ok(pair.client.flags & layout.flags.established);

    const counters = tracer.readCounters();
    assert.equal(counters.length, layout.counters.count);
    // Both ends' open events (the hot-path send/recv counters are reserved, not counted).
    assert.ok(counters[layout.counters.events] >= 2);

    const ids = tracer.mapIds();
    const shown = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show', 'id', String(ids.sockets)], { encoding: 'utf8' }));
    assert.equal(shown.name, 'weft_socks');
    assert.equal(shown.max_entries, TRACEPOINT.maxSockets);

    await conn.close();
    const events = [];
    const closes = await waitFor(
      () => {
        events.push(...decodeEvents(tracer.drainEvents()));
        const mine = events.filter((e) => e.type === layout.eventTypes.close).map((e) => e.socket);
        return between(mine, conn.clientPort, conn.serverPort).length && between(mine, conn.serverPort, conn.clientPort).length
          ? mine
          : null;
      },
      { what: 'close events' },
    );
    expectPair(closes, conn, 1000, 300);
    const after = decodeSockets(tracer.readSockets());
    assert.equal(between(after, conn.clientPort, conn.serverPort).length, 0);
    assert.equal(between(after, conn.serverPort, conn.clientPort).length, 0);
  } finally {
    tracer.close();
  }
});

test('netns filter: a foreign namespace sees nothing, ours sees the traffic', { timeout: 20_000 }, async () => {
  const foreign = new SocketTracer({ ...TRACEPOINT, netnsInodes: [1] });
  const ours = new SocketTracer({ ...TRACEPOINT, netnsInodes: [OUR_NETNS] });
  try {
    const conn = await openConnection({ up: 10, down: 20 });
    const seen = decodeSockets(foreign.readSockets());
    assert.equal(between(seen, conn.clientPort, conn.serverPort).length, 0);
    assert.equal(between(seen, conn.serverPort, conn.clientPort).length, 0);
    expectPair(decodeSockets(ours.readSockets()), conn, 10, 20);
    await conn.close();
    await sleep(100);
    const events = decodeEvents(foreign.drainEvents()).map((e) => e.socket);
    assert.equal(between(events, conn.clientPort, conn.serverPort).length, 0);
  } finally {
    foreign.close();
    ours.close();
  }
});

test('two tracers at once; close is idempotent; a failed load leaves nothing behind', { timeout: 20_000 }, async () => {
  const a = new SocketTracer(TRACEPOINT);
  const b = new SocketTracer(TRACEPOINT);
  try {
    const conn = await openConnection({ up: 1000, down: 300 });
    expectPair(decodeSockets(a.readSockets()), conn, 1000, 300);
    expectPair(decodeSockets(b.readSockets()), conn, 1000, 300);
    await conn.close();
  } finally {
    a.close();
    a.close();
    b.close();
  }
  assert.throws(() => a.readSockets(), (e) => e instanceof BpfError && e.op === 'closed' && e.code === 'EBADF');

  const fentry = probePrograms().find((r) => r.name === 'weft_fexit_tcp_sendmsg');
  if (fentry.load.ok && fentry.attach?.ok) {
    new SocketTracer({ ...TRACEPOINT, trafficPath: 'fentry' }).close();
  } else {
    assert.throws(
      () => new SocketTracer({ ...TRACEPOINT, trafficPath: 'fentry' }),
      (e) => e instanceof BpfError && ['load', 'attach'].includes(e.op) && typeof e.code === 'string' && e.errno > 0,
    );
  }
  const again = new SocketTracer(TRACEPOINT);
  try {
    const conn = await openConnection({ up: 5, down: 7 });
    expectPair(decodeSockets(again.readSockets()), conn, 5, 7);
    await conn.close();
  } finally {
    again.close();
  }
});

test('onEvents delivers the close of a short connection', { timeout: 20_000 }, async () => {
  const tracer = new SocketTracer(TRACEPOINT);
  try {
    const closes = [];
    let calls = 0;
    tracer.onEvents((buffer) => {
      calls++;
      assert.ok(Buffer.isBuffer(buffer) && buffer.length > 0);
      for (const e of decodeEvents(buffer)) if (e.type === layout.eventTypes.close) closes.push(e.socket);
    });
    const conn = await openConnection({ up: 42, down: 0 });
    await conn.close();
    await waitFor(() => between(closes, conn.clientPort, conn.serverPort).length > 0, { what: 'close via onEvents' });
    const [client] = between(closes, conn.clientPort, conn.serverPort);
    assert.equal(client.bytesSent, 42);
    assert.ok(calls >= 1);
  } finally {
    tracer.close();
  }
});

/** Deletes an nft table we created, unless someone else put rules in it meanwhile. */
function dropTableIfEmpty(family) {
  const listed = spawnSync('nft', ['-j', 'list', 'table', family, 'nat'], { encoding: 'utf8' });
  if (listed.status !== 0) return;
  const hasRules = JSON.parse(listed.stdout).nftables.some((entry) => 'rule' in entry);
  if (!hasRules) spawnSync('nft', ['delete', 'table', family, 'nat'], { stdio: 'ignore' });
}

/**
 * Adds a nat OUTPUT rule for the duration of fn. iptables-nft leaves the
 * (then empty) table behind, which keeps conntrack on for the whole host, so
 * a table that did not exist before is removed again.
 */
async function withNatRule(rule, fn, { command = 'iptables', family = 'ip' } = {}) {
  const natExisted = spawnSync('nft', ['list', 'table', family, 'nat'], { stdio: 'ignore' }).status === 0;
  execFileSync(command, ['-t', 'nat', '-A', 'OUTPUT', ...rule], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    return await fn();
  } finally {
    execFileSync(command, ['-t', 'nat', '-D', 'OUTPUT', ...rule], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (!natExisted) dropTableIfEmpty(family);
  }
}

const HARMLESS = ['-d', '198.18.255.254/32', '-p', 'tcp', '--dport', '9', '-j', 'DNAT', '--to-destination', '127.0.0.1:9'];

test('conntrack: dump and events for loopback TCP', { timeout: 20_000 }, async () => {
  await withNatRule(HARMLESS, async () => {
    const watcher = new ConntrackWatcher();
    try {
      assert.ok(Array.isArray(watcher.dump()));
      const events = [];
      watcher.onEvents((batch) => events.push(...batch));
      const conn = await openConnection({ up: 1, down: 1 });
      const flows = watcher.dump().filter((f) => f.origSrcPort === conn.clientPort && f.origDstPort === conn.serverPort);
      assert.equal(flows.length, 1);
      assert.deepEqual(flows[0], {
        family: 4,
        origSrc: '127.0.0.1',
        origSrcPort: conn.clientPort,
        origDst: '127.0.0.1',
        origDstPort: conn.serverPort,
        replySrc: '127.0.0.1',
        replySrcPort: conn.serverPort,
        replyDst: '127.0.0.1',
        replyDstPort: conn.clientPort,
      });
      await waitFor(() => events.some((e) => e.type === 'new' && e.origSrcPort === conn.clientPort), { what: 'conntrack new event' });
      await conn.close();
      // The entry would sit in TIME_WAIT for minutes: delete it to see the destroy event.
      execFileSync('conntrack', ['-D', '-p', 'tcp', '--orig-port-src', String(conn.clientPort)], { stdio: 'ignore' });
      const destroyed = await waitFor(
        () => events.find((e) => e.type === 'destroy' && e.origSrcPort === conn.clientPort),
        { what: 'conntrack destroy event' },
      );
      assert.equal(destroyed.replySrcPort, conn.serverPort);
      assert.ok(events.every((e) => ['new', 'destroy'].includes(e.type)), 'no updates unless asked for');
      assert.equal(watcher.overflows, 0);
    } finally {
      watcher.close();
      watcher.close();
    }
  });
});

test('conntrack: drain() reads the events queued so far synchronously, before the loop polls', { timeout: 20_000 }, async () => {
  await withNatRule(HARMLESS, async () => {
    const watcher = new ConntrackWatcher();
    try {
      assert.deepEqual(watcher.drain().filter((e) => e.type === 'new' && e.origDstPort === 9), [], 'nothing of ours yet');
      const conn = await openConnection({ up: 1, down: 1 });
      // No await between: the event loop has not polled the socket, drain() alone must see the NEW.
      const drained = watcher.drain();
      assert.ok(drained.some((e) => e.type === 'new' && e.origSrcPort === conn.clientPort && e.origDstPort === conn.serverPort), 'the connection\'s NEW');
      assert.deepEqual(watcher.drain().filter((e) => e.origSrcPort === conn.clientPort), [], 'read once');
      await conn.close();
    } finally {
      watcher.close();
    }
  });
});

test('conntrack: IPv6 flows are dumped too', { timeout: 20_000 }, async () => {
  // The ip6 conntrack hooks come with an ip6 nat table.
  const rule6 = ['-d', '2001:db8::fe/128', '-p', 'tcp', '--dport', '9', '-j', 'DNAT', '--to-destination', '[::1]:9'];
  await withNatRule(
    rule6,
    async () => {
      const watcher = new ConntrackWatcher();
      try {
        const events = [];
        watcher.onEvents((batch) => events.push(...batch));
        const conn = await openConnection({ up: 1, down: 1, host: '::1' });
        await waitFor(() => events.some((e) => e.type === 'new' && e.family === 6 && e.origSrcPort === conn.clientPort), {
          what: 'IPv6 new event',
        });
        const flows = watcher.dump().filter((f) => f.origSrcPort === conn.clientPort && f.origDstPort === conn.serverPort);
        assert.equal(flows.length, 1);
        assert.equal(flows[0].family, 6);
        assert.equal(flows[0].origSrc, '::1');
        assert.equal(flows[0].replySrc, '::1');
        await conn.close();
      } finally {
        watcher.close();
      }
    },
    { command: 'ip6tables', family: 'ip6' },
  );
});

test('conntrack: DNAT shows the service address and the backend that answered', { timeout: 20_000 }, async () => {
  const server = net.createServer((socket) => socket.on('data', () => socket.end('pong')));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const backendPort = server.address().port;
  const rule = ['-d', '198.18.0.10/32', '-p', 'tcp', '--dport', '8080', '-j', 'DNAT', '--to-destination', `127.0.0.1:${backendPort}`];
  try {
    await withNatRule(rule, async () => {
      const watcher = new ConntrackWatcher();
      try {
        const events = [];
        watcher.onEvents((batch) => events.push(...batch));
        const client = net.connect({ port: 8080, host: '198.18.0.10', timeout: 5000 });
        await new Promise((resolve, reject) => {
          client.once('connect', resolve);
          client.once('error', reject);
          // Without a working DNAT the SYN goes out to the network: fail, do not hang.
          client.once('timeout', () => client.destroy(new Error('connect to 198.18.0.10:8080 timed out')));
        });
        client.setTimeout(0);
        const clientPort = client.localPort;
        const [flow] = watcher.dump().filter((f) => f.origSrcPort === clientPort && f.origDstPort === 8080);
        assert.ok(flow, 'flow in dump');
        assert.equal(flow.origDst, '198.18.0.10');
        assert.equal(flow.replySrc, '127.0.0.1');
        assert.equal(flow.replySrcPort, backendPort);
        assert.equal(flow.replyDstPort, clientPort);
        const created = await waitFor(() => events.find((e) => e.type === 'new' && e.origSrcPort === clientPort), {
          what: 'DNAT new event',
        });
        assert.equal(created.origDst, '198.18.0.10');
        assert.equal(created.replySrcPort, backendPort);
        const closed = new Promise((resolve) => client.once('close', resolve));
        client.resume(); // 'close' needs the server's FIN to be read
        client.end('ping');
        await closed;
      } finally {
        watcher.close();
      }
    });
  } finally {
    server.close();
  }
});

test('conntrack: a watcher given netnsPath sees that namespace\'s DNAT, and only its own', { timeout: 20_000 }, async () => {
  // A node's host namespace where kube-proxy's DNAT runs, watched by an agent outside it.
  const ns = `wtnative${process.pid}`;
  const inNs = (...argv) => execFileSync('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    inNs('ip', 'link', 'set', 'lo', 'up');
    // An address of its own (not loopback: the source must survive the DNAT) and a route for the VIP.
    inNs('ip', 'addr', 'add', '10.99.0.1/32', 'dev', 'lo');
    inNs('ip', 'route', 'add', 'default', 'dev', 'lo', 'src', '10.99.0.1');
    inNs('iptables', '-w', '-t', 'nat', '-A', 'OUTPUT', '-d', '198.18.0.11/32', '-p', 'tcp', '--dport', '80', '-j', 'DNAT', '--to-destination', '10.99.0.1:7070');
    const there = new ConntrackWatcher({ netnsPath: `/run/netns/${ns}` });
    const here = new ConntrackWatcher();
    try {
      const thereEvents = [];
      const hereEvents = [];
      there.onEvents((batch) => thereEvents.push(...batch));
      here.onEvents((batch) => hereEvents.push(...batch));
      // A server and a client inside the namespace: the client dials the "VIP".
      const script = `
        const net = require('node:net');
        const server = net.createServer((s) => s.on('data', () => s.end('pong'))).listen(7070, '10.99.0.1', () => {
          const c = net.connect(80, '198.18.0.11', () => { console.log(c.localPort); c.end('ping'); });
          c.on('data', () => {}); c.on('close', () => server.close());
        });`;
      const clientPort = Number(execFileSync('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { timeout: 10_000 }).toString().trim());
      assert.ok(clientPort > 0);
      const created = await waitFor(() => thereEvents.find((e) => e.type === 'new' && e.origSrcPort === clientPort), { what: 'new event in the other namespace' });
      assert.equal(created.origDst, '198.18.0.11');
      assert.equal(created.origDstPort, 80);
      assert.equal(created.replySrc, '10.99.0.1');
      assert.equal(created.replySrcPort, 7070);
      const [flow] = there.dump().filter((f) => f.origSrcPort === clientPort);
      assert.ok(flow, 'the dump reads the other namespace too');
      assert.equal(flow.replySrcPort, 7070);
      assert.ok(!hereEvents.some((e) => e.origSrcPort === clientPort && e.origDst === '198.18.0.11'), 'our own namespace saw none of it');
      assert.ok(!here.dump().some((f) => f.origDst === '198.18.0.11'));
    } finally {
      there.close();
      here.close();
    }
  } finally {
    execFileSync('ip', ['netns', 'del', ns]);
  }
  assert.throws(() => new ConntrackWatcher({ netnsPath: 'relative' }), /absolute path/);
  assert.throws(() => new ConntrackWatcher({ netnsPath: '/run/netns/does-not-exist' }), (e) => e.op === 'conntrack_open' && e.code === 'ENOENT');
});

test('conntrack without CAP_NET_ADMIN: BpfError conntrack_open EPERM', { timeout: 20_000 }, (t) => {
  const index = fileURLToPath(new URL('../lib/index.js', import.meta.url));
  const script = `
    const { ConntrackWatcher } = await import(${JSON.stringify(index)});
    try { new ConntrackWatcher(); console.log(JSON.stringify({ ok: true })); }
    catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, op: e.op })); }`;
  const result = spawnSync(
    'setpriv',
    ['--inh-caps=-net_admin', '--bounding-set=-net_admin', process.execPath, '--input-type=module', '-e', script],
    { encoding: 'utf8' },
  );
  if (result.error || result.status !== 0) {
    t.skip(`setpriv could not drop CAP_NET_ADMIN: ${result.error?.message ?? result.stderr}`);
    return;
  }
  assert.deepEqual(JSON.parse(result.stdout), { name: 'BpfError', code: 'EPERM', op: 'conntrack_open' });
});

test('HTTP/1 in the kernel: a loopback exchange is counted on both ends, read once by drainL7Aggregates', { timeout: 30_000 }, async () => {
  const tracer = new SocketTracer({ ...TRACEPOINT, l7: true, l7Http1Kernel: true, l7RingBufferBytes: 1 << 20 });
  const server = net.createServer((socket) => {
    socket.on('data', () => socket.write('HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno'));
  });
  try {
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = net.connect(server.address().port, '127.0.0.1');
    await new Promise((resolve, reject) => {
      client.once('connect', resolve);
      client.once('error', reject);
    });
    for (let i = 0; i < 3; i++) {
      const answered = new Promise((resolve) => client.once('data', resolve));
      client.write('GET /items/7?x=1 HTTP/1.1\r\nHost: a\r\n\r\n');
      await answered;
    }
    const buffer = tracer.drainL7Aggregates();
    const a = layout.l7Aggregate;
    const records = [];
    for (let at = 0; at < buffer.length; at += a.headerSize + buffer.readUInt8(at + 31) * 8) {
      records.push({ count: buffer.readUInt32LE(at + 24), status: buffer.readUInt16LE(at + 28), method: buffer.readUInt8(at + 30) });
    }
    assert.deepEqual(records, [{ count: 3, status: 404, method: a.methods.GET }, { count: 3, status: 404, method: a.methods.GET }], 'each end its own entry');
    assert.equal(tracer.drainL7Aggregates().length, 0, 'read and deleted');
    assert.equal(tracer.readCounters()[layout.counters.l7FastRequests], 6);
    client.destroy();
  } finally {
    server.close();
    tracer.close();
  }
});
