import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createRedis, type Redis } from '../adapters/redis';
import { createSchemaRegistry } from '../adapters/schema-registry';
import { createMetrics } from '../observability/metrics';
import { commandSideHarness, type CommandSideHarness } from '../../test/support/command-side';
import { testEndpoints } from '../../test/support/env';
import { topicNames } from '../../topics/names';
import {
  startCommandProcessor,
  type CommandProcessor,
} from '../../processors/command-side/command-processor';
import { createOrderEventCodec } from '../../schemas/event-codec';
import { readAggregateEvents } from '../adapters/kafka/event-reader';
import { ordersModule } from '../../processors/command-side/orders-module';
import { readRange, watermarks } from '../adapters/kafka/event-range-reader';
import { createUpcastMigrations } from './upcast-migrations';

jest.setTimeout(120_000);

const item = (sku: string) => ({ sku, quantity: 1, unitPrice: 1_000 });

/**
 * The writer's side of the switch (README, "Upcast migration"): the orders command processor,
 * stopped after snapshot checkpoints on the old topic, restarts on the copy and goes on with each
 * order's next version there, one history per order (G1), never touching the old topic.
 */
describe('a command processor switched to the migrated topic', () => {
  let h: CommandSideHarness;
  let redis: Redis;
  let switched: CommandProcessor | undefined;

  beforeAll(async () => {
    h = await commandSideHarness();
    redis = createRedis(testEndpoints().redisUrl, 'writer-switch');
  });
  afterAll(async () => {
    await switched?.stop();
    await h?.close();
    await redis?.quit();
  });

  const recordsOf = async (topic: string) => {
    const { low, high } = await watermarks(h.kafka, [topic]);
    const keys: string[] = [];
    await readRange(h.kafka, {
      topics: [topic],
      from: low,
      to: high,
      onBatch: async (_t, partition, messages) =>
        void keys.push(...messages.map((m) => `${partition}/${m.offset}/${m.key?.toString() ?? ''}`)),
    });
    // Partitions arrive in any order; within one, in offset order.
    return keys.sort();
  };

  it('restores from the copy, not from a checkpoint taken on the old topic, and appends the next versions there', async () => {
    // A checkpoint every two events, so the old topic's offsets are in the snapshots topic.
    const before = await h.startProcessor(2);
    const orders = Array.from({ length: 4 }, () => randomUUID());
    for (const orderId of orders) {
      const created = await h.send({
        type: 'CreateOrder',
        orderId,
        customerId: 'c-1',
        currency: 'EUR',
        items: [],
      });
      expect(await h.reply(created)).toMatchObject({ ok: true, version: 1 });
      for (const [n, sku] of ['SKU-1', 'SKU-2'].entries()) {
        const added = await h.send({ type: 'AddItem', orderId, ...item(sku), expectedVersion: n + 1 });
        expect(await h.reply(added)).toMatchObject({ ok: true, version: n + 2 });
      }
    }
    await before.stop();
    expect(h.processorStats().length).toBeGreaterThan(0);

    const migrations = createUpcastMigrations({
      kafka: h.kafka,
      registry: createSchemaRegistry(testEndpoints().schemaRegistryUrl),
      topics: h.topics,
      redis,
      logger: pino({ level: 'silent' }),
    });
    const job = await migrations.start({ aggregateType: 'orders' });
    await migrations.stop();
    expect(await migrations.job(job.jobId)).toMatchObject({ state: 'finished', copied: orders.length * 3 });
    const sourceBefore = await recordsOf(job.sourceTopic);

    // Restarted as a process with ORDERSTREAM_EVENTS_TOPIC_ORDERS would be.
    const topics = topicNames(h.prefix, { orders: job.targetTopic });
    const codec = await createOrderEventCodec(
      createSchemaRegistry(testEndpoints().schemaRegistryUrl),
      job.targetTopic,
    );
    switched = await startCommandProcessor({
      kafka: h.kafka,
      module: ordersModule(codec),
      topics,
      groupId: `${h.prefix}orders-command-processor`,
      snapshotEvery: 2,
      logger: pino({ level: 'silent' }),
      metrics: createMetrics({ service: 'writer-switch', defaultMetrics: false }),
    });
    for (const orderId of orders) {
      const added = await h.send({ type: 'AddItem', orderId, ...item('SKU-3'), expectedVersion: 3 });
      expect(await h.reply(added)).toMatchObject({ ok: true, version: 4 });
    }
    // Every partition came back from the snapshots and the whole copy: the old offsets mean nothing here.
    expect(switched.restores().map((r) => r.eventsFromOffset)).toEqual(switched.restores().map(() => '0'));

    for (const orderId of orders) {
      const history = await readAggregateEvents(h.kafka, codec, job.targetTopic, orderId);
      expect(history.map((e) => e.version)).toEqual([1, 2, 3, 4]);
    }
    const target = await recordsOf(job.targetTopic);
    expect(target).toHaveLength(orders.length * 4);
    expect(await recordsOf(job.sourceTopic)).toEqual(sourceBefore);
  });
});
