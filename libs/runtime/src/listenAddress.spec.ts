import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { ConfigError } from './configError.js';
import { parseListenAddress } from './listenAddress.js';

test('parseListenAddress takes HOST:PORT, [V6]:PORT and :PORT', () => {
  assert.deepEqual(parseListenAddress('127.0.0.1:9464', 'x'), { host: '127.0.0.1', port: 9464 });
  assert.deepEqual(parseListenAddress(' [::1]:80 ', 'x'), { host: '::1', port: 80 });
  assert.deepEqual(parseListenAddress(':9464', 'x'), { host: '0.0.0.0', port: 9464 });
});

test('parseListenAddress names the setting of a bad address', () => {
  for (const raw of ['nope', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', '::1:80']) {
    assert.throws(
      () => parseListenAddress(raw, '--api-addr'),
      (err: unknown) => err instanceof ConfigError && err.setting === '--api-addr' && err.message.includes(raw),
      raw,
    );
  }
});
