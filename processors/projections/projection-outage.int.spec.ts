import pino from 'pino';
import { createKafka } from '../../lib/adapters/kafka/client';
import { connectMongo, type MongoAdapter } from '../../lib/adapters/mongo';
import { createRedis, type Redis } from '../../lib/adapters/redis';
import { createSchemaRegistry } from '../../lib/adapters/schema-registry';
import { createMetrics } from '../../lib/observability/metrics';
import { sharedEndpoints, startStackInstance, type StackInstance } from '../../stack/instance';
import { ensureTopics, topicDefinitions } from '../../topics/ensure-topics';
import { topicNames } from '../../topics/names';
import { uniqueName } from '../../test/support/env';
import { startProjections, type Projections } from './projection-runner';
import { foldTopics, startEventFlow, storedViews, viewDifferences } from './testing/event-flow';
import { until } from '../../test/support/eventually';

// Two outages of 20 s each with the stack's start and stop around them, then a full fold to compare.
jest.setTimeout(420_000);

const PORTS = {
  kafka: 22092,
  kafkaController: 22093,
  registry: 22085,
  registryManagement: 22086,
  mongo: 22017,
  redis: 22379,
};
const OUTAGE_MS = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * DESIGN §12: the MongoDB-wire server or Redis down for 20 s while events keep arriving. The
 * projections must hold their batches (health naming the dependency), never crash, and once
 * the server is back every view document must equal a direct fold of the events topics.
 */
describe('projections through a dependency outage', () => {
  let stack: StackInstance;
  let mongo: MongoAdapter;
  let redis: Redis;
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

  beforeAll(async () => {
    stack = await startStackInstance({
      name: 'proj',
      services: ['mongo', 'redis'],
      ports: PORTS,
      shared: sharedEndpoints(),
    });
    mongo = await connectMongo(stack.endpoints.mongodbUri, 'outage');
    redis = createRedis(stack.endpoints.redisUrl, 'projection-outage-int');
    redis.on('error', () => {}); // it is stopped on purpose; the runner's retries report it
  });
  afterAll(async () => {
    redis?.disconnect();
    await mongo?.close().catch(() => {});
    await stack?.close();
  });

  const scenario = async (service: 'mongo' | 'redis', dependency: 'mongodb' | 'redis'): Promise<void> => {
    const kafka = createKafka({
      brokers: stack.endpoints.kafkaBrokers,
      clientId: `projection-outage-${service}`,
    });
    const registry = createSchemaRegistry(stack.endpoints.schemaRegistryUrl);
    const topics = topicNames(`${uniqueName(`outage-${service}`)}.`);
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, topicDefinitions(topics.prefix));
    await admin.disconnect();

    const db = mongo.client.db(uniqueName(`outage_${service}`).replace(/-/g, '_'));
    const metrics = createMetrics({ service: `projection-outage-${service}`, defaultMetrics: false });
    const projections: Projections = await startProjections({
      kafka,
      registry,
      topics,
      db,
      redis,
      logger,
      metrics,
    });
    const flow = await startEventFlow({ kafka, registry, topics, runId: uniqueName('o'), perSecond: 60 });
    try {
      await until(
        'the flow is projected',
        async () => (await db.collection('orders_view').countDocuments()) > 20,
      );
      await stack.stop(service);
      const stoppedAt = Date.now();
      await until(`health names ${dependency}`, () =>
        projections.health().stalled.some((s) => s.dependency === dependency),
      );
      const writtenDuringOutage = flow.written();
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));
      expect(flow.written()).toBeGreaterThan(writtenDuringOutage); // events kept arriving
      await stack.start(service);
      const writtenAtRestart = flow.written();
      await until('events keep arriving after the restart', () => flow.written() >= writtenAtRestart + 100);
      await flow.stop();
      await projections.waitUntilCaughtUp(180_000);
      expect(projections.health().stalled).toEqual([]);
      expect(projections.health().crashes).toBe(0);

      const expected = await foldTopics(kafka, registry, topics);
      const stored = await storedViews(db);
      expect(viewDifferences(expected, stored)).toEqual([]);
      expect(expected.orders.size).toBeGreaterThan(50);
      expect([...expected.orders.values()].some((d) => d.status === 'Completed')).toBe(true);
      // The held steps were retried, not dropped: the announcement and cache DEL of every batch
      // written during the outage went out once the server was back (a Redis that comes back with
      // its data, after a partition rather than a restart, has those entries deleted).
      const retried = await metrics.registry.getSingleMetric('orderstream_projection_retries_total')?.get();
      expect(retried?.values.find((v) => v.labels.dependency === dependency)?.value ?? 0).toBeGreaterThan(0);
    } finally {
      await flow.stop().catch(() => {});
      await projections.stop();
    }
  };

  it('holds every batch while MongoDB is down and converges to the fold of the events', async () => {
    await scenario('mongo', 'mongodb');
  });

  it('holds every batch while Redis is down, then catches up with caches invalidated', async () => {
    await scenario('redis', 'redis');
  });
});
