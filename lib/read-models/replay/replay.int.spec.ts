import { randomUUID } from 'node:crypto';
import type { Kafka, Message } from '../../adapters/kafka/types';
import type { OrderEvent } from '../../../domain/order/events';
import { createKafka } from '../../adapters/kafka/client';
import { connectMongo, type MongoAdapter } from '../../adapters/mongo';
import { createRedis, type Redis } from '../../adapters/redis';
import { createSchemaRegistry } from '../../adapters/schema-registry';
import { HEADERS } from '../../adapters/kafka/headers';
import { PROBLEM_CONTENT_TYPE } from '../../http/problem';
import { ALIAS_COLLECTION } from '../views';
import { createReplayTracker } from './replay-tracker';
import { startQueryApiHarness } from '../../../query-api/testing/harness';
import { ensureTopics, topicDefinitions } from '../../../topics/ensure-topics';
import { topicNames, type TopicNames } from '../../../topics/names';
import { testEndpoints, uniqueName } from '../../../test/support/env';
import { createOrderEventCodec } from '../../../schemas/event-codec';
import { VIEW_SPECS } from '../projections/projection-views';
import { beginReplay, replayProjections, type ReplayOptions } from './replay';
import { REPLAY_COLLECTION, ReplayLeaseLostError } from './replay-lease';
import type { ReplayProgress } from './replay-progress';
import { fetchAsAdmin } from '../../../test/support/auth';

jest.setTimeout(180_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('projection replay failures are loud', () => {
  let mongo: MongoAdapter;
  let redis: Redis;
  const kafka: Kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: 'replay-int' });
  const registry = createSchemaRegistry(testEndpoints().schemaRegistryUrl);

  beforeAll(async () => {
    mongo = await connectMongo(testEndpoints().mongodbUri, 'replay_int');
    redis = createRedis(testEndpoints().redisUrl, 'replay-int');
  });
  afterAll(async () => {
    await mongo?.close();
    redis?.disconnect();
  });

  const fresh = async (): Promise<{ topics: TopicNames; options: ReplayOptions }> => {
    const topics = topicNames(`${uniqueName('replay')}.`);
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, topicDefinitions(topics.prefix));
    await admin.disconnect();
    const db = mongo.client.db(uniqueName('replay').replace(/-/g, '_'));
    return { topics, options: { kafka, registry, topics, db, redis, quietMs: 200 } };
  };

  const created = async (topics: TopicNames, orderId: string, customerId: string): Promise<Message> => {
    const codec = await createOrderEventCodec(registry, topics.events('orders'));
    const event: OrderEvent = {
      type: 'OrderCreated',
      data: {
        customerId,
        currency: 'EUR',
        items: [],
        salesChannel: 'web',
        occurredAt: '2025-01-01T00:00:00.000Z',
      },
    };
    const encoded = codec.encode(event);
    return {
      key: `${orderId}:1`,
      value: encoded.value,
      partition: 0,
      headers: {
        [HEADERS.eventType]: event.type,
        [HEADERS.schemaId]: String(encoded.schemaId),
        [HEADERS.aggregateId]: orderId,
        [HEADERS.aggregateVersion]: '1',
      },
    };
  };

  const send = async (topic: string, messages: Message[]): Promise<void> => {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages });
    await producer.disconnect();
  };

  it('counts and lists undecodable and unprojectable events in the job status, and rebuilds the rest', async () => {
    const { topics, options } = await fresh();
    const topic = topics.events('orders');
    const healthy = randomUUID();
    const poisoned = randomUUID();
    await send(topic, [
      {
        key: 'garbage:1',
        value: Buffer.from('not avro'),
        partition: 0,
        headers: {
          [HEADERS.eventType]: 'OrderCreated',
          [HEADERS.aggregateId]: 'garbage',
          [HEADERS.aggregateVersion]: '1',
        },
      },
      await created(topics, poisoned, 'evolve-throws'),
      await created(topics, healthy, 'c-1'),
    ]);
    const evolve = VIEW_SPECS.orders.evolve;
    const spy = jest.spyOn(VIEW_SPECS.orders, 'evolve').mockImplementation((doc, event, envelope) => {
      if ((event as { data?: { customerId?: string } }).data?.customerId === 'evolve-throws')
        throw new Error('cannot project');
      return evolve(doc, event, envelope);
    });
    let last: ReplayProgress | undefined;
    try {
      const result = await replayProjections({ ...options, onProgress: (p) => (last = p) });
      const orders = options.db.collection<{ _id: string }>(result.collections.orders);
      expect((await orders.find({}).toArray()).map((d) => d._id)).toEqual([healthy]);
    } finally {
      spy.mockRestore();
    }
    expect(last).toMatchObject({ status: 'done', undecodable: 1, unprojectable: 1 });
    expect(last?.skipped).toEqual([
      `${topic}/0/0: record is not in the Confluent wire format`,
      `${topic}/0/1: cannot project`,
    ]);
  });

  it('fails without swapping when its lease is taken away', async () => {
    const { topics, options } = await fresh();
    await send(topics.events('orders'), [await created(topics, randomUUID(), 'c-1')]);
    const statuses: ReplayProgress[] = [];
    let takenOver = false;
    const { done } = await beginReplay({
      ...options,
      onProgress: (p) => {
        statuses.push(p);
        // Another replay took the lease over (as after a pause longer than the lease).
        if (!takenOver) {
          takenOver = true;
          void options.db
            .collection(REPLAY_COLLECTION)
            .updateOne({ _id: 'in-progress' } as never, { $set: { jobId: 'someone-else' } });
        }
      },
    });
    await expect(done).rejects.toBeInstanceOf(ReplayLeaseLostError);
    expect(statuses[statuses.length - 1]).toMatchObject({ status: 'failed' });
    expect(statuses[statuses.length - 1]?.error).toContain('lost its lease');
    expect(await options.db.collection(ALIAS_COLLECTION).countDocuments()).toBe(0);
    const left = (await options.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(left.filter((n) => n.includes('_view_'))).toEqual([]);
  });

  it('answers a second replay request while one runs with 409 problem+json', async () => {
    const { options } = await fresh();
    const tracker = createReplayTracker({ ...options, quietMs: 2_000 });
    const h = await startQueryApiHarness(options.db.databaseName, { db: options.db, replay: tracker });
    try {
      const first = await fetchAsAdmin(`${h.url}/api/admin/projections/replay`, { method: 'POST' });
      expect(first.status).toBe(202);
      const { jobId } = (await first.json()) as { jobId: string };
      const second = await fetchAsAdmin(`${h.url}/api/admin/projections/replay`, { method: 'POST' });
      expect(second.status).toBe(409);
      expect(second.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
      expect(await second.json()).toMatchObject({ status: 409, code: 'REPLAY_IN_PROGRESS', jobId });
      for (let i = 0; tracker.progress(jobId)?.status !== 'done'; i++) {
        if (i > 600 || tracker.progress(jobId)?.status === 'failed')
          throw new Error(JSON.stringify(tracker.progress(jobId)));
        await sleep(100);
      }
    } finally {
      await h.close();
    }
  });
});
