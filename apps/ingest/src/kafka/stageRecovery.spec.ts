import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { Consumer } from 'kafkajs';
import { IngestMetrics } from '../metrics/ingestMetrics.js';
import { StageRecovery } from './stageRecovery.js';

/** Just enough of a kafkajs consumer: CRASH events with kafkajs's payload shape. */
class FakeConsumer extends EventEmitter {
  readonly events = { CRASH: 'consumer.crash' };
  crash(restart: boolean): void {
    this.emit('consumer.crash', { payload: { error: new Error('Connection error: connect ECONNREFUSED'), groupId: 'g', restart } });
  }
}

function fakeStage(failOpens = 0) {
  const consumers: FakeConsumer[] = [];
  let opens = 0;
  let closes = 0;
  return {
    consumers,
    get opens() {
      return opens;
    },
    get closes() {
      return closes;
    },
    stage: {
      name: 'decode',
      open: async (): Promise<Consumer> => {
        opens++;
        if (opens > 1 && failOpens-- > 0) throw new Error('broker down');
        const consumer = new FakeConsumer();
        consumers.push(consumer);
        return consumer as unknown as Consumer;
      },
      close: async (): Promise<void> => {
        closes++;
      },
    },
  };
}

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(check(), 'condition not reached');
};

async function restarts(metrics: IngestMetrics): Promise<number> {
  const metric = await metrics.stageRestarts.get();
  return metric.values.find((v) => v.labels.stage === 'decode')?.value ?? 0;
}

test('a crash kafkajs will not restart rebuilds the stage with fresh clients, and is counted', async () => {
  const metrics = new IngestMetrics();
  const fake = fakeStage();
  const recovery = new StageRecovery(fake.stage, metrics, { firstDelayMs: 1, maxDelayMs: 4, log: () => undefined });
  await recovery.start();
  fake.consumers[0]?.crash(false);
  await until(() => fake.opens === 2);
  assert.equal(fake.closes, 1);
  assert.equal(await restarts(metrics), 1);
  // The rebuilt consumer is watched too.
  fake.consumers[1]?.crash(false);
  await until(() => fake.opens === 3);
  assert.equal(await restarts(metrics), 2);
  await recovery.stop();
});

test('a crash kafkajs restarts by itself is left to kafkajs', async () => {
  const metrics = new IngestMetrics();
  const fake = fakeStage();
  const recovery = new StageRecovery(fake.stage, metrics, { firstDelayMs: 1, maxDelayMs: 4, log: () => undefined });
  await recovery.start();
  fake.consumers[0]?.crash(true);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(fake.opens, 1);
  assert.equal(await restarts(metrics), 0);
  await recovery.stop();
});

test('while Kafka stays down the rebuild is retried with growing delays until it opens', async () => {
  const metrics = new IngestMetrics();
  const fake = fakeStage(3);
  const lines: string[] = [];
  const recovery = new StageRecovery(fake.stage, metrics, { firstDelayMs: 1, maxDelayMs: 4, log: (l) => lines.push(l) });
  await recovery.start();
  fake.consumers[0]?.crash(false);
  await until(() => fake.consumers.length === 2);
  assert.equal(fake.opens, 5, 'one start, three failed rebuilds, one that worked');
  assert.equal(await restarts(metrics), 1, 'one crash, one rebuild counted');
  assert.deepEqual(
    lines.filter((l) => l.includes('retrying in')).map((l) => /retrying in (\d+) ms/.exec(l)?.[1]),
    ['1', '2', '4'],
  );
  assert.ok(lines.at(-1)?.includes('consuming again'));
  await recovery.stop();
});

test('stop during a rebuild ends it without opening again', async () => {
  const metrics = new IngestMetrics();
  const fake = fakeStage(1_000);
  const recovery = new StageRecovery(fake.stage, metrics, { firstDelayMs: 5, maxDelayMs: 5, log: () => undefined });
  await recovery.start();
  fake.consumers[0]?.crash(false);
  await until(() => fake.opens >= 3);
  await recovery.stop();
  const opens = fake.opens;
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(fake.opens, opens);
});
