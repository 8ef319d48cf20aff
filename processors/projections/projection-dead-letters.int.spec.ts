import { randomUUID } from 'node:crypto';
import type { Kafka, Message } from '../../lib/adapters/kafka/types';
import pino from 'pino';
import type { OrderEvent } from '../../domain/order/events';
import { createKafka } from '../../lib/adapters/kafka/client';
import { connectMongo, type MongoAdapter } from '../../lib/adapters/mongo';
import { createRedis, type Redis } from '../../lib/adapters/redis';
import { createSchemaRegistry } from '../../lib/adapters/schema-registry';
import { readDeadLetters } from '../../lib/adapters/kafka/dead-letters';
import { HEADERS, headerString, headersToObject } from '../../lib/adapters/kafka/headers';
import { createMetrics, type Metrics } from '../../lib/observability/metrics';
import { defaultCollection, type OrderView } from '../../lib/read-models/views';
import { ensureTopics, topicDefinitions } from '../../topics/ensure-topics';
import { topicNames, type TopicNames } from '../../topics/names';
import { testEndpoints, uniqueName } from '../../test/support/env';
import { createOrderEventCodec } from '../../schemas/event-codec';
import { PROJECTIONS_DEAD_LETTER_GROUP, startProjections, type Projections } from './projection-runner';
import { VIEW_SPECS } from '../../lib/read-models/projections/projection-views';

// The first consumer group on a young broker waits for its coordinator: as long as projections.e2e allows.
jest.setTimeout(240_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Creates the topics of `prefix`; `without` leaves one out, to watch the runner when it is missing. */
const createTopics = async (kafka: Kafka, prefix: string, without?: string): Promise<void> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(
      admin,
      topicDefinitions(prefix).filter((t) => t.name !== without),
    );
  } finally {
    await admin.disconnect();
  }
};

const freshTopics = (): TopicNames => topicNames(`${uniqueName('projdlq')}.`);

/** An OrderCreated as the command processor writes it: wire-format value, envelope in the headers. */
const orderCreated = async (
  topics: TopicNames,
  orderId: string,
  customerId = 'customer-dlq',
): Promise<Message> => {
  const codec = await createOrderEventCodec(
    createSchemaRegistry(testEndpoints().schemaRegistryUrl),
    topics.events('orders'),
  );
  const event: OrderEvent = {
    type: 'OrderCreated',
    data: {
      customerId,
      currency: 'EUR',
      items: [{ sku: 'SKU-DLQ', quantity: 2, unitPrice: 1_500 }],
      salesChannel: 'web',
      occurredAt: '2024-05-01T10:00:00.000Z',
    },
  };
  const encoded = codec.encode(event);
  return {
    key: `${orderId}:1`,
    value: encoded.value,
    headers: {
      [HEADERS.eventType]: event.type,
      [HEADERS.schemaId]: String(encoded.schemaId),
      [HEADERS.schemaVersion]: String(encoded.schemaVersion),
      [HEADERS.aggregateId]: orderId,
      [HEADERS.aggregateVersion]: '1',
      [HEADERS.correlationId]: `corr-${orderId}`,
      [HEADERS.occurredAt]: event.data.occurredAt,
    },
  };
};

const poisonHeaders = (aggregateId: string) => ({
  [HEADERS.eventType]: 'OrderCreated',
  [HEADERS.aggregateId]: aggregateId,
  [HEADERS.aggregateVersion]: '1',
});

/** Confluent wire format (magic byte 0) naming a schema id the registry has never given out. */
const unknownSchemaId = (): Buffer => {
  const value = Buffer.alloc(9);
  value.writeUInt8(0, 0);
  value.writeInt32BE(2_000_000_000, 1);
  value.write('avro', 5);
  return value;
};

const skippedDecodes = async (metrics: Metrics): Promise<number> => {
  const metric = metrics.registry.getSingleMetric('orderstream_projection_skipped_events_total');
  const values = (await metric?.get())?.values ?? [];
  return values.filter((v) => v.labels.reason === 'decode').reduce((sum, v) => sum + v.value, 0);
};

describe('projection dead letters', () => {
  let mongo: MongoAdapter;
  let redis: Redis;
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

  beforeAll(async () => {
    const endpoints = testEndpoints();
    mongo = await connectMongo(endpoints.mongodbUri, uniqueName('projdlq').replace(/-/g, '_'));
    redis = createRedis(endpoints.redisUrl, 'projection-dead-letters-int');
  });
  afterAll(async () => {
    await mongo?.db.dropDatabase().catch(() => {});
    await mongo?.close();
    redis?.disconnect();
  });

  const run = (kafka: Kafka, topics: TopicNames, metrics: Metrics): Promise<Projections> =>
    startProjections({
      kafka,
      registry: createSchemaRegistry(testEndpoints().schemaRegistryUrl),
      topics,
      db: mongo.db,
      redis,
      logger,
      metrics,
      groupId: `${topics.prefix}projections`,
    });

  const write = async (kafka: Kafka, topic: string, messages: Message[]): Promise<void> => {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      // One partition, poison first: the valid event behind them shows the partition moves on.
      await producer.send({ topic, messages: messages.map((m) => ({ ...m, partition: 0 })) });
    } finally {
      await producer.disconnect();
    }
  };

  const orderView = (orderId: string) =>
    mongo.db.collection<OrderView>(defaultCollection('orders')).findOne({ _id: orderId });

  it('parks undecodable records whole on deadletter.projections and projects the events around them', async () => {
    const kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: 'projection-dlq-test' });
    const topics = freshTopics();
    await createTopics(kafka, topics.prefix);
    const eventsTopic = topics.events('orders');
    const orderId = randomUUID();
    const garbage = Buffer.from('{"not":"avro"}');
    const unknownSchema = unknownSchemaId();
    await write(kafka, eventsTopic, [
      { key: 'garbage:1', value: garbage, headers: poisonHeaders('garbage') },
      { key: 'unknown-schema:1', value: unknownSchema, headers: poisonHeaders('unknown-schema') },
      await orderCreated(topics, orderId),
    ]);

    const metrics = createMetrics({ service: 'projection-dlq-test', defaultMetrics: false });
    const projections = await run(kafka, topics, metrics);
    try {
      await projections.waitUntilCaughtUp();
    } finally {
      await projections.stop();
    }

    expect(await orderView(orderId)).toMatchObject({
      orderId,
      customerId: 'customer-dlq',
      status: 'Draft',
      totalAmount: 3_000,
      version: 1,
    });

    const letters = await readDeadLetters(kafka, topics.deadLetter(PROJECTIONS_DEAD_LETTER_GROUP));
    const byOffset = new Map(
      letters.map((d) => [headerString(d.message.headers, HEADERS.deadLetterSource), d.message]),
    );
    expect([...byOffset.keys()].sort()).toEqual([`${eventsTopic}/0/0`, `${eventsTopic}/0/1`]);

    const first = byOffset.get(`${eventsTopic}/0/0`);
    expect(first?.key?.toString()).toBe('garbage:1');
    expect(first?.value).toEqual(garbage);
    expect(headersToObject(first?.headers)).toMatchObject({
      ...poisonHeaders('garbage'),
      [HEADERS.deadLetterAttempts]: '1',
    });
    expect(headerString(first?.headers, HEADERS.deadLetterReason)).toBe(
      `projections ${topics.prefix}projections: cannot decode OrderCreated: record is not in the Confluent wire format`,
    );
    expect(headerString(first?.headers, HEADERS.deadLetterStack)).toContain('ValidationError');

    const second = byOffset.get(`${eventsTopic}/0/1`);
    expect(second?.key?.toString()).toBe('unknown-schema:1');
    expect(second?.value).toEqual(unknownSchema);
    expect(headerString(second?.headers, HEADERS.deadLetterReason)).toContain('2000000000');

    expect(await skippedDecodes(metrics)).toBe(2);
  });

  it('does not commit past a poison record while its dead letter cannot be written', async () => {
    // Short retries, so each failed send fails the batch in about a second rather than half a minute.
    const kafka = createKafka({
      brokers: testEndpoints().kafkaBrokers,
      clientId: 'projection-dlq-test',
      retry: { initialRetryTime: 100, retries: 2 },
    });
    const topics = freshTopics();
    const deadLetterTopic = topics.deadLetter(PROJECTIONS_DEAD_LETTER_GROUP);
    await createTopics(kafka, topics.prefix, deadLetterTopic);

    const eventsTopic = topics.events('orders');
    const orderId = randomUUID();
    await write(kafka, eventsTopic, [
      { key: 'garbage:1', value: 'not avro', headers: poisonHeaders('garbage') },
      await orderCreated(topics, orderId),
    ]);
    const metrics = createMetrics({ service: 'projection-dlq-test', defaultMetrics: false });
    const groupId = `${topics.prefix}projections`;
    const committed = async (): Promise<string | undefined> => {
      const a = kafka.admin();
      await a.connect();
      try {
        const [offsets] = await a.fetchOffsets({ groupId, topics: [eventsTopic] });
        return offsets?.partitions.find((p) => p.partition === 0)?.offset;
      } finally {
        await a.disconnect();
      }
    };

    const projections = await run(kafka, topics, metrics);
    try {
      // The batch is projected before the dead letter is sent; wait until it has got that far.
      for (let i = 0; (await orderView(orderId)) === null; i++) {
        if (i > 300) throw new Error('the valid event was never projected');
        await sleep(100);
      }
      // The dead letter cannot be written (its topic is missing): the batch waits on Kafka, in place.
      for (let i = 0; !projections.health().stalled.some((s) => s.dependency === 'kafka'); i++) {
        if (i > 300) throw new Error('the batch never waited for the dead-letter topic');
        await sleep(100);
      }
      expect(await committed()).toBe('-1');
      expect(await skippedDecodes(metrics)).toBe(0);

      await createTopics(kafka, topics.prefix);
      await projections.waitUntilCaughtUp(90_000);
    } finally {
      await projections.stop();
    }

    expect(await committed()).toBe('2');
    const letters = await readDeadLetters(kafka, deadLetterTopic);
    expect(letters.length).toBeGreaterThanOrEqual(1);
    expect(new Set(letters.map((d) => headerString(d.message.headers, HEADERS.deadLetterSource)))).toEqual(
      new Set([`${eventsTopic}/0/0`]),
    );
    expect(await skippedDecodes(metrics)).toBe(1);
  });

  it('parks an event whose evolve throws and projects the events behind it on the same partition', async () => {
    // A deterministic failure inside the fold, as a projection that does not know an event would throw.
    const evolve = VIEW_SPECS.orders.evolve;
    const spy = jest.spyOn(VIEW_SPECS.orders, 'evolve').mockImplementation((doc, event, envelope) => {
      if ((event as { data?: { customerId?: string } }).data?.customerId === 'evolve-throws') {
        throw new Error('this order cannot be projected');
      }
      return evolve(doc, event, envelope);
    });
    try {
      const kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: 'projection-dlq-test' });
      const topics = freshTopics();
      await createTopics(kafka, topics.prefix);
      const eventsTopic = topics.events('orders');
      const [poisoned, healthy] = [randomUUID(), randomUUID()];
      await write(kafka, eventsTopic, [
        await orderCreated(topics, poisoned, 'evolve-throws'),
        await orderCreated(topics, healthy),
      ]);
      const metrics = createMetrics({ service: 'projection-dlq-test', defaultMetrics: false });
      const projections = await run(kafka, topics, metrics);
      try {
        await projections.waitUntilCaughtUp();
        expect(projections.health().stalled).toEqual([]);
      } finally {
        await projections.stop();
      }
      expect(await orderView(poisoned)).toBeNull();
      expect(await orderView(healthy)).toMatchObject({ orderId: healthy, version: 1 });
      const letters = await readDeadLetters(kafka, topics.deadLetter(PROJECTIONS_DEAD_LETTER_GROUP));
      expect(letters.map((d) => headerString(d.message.headers, HEADERS.deadLetterSource))).toEqual([
        `${eventsTopic}/0/0`,
      ]);
      expect(headerString(letters[0]?.message.headers, HEADERS.deadLetterReason)).toBe(
        `projections ${topics.prefix}projections: cannot project OrderCreated v1 of ${poisoned}: this order cannot be projected`,
      );
    } finally {
      spy.mockRestore();
    }
  });
});
