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
    assert.equal(config.l7, true);
    assert.equal(config.l7MaxRoutes, 1000);
    assert.equal(config.l7Ports, null);
    assert.equal(config.l7Processes, null);
  });

  it('reads the L7 settings: on/off, the route bound, port and process filters', () => {
    const config = buildAgentConfig({ l7: 'off', l7Ports: '80, 8080,80', l7MaxRoutes: '50' }, { WEFT_AGENT_L7_PROCESSES: 'nginx,envoy' });
    assert.equal(config.l7, false);
    assert.equal(config.l7MaxRoutes, 50);
    assert.deepEqual(config.l7Ports, [80, 8080]);
    assert.deepEqual(config.l7Processes, ['nginx', 'envoy']);
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
    assert.equal(settingOf(() => buildAgentConfig({ l7: 'maybe' }, {})), '--l7');
    assert.equal(settingOf(() => buildAgentConfig({ l7MaxRoutes: '0' }, {})), '--l7-max-routes');
    assert.equal(settingOf(() => buildAgentConfig({ l7Ports: '80,http' }, {})), '--l7-ports');
    assert.equal(settingOf(() => buildAgentConfig({ l7Ports: '70000' }, {})), '--l7-ports');
    assert.equal(settingOf(() => buildAgentConfig({ l7Ports: ',' }, {})), '--l7-ports');
    assert.equal(settingOf(() => buildAgentConfig({ l7Processes: 'a-process-name-too-long' }, {})), '--l7-processes');
  });
});
