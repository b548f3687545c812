import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { WriteHealth } from '../store/writeHealth.js';
import { kafkaStageCheck, writeHealthCheck } from './ingestHealth.js';

describe('ingest health checks', () => {
  it('writes: healthy while idle or succeeding, unhealthy once failing for longer than allowed, with the last write\'s age', async () => {
    const health = new WriteHealth();
    const check = writeHealthCheck('store_writes', health, { failingForMs: 1_000 });
    assert.deepEqual(await check.check(), { ok: true, details: { last_write_age_seconds: null, failing_for_seconds: 0 } }, 'idle is not failing');
    const now = Date.now();
    health.success(now - 10_000);
    health.failure(now - 5_000);
    health.failure(now - 1_000); // a later failure does not reset since when
    const sick = await check.check();
    assert.equal(sick.ok, false);
    assert.equal(sick.details?.last_write_age_seconds, 10);
    assert.match(sick.reason ?? '', /failing for 5 s \(the last one succeeded 10 s ago\)/);
    health.success(now);
    assert.equal((await check.check()).ok, true);
  });

  it('a Kafka stage is healthy once its consumer joined, and not while it is being rebuilt', async () => {
    const stage = { state: { joined: false, rebuilding: false } };
    const check = kafkaStageCheck('kafka_match', stage);
    assert.equal((await check.check()).ok, false);
    stage.state = { joined: true, rebuilding: false };
    assert.equal((await check.check()).ok, true);
    stage.state = { joined: false, rebuilding: true };
    assert.match((await check.check()).reason ?? '', /rebuilt/);
  });
});
