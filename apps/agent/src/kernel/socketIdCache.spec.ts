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

  it('keeps sockets apart whose hashed words agree (the other words differ)', () => {
    const cache = new SocketIdCache();
    const a = record(0x0000000100000008n, 0x0000000500000001n);
    const b = record(0x0000000200000008n, 0x0000000600000001n);
    for (let i = 0; i < 3; i++) {
      assert.equal(cache.idOf(a, 0, 8), '100000008-21474836481');
      assert.equal(cache.idOf(b, 0, 8), '200000008-25769803777');
    }
  });

  it('reads created_ns wherever the record has it', () => {
    const cache = new SocketIdCache();
    const b = Buffer.alloc(32);
    b.writeBigUInt64LE(0xffff888812345678n, 0);
    b.writeBigUInt64LE(42n, 24);
    assert.equal(cache.idOf(b, 0, 24), 'ffff888812345678-42');
  });
});
