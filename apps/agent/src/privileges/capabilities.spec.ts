import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { missingCapabilities, parseEffectiveCapabilities } from './capabilities.js';

const bit = (n: number): bigint => 1n << BigInt(n);

describe('capabilities', () => {
  it('parses CapEff from /proc/self/status', () => {
    const status = 'Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\n';
    assert.equal(parseEffectiveCapabilities(status), 0x1ffffffffffn);
  });

  it('root has everything', () => {
    assert.deepEqual(missingCapabilities(0x1ffffffffffn), []);
  });

  it('names each missing capability', () => {
    assert.deepEqual(missingCapabilities(0n), ['CAP_BPF', 'CAP_PERFMON', 'CAP_NET_ADMIN']);
    assert.deepEqual(missingCapabilities(bit(39) | bit(12)), ['CAP_PERFMON']);
  });

  it('accepts CAP_SYS_ADMIN in place of CAP_BPF and CAP_PERFMON (pre-5.8 kernels)', () => {
    assert.deepEqual(missingCapabilities(bit(21) | bit(12)), []);
    assert.deepEqual(missingCapabilities(bit(21)), ['CAP_NET_ADMIN']);
  });
});
