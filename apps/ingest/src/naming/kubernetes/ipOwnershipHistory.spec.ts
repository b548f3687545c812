import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { IpOwnershipHistory } from './ipOwnershipHistory.js';

const MIN = 60_000;

describe('IpOwnershipHistory', () => {
  it('names an address by whoever held it at the time, across a reuse', () => {
    const h = new IpOwnershipHistory<string>();
    h.hold('10.1.0.5', 'uid-old', 'shop/cart-7d9f-abcde', 1_000);
    assert.equal(h.ownerAt('10.1.0.5', 999), null, 'before the first holder');
    assert.equal(h.ownerAt('10.1.0.5', 1_000), 'shop/cart-7d9f-abcde');
    h.release('10.1.0.5', 'uid-old', 5_000);
    assert.equal(h.ownerAt('10.1.0.5', 5_000), null, 'released: [from, to) excludes to');
    h.hold('10.1.0.5', 'uid-new', 'shop/pay-55c4-xyz12', 7_000);
    // Late samples from before the reuse keep the old name.
    assert.equal(h.ownerAt('10.1.0.5', 4_999), 'shop/cart-7d9f-abcde');
    assert.equal(h.ownerAt('10.1.0.5', 6_000), null, 'between holders');
    assert.equal(h.ownerAt('10.1.0.5', 7_000), 'shop/pay-55c4-xyz12');
    assert.equal(h.ownerAt('10.1.0.5', 10 * MIN), 'shop/pay-55c4-xyz12', 'open interval');
    assert.equal(h.ownerAt('10.1.0.6', 7_000), null, 'another address');
  });

  it('a new holder never starts before the previous holder released (whole-second start times)', () => {
    const h = new IpOwnershipHistory<string>();
    h.hold('10.1.0.5', 'a', 'A', 1_000);
    h.release('10.1.0.5', 'a', 10_400);
    // startTime truncated to 10 s: it would otherwise overlap A's last 400 ms.
    h.hold('10.1.0.5', 'b', 'B', 10_000);
    assert.equal(h.ownerAt('10.1.0.5', 10_200), 'A');
    assert.equal(h.ownerAt('10.1.0.5', 10_400), 'B');
  });

  it('a new holder ends an open holder whose release was never seen', () => {
    const h = new IpOwnershipHistory<string>();
    h.hold('10.1.0.5', 'a', 'A', 1_000);
    h.hold('10.1.0.5', 'b', 'B', 9_000);
    assert.equal(h.ownerAt('10.1.0.5', 8_999), 'A');
    assert.equal(h.ownerAt('10.1.0.5', 9_000), 'B');
    assert.equal(h.size.open, 1);
  });

  it('holding again with the same key updates the owner without a new interval', () => {
    const h = new IpOwnershipHistory<{ v: number }>();
    h.hold('fd00::5', 'a', { v: 1 }, 5_000);
    h.hold('fd00::5', 'a', { v: 2 }, 4_000);
    assert.deepEqual(h.ownerAt('fd00::5', 4_500), { v: 2 });
    assert.equal(h.size.intervals, 1);
  });

  it('prunes intervals that ended longer ago than the retention, never open ones', () => {
    const h = new IpOwnershipHistory<string>({ retentionMs: 15 * MIN });
    h.hold('10.1.0.5', 'a', 'A', 0);
    h.release('10.1.0.5', 'a', 1 * MIN);
    h.hold('10.1.0.5', 'b', 'B', 2 * MIN);
    h.hold('10.1.0.7', 'c', 'C', 0);
    h.release('10.1.0.7', 'c', 10 * MIN);
    h.hold('10.1.0.9', 'd', 'D', 0);
    assert.equal(h.prune(15 * MIN), 0, 'nothing ended more than 15 min ago');
    assert.equal(h.prune(16 * MIN + 1), 1, 'A ended 15 min + 1 ms ago');
    assert.equal(h.ownerAt('10.1.0.5', 30_000), null, 'A is forgotten');
    assert.equal(h.ownerAt('10.1.0.5', 3 * MIN), 'B');
    assert.equal(h.ownerAt('10.1.0.7', 5 * MIN), 'C');
    assert.equal(h.prune(26 * MIN), 1, 'C goes too');
    assert.deepEqual(h.size, { addresses: 2, intervals: 2, open: 2 });
    assert.equal(h.prune(10_000 * MIN), 0, 'open intervals stay however old');
  });

  it('keeps hostNetwork holders apart, found by address and declared port', () => {
    const h = new IpOwnershipHistory<string>();
    h.hold('192.168.0.11', 'ds', 'kube-system/node-exporter-x', 1_000, { hostNetworkPorts: [9100] });
    h.hold('192.168.0.11', 'cni', 'kube-system/cni-agent-y', 1_000, { hostNetworkPorts: [9099, 4240] });
    // Shared holders are not exclusive owners of the node address.
    assert.equal(h.ownerAt('192.168.0.11', 2_000), null);
    assert.equal(h.sharedOwnerAt('192.168.0.11', 9100, 2_000), 'kube-system/node-exporter-x');
    assert.equal(h.sharedOwnerAt('192.168.0.11', 4240, 2_000), 'kube-system/cni-agent-y');
    assert.equal(h.sharedOwnerAt('192.168.0.11', 22, 2_000), null, 'no pod declares 22: the node itself');
    assert.equal(h.sharedOwnerAt('192.168.0.11', 9100, 500), null, 'before it started');
    h.release('192.168.0.11', 'ds', 3_000);
    assert.equal(h.sharedOwnerAt('192.168.0.11', 9100, 2_999), 'kube-system/node-exporter-x');
    assert.equal(h.sharedOwnerAt('192.168.0.11', 9100, 3_000), null);
    assert.equal(h.sharedOwnerAt('192.168.0.11', 4240, 3_000), 'kube-system/cni-agent-y', 'the other stays');
    // A new hostNetwork pod does not end the others (they share the address).
    h.hold('192.168.0.11', 'ds2', 'kube-system/node-exporter-z', 4_000, { hostNetworkPorts: [9100] });
    assert.equal(h.sharedOwnerAt('192.168.0.11', 4240, 5_000), 'kube-system/cni-agent-y');
    assert.equal(h.sharedOwnerAt('192.168.0.11', 9100, 5_000), 'kube-system/node-exporter-z');
    assert.equal(h.sharedOwnerAt('192.168.0.11', 9100, 2_000), 'kube-system/node-exporter-x');
  });

  it('rejects a negative retention', () => {
    assert.throws(() => new IpOwnershipHistory({ retentionMs: -1 }), RangeError);
  });
});
