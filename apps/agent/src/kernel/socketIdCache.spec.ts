import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { SocketIdCache } from './socketIdCache.js';

function record(sk: bigint, created: bigint): Buffer {
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(sk, 0);
  b.writeBigUInt64LE(created, 8);
  return b;
}

describe('SocketIdCache', () => {
  it('gives the SocketRecord id of the bytes, the same string each time', () => {
    const cache = new SocketIdCache();
    const first = cache.idOf(record(0xffff8881deadbeefn, 123456789012n), 0, 8);
    assert.equal(first, 'ffff8881deadbeef-123456789012');
    assert.equal(cache.idOf(record(0xffff8881deadbeefn, 123456789012n), 0, 8), first);
  });

  it('tells apart sockets that differ in any byte, high bytes included', () => {
    const cache = new SocketIdCache();
    assert.equal(cache.idOf(record(0xff00000000000001n, 1n), 0, 8), 'ff00000000000001-1');
    assert.equal(cache.idOf(record(0xfe00000000000001n, 1n), 0, 8), 'fe00000000000001-1');
    assert.equal(cache.idOf(record(0xff00000000000001n, 0x8000000000000000n), 0, 8), 'ff00000000000001-9223372036854775808');
  });
});
