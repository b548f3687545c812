import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { buildAgentConfig } from './agentConfig.js';
import { ConfigError } from './configError.js';

const settingOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.setting;
  }
  assert.fail('expected a ConfigError');
};

describe('buildAgentConfig', () => {
  it('has working defaults', () => {
    const config = buildAgentConfig({}, {});
    assert.equal(config.sink, 'terminal');
    assert.equal(config.intervalMs, 1000);
    assert.equal(config.durationMs, null);
    assert.deepEqual(config.netns, []);
    assert.equal(config.metricsAddr, null);
    assert.equal(config.trafficPath, 'auto');
  });

  it('reads flags, and WEFT_AGENT_* variables when a flag is absent', () => {
    const config = buildAgentConfig(
      { json: true, duration: '2.5', netns: ['a', 'b'] },
      { WEFT_AGENT_METRICS_ADDR: '127.0.0.1:9464', WEFT_AGENT_DURATION: '99', WEFT_AGENT_NETNS: 'x' },
    );
    assert.equal(config.sink, 'json');
    assert.equal(config.durationMs, 2500);
    assert.deepEqual(config.netns, ['a', 'b']);
    assert.deepEqual(config.metricsAddr, { host: '127.0.0.1', port: 9464 });
  });

  it('names the bad setting', () => {
    assert.equal(settingOf(() => buildAgentConfig({ duration: 'soon' }, {})), '--duration');
    assert.equal(settingOf(() => buildAgentConfig({ duration: '-1' }, {})), '--duration');
    assert.equal(settingOf(() => buildAgentConfig({ metricsAddr: 'nope' }, {})), '--metrics-addr');
    assert.equal(settingOf(() => buildAgentConfig({ maxSockets: '1.5' }, {})), '--max-sockets');
    assert.equal(settingOf(() => buildAgentConfig({ ringBufferBytes: '5000' }, {})), '--ring-buffer-bytes');
    assert.equal(settingOf(() => buildAgentConfig({ trafficPath: 'xdp' }, {})), '--traffic-path');
    assert.equal(settingOf(() => buildAgentConfig({ interval: '0.01' }, {})), '--interval');
  });
});
