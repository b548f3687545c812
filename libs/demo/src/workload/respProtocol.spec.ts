import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { RespProtocolError, decodeCommand, decodeReply, encodeCommand, encodeReply } from './respProtocol.js';

describe('RESP', () => {
  it('frames a command as an array of bulk strings, as redis-cli sends it', () => {
    assert.equal(encodeCommand(['SET', 'cart:u1', 'ab']).toString(), '*3\r\n$3\r\nSET\r\n$7\r\ncart:u1\r\n$2\r\nab\r\n');
  });

  it('decodes a command only once it is whole, and says how much it used', () => {
    const frame = Buffer.concat([encodeCommand(['GET', 'k']), encodeCommand(['PING'])]);
    for (let cut = 0; cut < 14; cut++) assert.equal(decodeCommand(frame.subarray(0, cut)), null, `cut at ${cut}`);
    const decoded = decodeCommand(frame);
    assert.deepEqual(decoded?.args.map(String), ['GET', 'k']);
    assert.deepEqual(decodeCommand(frame.subarray(decoded?.consumed))?.args.map(String), ['PING']);
  });

  it('round-trips every reply type, the null bulk string included', () => {
    for (const reply of [
      { type: 'simple', value: 'OK' },
      { type: 'error', message: 'ERR nope' },
      { type: 'integer', value: 42 },
      { type: 'bulk', value: Buffer.from('x\r\ny') },
      { type: 'bulk', value: null },
    ] as const) {
      const bytes = encodeReply(reply);
      assert.equal(decodeReply(bytes.subarray(0, bytes.length - 1)), null);
      assert.deepEqual(decodeReply(bytes), { reply, consumed: bytes.length });
    }
  });

  it('refuses what is not RESP', () => {
    assert.throws(() => decodeCommand(Buffer.from('GET k\r\n')), RespProtocolError);
    assert.throws(() => decodeReply(Buffer.from('?huh\r\n')), RespProtocolError);
  });
});
