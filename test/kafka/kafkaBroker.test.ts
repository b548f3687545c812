/**
 * The Kafka test fixture (fixtures/kafkaBroker.ts) against kafkajs 2.2.4, the
 * client Weft's Kafka transport uses: a real Apache Kafka broker (KRaft, from
 * .weft/kafka/libs) takes 1,000 keyed messages on 4 partitions, two consumers
 * of one group share the partitions and see every message exactly once; then
 * the broker stops (a producer cannot deliver meanwhile), restarts on the same
 * port and data, and the same group goes on from its committed offsets.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kafka, logLevel, Partitioners, type Consumer, type Producer } from 'kafkajs';
import { KafkaBroker } from '../fixtures/kafkaBroker.js';

const TOPIC = 'weft-fixture-test';
const PROBE_TOPIC = 'weft-fixture-probe';
const GROUP = 'weft-fixture-group';
const PARTITIONS = 4;
const BEFORE_STOP = 1_000;
const AFTER_RESTART = 200;

interface Delivery {
  n: number;
  consumer: string;
  partition: number;
  offset: string;
  phase: 'before-stop' | 'after-stop';
}

let broker: KafkaBroker;
let kafka: Kafka;
let producer: Producer;
const consumers: Consumer[] = [];
const deliveries: Delivery[] = [];
const assignments = new Map<string, number[]>();
const crashes: string[] = [];
let phase: Delivery['phase'] = 'before-stop';

before(async () => {
  broker = await KafkaBroker.start();
  kafka = new Kafka({
    clientId: 'weft-fixture-test',
    brokers: broker.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    retry: { initialRetryTime: 200, maxRetryTime: 2_000, retries: 8 },
  });
});

after(async () => {
  await Promise.allSettled([producer?.disconnect(), ...consumers.map((c) => c.disconnect())]);
  await broker?.dispose();
});

async function waitFor(what: string, timeoutMs: number, ready: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

function messages(from: number, count: number): { key: string; value: string }[] {
  return Array.from({ length: count }, (_, i) => ({ key: `node-${(from + i) % 37}`, value: JSON.stringify({ n: from + i }) }));
}

async function produce(from: number, count: number): Promise<void> {
  for (let start = from; start < from + count; start += 100) {
    await producer.send({ topic: TOPIC, acks: -1, messages: messages(start, Math.min(100, from + count - start)) });
  }
}

/** Committed offsets of GROUP, summed, and the topic's high watermarks, summed. */
async function committedAndEnd(): Promise<{ committed: number; end: number; byPartition: string }> {
  return broker.withAdmin(async (admin) => {
    const [offsets] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    const ends = await admin.fetchTopicOffsets(TOPIC);
    const committed = (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    const end = ends.reduce((sum, p) => sum + Number(p.high), 0);
    const byPartition = (offsets?.partitions ?? [])
      .sort((a, b) => a.partition - b.partition)
      .map((p) => `${p.partition}:${p.offset}`)
      .join(' ');
    return { committed, end, byPartition };
  });
}

test('two consumers of one group share 4 partitions and see 1,000 keyed messages exactly once', { timeout: 60_000 }, async (t) => {
  t.diagnostic(`broker ${broker.brokers[0]}: storage format ${broker.formatMs} ms, start-up ${broker.startupMs} ms (JVM start to describeCluster)`);
  assert.equal(await broker.createTopic(TOPIC, PARTITIONS), true);
  assert.equal(await broker.createTopic(PROBE_TOPIC, 1), true);

  for (const name of ['consumer-a', 'consumer-b']) {
    const consumer = kafka.consumer({ groupId: GROUP, heartbeatInterval: 500, maxWaitTimeInMs: 500 });
    consumer.on(consumer.events.GROUP_JOIN, (event) => assignments.set(name, event.payload.memberAssignment[TOPIC] ?? []));
    consumer.on(consumer.events.CRASH, (event) => crashes.push(`${name}: ${event.payload.error.message} (restart ${event.payload.restart})`));
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const { n } = JSON.parse(message.value?.toString() ?? '{}') as { n: number };
        deliveries.push({ n, consumer: name, partition, offset: message.offset, phase });
      },
    });
    consumers.push(consumer);
  }

  // Produce once the group is stable with both members: no rebalance while consuming.
  const stable = (): boolean => {
    const [a, b] = [assignments.get('consumer-a') ?? [], assignments.get('consumer-b') ?? []];
    return a.length > 0 && b.length > 0 && new Set([...a, ...b]).size === PARTITIONS && a.length + b.length === PARTITIONS;
  };
  await waitFor('both consumers to hold partitions', 30_000, stable);
  t.diagnostic(`assignment: consumer-a ${assignments.get('consumer-a')}, consumer-b ${assignments.get('consumer-b')}`);

  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const produced = Date.now();
  await produce(0, BEFORE_STOP);
  await waitFor(`${BEFORE_STOP} distinct messages`, 30_000, () => new Set(deliveries.map((d) => d.n)).size === BEFORE_STOP);
  t.diagnostic(`produced and consumed ${BEFORE_STOP} messages in ${Date.now() - produced} ms`);
  // Offsets are committed after each batch: wait until they cover everything.
  await waitFor('committed offsets to reach the end of the topic', 15_000, async () => {
    const { committed, end } = await committedAndEnd();
    return end === BEFORE_STOP && committed === end;
  });

  const counts = new Map<number, number>();
  for (const d of deliveries) counts.set(d.n, (counts.get(d.n) ?? 0) + 1);
  const duplicated = [...counts].filter(([, count]) => count !== 1);
  assert.deepEqual(duplicated, [], 'each message consumed exactly once across the two consumers');
  assert.equal(counts.size, BEFORE_STOP);
  for (const name of ['consumer-a', 'consumer-b']) {
    const mine = deliveries.filter((d) => d.consumer === name);
    const partitions = new Set(mine.map((d) => d.partition));
    t.diagnostic(`${name}: ${mine.length} messages from partitions ${[...partitions].sort().join(',')}`);
    assert.ok(mine.length > 0, `${name} consumed messages`);
    assert.deepEqual([...partitions].sort(), [...(assignments.get(name) ?? [])].sort(), `${name} consumed exactly its assigned partitions`);
  }
  // A key always lands on one partition.
  const partitionOfKey = new Map<string, number>();
  for (const d of deliveries) {
    const key = `node-${d.n % 37}`;
    assert.equal(partitionOfKey.get(key) ?? d.partition, d.partition, `key ${key} on one partition`);
    partitionOfKey.set(key, d.partition);
  }
  assert.deepEqual(crashes, []);
});

test('broker stopped: sends fail or wait; restarted on the same port: the group resumes from its committed offsets', { timeout: 120_000 }, async (t) => {
  const beforeStop = await committedAndEnd();
  assert.equal(beforeStop.committed, BEFORE_STOP);

  // A producer with few retries, connected while the broker runs.
  const probe = new Kafka({
    clientId: 'weft-fixture-probe',
    brokers: broker.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1_000 },
  }).producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await probe.connect();

  let stopped = Date.now();
  phase = 'after-stop';
  await broker.stop();
  t.diagnostic(`broker stopped in ${Date.now() - stopped} ms (SIGTERM, controlled shutdown)`);
  stopped = Date.now();
  assert.equal(broker.running, false);

  // While the broker is down a send must not succeed: it fails, or is still waiting after 5 s.
  const outcome = await Promise.race([
    probe.send({ topic: PROBE_TOPIC, messages: [{ key: 'k', value: 'while down' }] }).then(
      () => 'delivered',
      (error: Error) => `failed: ${error.name}: ${error.message}`,
    ),
    new Promise<string>((done) => setTimeout(() => done('still waiting after 5 s'), 5_000)),
  ]);
  t.diagnostic(`send while the broker is down: ${outcome}`);
  assert.notEqual(outcome, 'delivered');
  await probe.disconnect().catch(() => undefined);

  await broker.restart();
  t.diagnostic(`broker restarted on ${broker.brokers[0]} in ${broker.startupMs} ms (down ${Date.now() - stopped} ms)`);
  const afterRestart = await committedAndEnd();
  assert.equal(afterRestart.byPartition, beforeStop.byPartition, 'committed offsets survived the restart');
  assert.equal(afterRestart.end, BEFORE_STOP, 'the topic kept its messages');

  // The same two consumers (same group) pick up messages produced after the restart.
  const resumed = Date.now();
  await produce(BEFORE_STOP, AFTER_RESTART);
  await waitFor(`the ${AFTER_RESTART} messages produced after the restart`, 45_000, () => {
    const seen = new Set(deliveries.filter((d) => d.n >= BEFORE_STOP).map((d) => d.n));
    return seen.size === AFTER_RESTART;
  });
  t.diagnostic(`consumed the ${AFTER_RESTART} new messages ${Date.now() - resumed} ms after producing them started`);
  await waitFor('committed offsets to reach the end of the topic', 15_000, async () => {
    const { committed, end } = await committedAndEnd();
    return end === BEFORE_STOP + AFTER_RESTART && committed === end;
  });
  await new Promise((done) => setTimeout(done, 1_000)); // room for a stray redelivery to show

  const redelivered = deliveries.filter((d) => d.phase === 'after-stop' && d.n < BEFORE_STOP);
  assert.deepEqual(redelivered, [], 'no message committed before the stop is delivered again');
  const late = deliveries.filter((d) => d.n >= BEFORE_STOP);
  const byConsumer = ['consumer-a', 'consumer-b'].map((name) => `${name} ${late.filter((d) => d.consumer === name).length}`);
  t.diagnostic(`after the restart: ${late.length} deliveries of ${AFTER_RESTART} messages (${byConsumer.join(', ')})`);
  if (crashes.length > 0) t.diagnostic(`consumer crashes (kafkajs restarts them): ${crashes.join('; ')}`);
  // A consumer that was between retries (kafkajs backs off up to its maxRetryTime) rejoins a little later.
  let group: { state?: string; members: number } = { members: 0 };
  await waitFor('both consumers to be members of a stable group', 45_000, async () => {
    const described = await broker.withAdmin((admin) => admin.describeGroups([GROUP]));
    group = { state: described.groups[0]?.state, members: described.groups[0]?.members.length ?? 0 };
    return group.state === 'Stable' && group.members === 2;
  }).catch(() => undefined);
  assert.equal(group.state, 'Stable');
  assert.equal(group.members, 2, 'both consumers are still members of the group');
});
