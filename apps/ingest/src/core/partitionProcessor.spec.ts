import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { ConnectionHalf, EdgeRow } from '../ingestTypes.js';
import { EndpointNamer } from '../naming/endpointNamer.js';
import { ListenerDirectory } from '../naming/listenerDirectory.js';
import { PartitionProcessor, type PartitionMessage, type RowBlock } from './partitionProcessor.js';

const namer = (): EndpointNamer => new EndpointNamer(null, null, new ListenerDirectory());

/**
 * A partition's messages: 3 nodes, 60 seconds, each node reporting every
 * second (some seconds a little late, out of node order), with connections
 * between them whose true totals the test knows.
 */
function messages(): { list: PartitionMessage[]; truth: { bytesSent: number; bytesReceived: number; opened: number } } {
  const list: PartitionMessage[] = [];
  let offset = 0n;
  const truth = { bytesSent: 0, bytesReceived: 0, opened: 0 };
  const pending: PartitionMessage[] = [];
  for (let second = 1000; second < 1060; second++) {
    for (const node of ['a', 'b', 'c']) {
      const halves: ConnectionHalf[] = [];
      // Connection k: client on node `node`, server on the next node; each lives 5 seconds.
      for (let k = 0; k < 4; k++) {
        const born = 1000 + k * 3 + (node.charCodeAt(0) % 3);
        if (second < born || second >= born + 5) continue;
        const serverNode = node === 'a' ? 'b' : node === 'b' ? 'c' : 'a';
        const id = `${node}${k}`;
        const common = { tsMs: second * 1000, second, netns: 1, roleInferred: false, cmdline: null, containerId: null, srttUs: 100, retransmits: 0, resetsSent: 0, resetsReceived: 0, connectFailed: false, opened: second === born, closed: second === born + 4 };
        const clientIp = `10.0.${node.charCodeAt(0)}.1`;
        const serverIp = `10.0.${serverNode.charCodeAt(0)}.1`;
        const port = 40000 + k;
        halves.push({ ...common, nodeId: node, socketId: `${id}c`, role: 'client', localIp: clientIp, localPort: port, remoteIp: serverIp, remotePort: 80, pid: 1, comm: `client-${node}`, bytesSent: 10 + k, bytesReceived: 100 + k });
        truth.bytesSent += 10 + k;
        truth.bytesReceived += 100 + k;
        if (second === born) truth.opened += 1;
        // The server half of the same connection-second comes in the server node's message.
        const serverHalf: ConnectionHalf = { ...common, nodeId: serverNode, socketId: `${id}s`, role: 'server', localIp: serverIp, localPort: 80, remoteIp: clientIp, remotePort: port, pid: 2, comm: `server-${serverNode}`, bytesSent: 100 + k, bytesReceived: 10 + k };
        pending.push({ offset: -1n, agentRun: 'r', sequence: BigInt(second), interval: { tenant: 't1', nodeId: serverNode, second, halves: [serverHalf], listeners: [] } });
      }
      list.push({ offset: 0n, agentRun: 'r', sequence: BigInt(second), interval: { tenant: 't1', nodeId: node, second, halves, listeners: [] } });
    }
  }
  // Merge each node's own halves with the server halves it reports, one message per node-second.
  const merged = new Map<string, PartitionMessage>();
  for (const m of [...list, ...pending]) {
    const key = `${m.interval.nodeId}/${m.interval.second}`;
    const into = merged.get(key);
    if (into) into.interval.halves.push(...m.interval.halves);
    else merged.set(key, { ...m, interval: { ...m.interval, halves: [...m.interval.halves] } });
  }
  // Partition order: by second, but node c is always 2 seconds late, and one message is repeated (a retried produce).
  const ordered = [...merged.values()].sort((x, y) => {
    const lag = (m: PartitionMessage): number => m.interval.second + (m.interval.nodeId === 'c' ? 2 : 0);
    return lag(x) - lag(y) || x.interval.nodeId.localeCompare(y.interval.nodeId);
  });
  ordered.splice(40, 0, ordered[30] as PartitionMessage);
  const out = ordered.map((m) => ({ ...m, offset: offset++ }));
  return { list: out, truth };
}

function totals(rows: EdgeRow[]): { bytesSent: number; bytesReceived: number; opened: number } {
  return rows.reduce((t, r) => ({ bytesSent: t.bytesSent + r.bytes_sent, bytesReceived: t.bytesReceived + r.bytes_received, opened: t.opened + r.connections_opened }), { bytesSent: 0, bytesReceived: 0, opened: 0 });
}

/** A store that, like ClickHouse with insert_deduplication_token, keeps the first write of each token. */
class TokenStore {
  readonly tokens = new Map<string, EdgeRow[]>();
  write(block: RowBlock): void {
    if (!this.tokens.has(block.dedupToken)) this.tokens.set(block.dedupToken, block.rows);
  }
  rows(): EdgeRow[] {
    return [...this.tokens.values()].flat();
  }
}

function runAll(list: PartitionMessage[], store: TokenStore, processor = new PartitionProcessor(namer())): void {
  for (const m of list) {
    const block = processor.handle(m);
    if (block) store.write(block);
  }
}

describe('PartitionProcessor', () => {
  it('counts every connection once, from its client half, with duplicates skipped', () => {
    const { list, truth } = messages();
    const store = new TokenStore();
    const processor = new PartitionProcessor(namer());
    runAll(list, store, processor);
    assert.equal(processor.duplicates, 1);
    const got = totals(store.rows());
    // The last seconds are still inside the matching window at the end of input.
    assert.ok(got.bytesSent > 0.8 * truth.bytesSent);
    const all = new TokenStore();
    const flushing = new PartitionProcessor(namer());
    runAll(list, all, flushing);
    // Everything, once the window has passed: feed clock messages beyond the end.
    let offset = BigInt(list.length);
    for (let s = 1060; s < 1070; s++) for (const node of ['a', 'b', 'c']) {
      const block = flushing.handle({ offset: offset++, agentRun: 'r', sequence: BigInt(s), interval: { tenant: 't1', nodeId: node, second: s, halves: [], listeners: [] } });
      if (block) all.write(block);
    }
    assert.deepEqual(totals(all.rows()), truth);
    for (const row of all.rows()) assert.match(row.client.name, /^client-/);
  });

  it('crashes at any offset, restarts from the committed offset after a warm-up, and still counts exactly once', () => {
    const { list } = messages();
    const clocks = (from: number): PartitionMessage[] => {
      const extra: PartitionMessage[] = [];
      let offset = BigInt(from);
      for (let s = 1060; s < 1070; s++) for (const node of ['a', 'b', 'c']) extra.push({ offset: offset++, agentRun: 'r', sequence: BigInt(s), interval: { tenant: 't1', nodeId: node, second: s, halves: [], listeners: [] } });
      return extra;
    };
    const input = [...list, ...clocks(list.length)];
    const reference = new TokenStore();
    runAll(input, reference);
    const expected = totals(reference.rows());

    for (const crashAt of [5, 37, 41, 90, 133, input.length - 3]) {
      const store = new TokenStore();
      let committed = 0n;
      const first = new PartitionProcessor(namer());
      for (const m of input.slice(0, crashAt)) {
        const block = first.handle(m);
        if (!block) continue;
        store.write(block);
        // Crash between the write and the commit half of the time.
        if (Number(block.toOffset) % 2 === 0) committed = block.toOffset + 1n;
      }
      // Restart: warm up over the 40 messages before the committed offset, then go live.
      const second = new PartitionProcessor(namer());
      const warmFrom = Math.max(0, Number(committed) - 40);
      for (const m of input.slice(warmFrom, Number(committed))) second.handle(m, true);
      second.startBlockAt(committed);
      for (const m of input.slice(Number(committed))) {
        const block = second.handle(m);
        if (block) store.write(block);
      }
      assert.deepEqual(totals(store.rows()), expected, `crash at message ${crashAt}, committed ${committed}`);
    }
  });
});
