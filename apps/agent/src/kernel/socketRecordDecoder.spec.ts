import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { layout } from '@weft/native';
import { SocketRecordDecoder } from './socketRecordDecoder.js';

const AF_INET = 2;
const AF_INET6 = 10;

function record(fill: (buf: Buffer, o: typeof layout.socket) => void): Buffer {
  const buf = Buffer.alloc(layout.socketSize);
  fill(buf, layout.socket);
  return buf;
}

describe('SocketRecordDecoder', () => {
  const decoder = new SocketRecordDecoder(layout);

  it('decodes an IPv4 client socket', () => {
    const buf = record((b, o) => {
      b.writeBigUInt64LE(0xffff8881deadbeefn, o.sk);
      b.writeBigUInt64LE(123456789n, o.created_ns);
      b.writeBigUInt64LE(1_000_000_007n, o.bytes_sent);
      b.writeBigUInt64LE(42n, o.bytes_received);
      b.writeUInt32LE(20_500, o.srtt_us);
      b.writeUInt32LE(3, o.retransmits);
      b.writeUInt32LE(4242, o.tgid);
      b.writeUInt32LE(4243, o.pid);
      b.writeUInt32LE(4026531840, o.netns);
      b.writeUInt8(AF_INET, o.family);
      b.writeUInt16LE(40000, o.sport);
      b.writeUInt16LE(443, o.dport);
      b.writeUInt8(layout.roles.client, o.role);
      b.writeUInt32LE(layout.flags.established | layout.flags.seenOpen, o.flags);
      Buffer.from([198, 18, 0, 1]).copy(b, o.saddr);
      Buffer.from([198, 18, 0, 2]).copy(b, o.daddr);
      b.write('curl', o.comm, 'latin1');
    });
    const [s] = decoder.decodeSockets(buf);
    assert.ok(s);
    assert.equal(s.id, 'ffff8881deadbeef-123456789');
    assert.deepEqual(
      [s.bytesSent, s.bytesReceived, s.srttUs, s.retransmits, s.tgid, s.tid, s.netns],
      [1_000_000_007, 42, 20_500, 3, 4242, 4243, 4026531840],
    );
    assert.deepEqual([s.family, s.saddr, s.sport, s.daddr, s.dport], [4, '198.18.0.1', 40000, '198.18.0.2', 443]);
    assert.deepEqual([s.role, s.established, s.seenOpen, s.connectFailed, s.comm], ['client', true, true, false, 'curl']);
  });

  it('shows v4-mapped IPv6 as IPv4 and compresses IPv6', () => {
    const mapped = record((b, o) => {
      b.writeUInt8(AF_INET6, o.family);
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]).copy(b, o.saddr);
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 2]).copy(b, o.daddr);
      b.write('a-fifteen-chars', o.comm, 'latin1');
    });
    const v6 = record((b, o) => {
      b.writeUInt8(AF_INET6, o.family);
      Buffer.from('fd00019800180000000000000000000a', 'hex').copy(b, o.saddr);
      Buffer.from('00000000000000000000000000000001', 'hex').copy(b, o.daddr);
    });
    const [a, b] = decoder.decodeSockets(Buffer.concat([mapped, v6]));
    assert.deepEqual([a?.family, a?.saddr, a?.daddr, a?.comm], [4, '127.0.0.1', '127.0.0.2', 'a-fifteen-chars']);
    assert.deepEqual([b?.family, b?.saddr, b?.daddr], [6, 'fd00:198:18::a', '::1']);
  });

  it('decodes events and rejects torn buffers', () => {
    const event = Buffer.alloc(layout.eventSize);
    event.writeUInt32LE(layout.eventTypes.close, layout.eventTypeOffset);
    event.writeBigUInt64LE(99n, layout.eventTsOffset);
    event.writeUInt8(AF_INET, layout.eventSocketOffset + layout.socket.family);
    const [e] = decoder.decodeEvents(event);
    assert.deepEqual([e?.type, e?.tsNs], ['close', 99n]);
    assert.throws(() => decoder.decodeSockets(Buffer.alloc(layout.socketSize + 1)), /not a multiple/);
  });
});
