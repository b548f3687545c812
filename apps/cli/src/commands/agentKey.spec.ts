import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { ConfigError } from '@weft/runtime';
import { agentKeyOf } from './agentKey.js';

const KEY = `weft_abcdefghijkl_${'x'.repeat(43)}`;
const OTHER = `weft_mnopqrstuvwx_${'y'.repeat(43)}`;

test('the flag wins over WEFT_AGENT_KEY; either does', () => {
  assert.equal(agentKeyOf(KEY, '--grpc', { WEFT_AGENT_KEY: OTHER }), KEY);
  assert.equal(agentKeyOf(undefined, '--kafka', { WEFT_AGENT_KEY: OTHER }), OTHER);
  assert.equal(agentKeyOf('  ', '--kafka', { WEFT_AGENT_KEY: ` ${OTHER} ` }), OTHER);
});

test('required for --grpc and --kafka only; a malformed key is refused without being repeated', () => {
  assert.equal(agentKeyOf(undefined, null, {}), null);
  for (const transport of ['--grpc', '--kafka'] as const) {
    assert.throws(() => agentKeyOf(undefined, transport, {}), (err: Error) => err instanceof ConfigError && err.message.startsWith(`${transport} needs an API key`) && err.message.includes('--key'));
  }
  assert.throws(() => agentKeyOf('weft_secret-but-wrong', '--grpc', {}), (err: Error) => err instanceof ConfigError && /--key is not a Weft API key/.test(err.message) && !err.message.includes('secret-but-wrong'));
  assert.throws(() => agentKeyOf(undefined, '--grpc', { WEFT_AGENT_KEY: 'nope' }), /WEFT_AGENT_KEY is not a Weft API key/);
});
