import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { ConntrackEvent } from '@weft/native';
import { ConntrackTable } from './conntrackTable.js';

const viaVip = (clientPort: number, type: ConntrackEvent['type'] = 'new'): ConntrackEvent => ({
  type,
  family: 4,
  origSrc: '198.18.1.2',
  origSrcPort: clientPort,
  origDst: '198.19.0.10',
  origDstPort: 80,
  replySrc: '198.18.2.2',
  replySrcPort: 8080,
  replyDst: '198.18.1.2',
  replyDstPort: clientPort,
});

describe('ConntrackTable', () => {
  it('maps a dialled VIP to the backend that answered', () => {
    const table = new ConntrackTable();
    table.apply([viaVip(40000)]);
    assert.deepEqual(table.lookup('198.18.1.2', 40000, '198.19.0.10', 80), { daddr: '198.18.2.2', dport: 8080 });
    assert.equal(table.lookup('198.18.1.2', 40001, '198.19.0.10', 80), null);
  });

  it('keeps no untranslated flows', () => {
    const table = new ConntrackTable();
    table.load([{ ...viaVip(1), origDst: '198.18.2.2', origDstPort: 8080 }]);
    assert.equal(table.size, 0);
  });

  it('keeps a destroyed flow for the grace period, then forgets it', () => {
    const table = new ConntrackTable(100, 1000);
    table.apply([viaVip(40000)], 0);
    table.apply([viaVip(40000, 'destroy')], 10);
    table.expire(500);
    assert.notEqual(table.lookup('198.18.1.2', 40000, '198.19.0.10', 80), null);
    table.expire(2000);
    assert.equal(table.lookup('198.18.1.2', 40000, '198.19.0.10', 80), null);
  });

  it('is bounded and counts evictions', () => {
    const table = new ConntrackTable(3);
    table.load([1, 2, 3, 4, 5].map((port) => viaVip(port)));
    assert.equal(table.size, 3);
    assert.equal(table.evictions, 2);
    assert.equal(table.lookup('198.18.1.2', 1, '198.19.0.10', 80), null);
  });

  it('keeps the flow of an open socket whose tuple was reused, when the old flow\'s destroy comes after the new one', () => {
    const table = new ConntrackTable(1000, 30_000);
    table.apply([viaVip(40000)], 0);
    // The port is reused for a new connection to the same VIP: NEW of the new flow, then the
    // old flow's DESTROY (same tuple).
    table.apply([viaVip(40000), viaVip(40000, 'destroy')], 1000);
    // The new connection is open and reports every interval: its lookups keep the flow.
    assert.deepEqual(table.lookup('198.18.1.2', 40000, '198.19.0.10', 80, true), { daddr: '198.18.2.2', dport: 8080 });
    assert.equal(table.revivals, 1);
    table.expire(40_000);
    assert.deepEqual(table.lookup('198.18.1.2', 40000, '198.19.0.10', 80, true), { daddr: '198.18.2.2', dport: 8080 }, 'not expired with the old flow');
    // Its own close: the last row (closed) does not revive, so the flow goes after the grace.
    table.apply([viaVip(40000, 'destroy')], 50_000);
    assert.ok(table.lookup('198.18.1.2', 40000, '198.19.0.10', 80, false));
    table.expire(81_000);
    assert.equal(table.lookup('198.18.1.2', 40000, '198.19.0.10', 80, false), null);
  });
});
