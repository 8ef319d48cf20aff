import type { Kafka, KafkaMessage, Message } from '../../lib/adapters/kafka/types';
import { createKafka } from '../../lib/adapters/kafka/client';
import { connectMongo, type MongoAdapter } from '../../lib/adapters/mongo';
import { createRedis, type Redis } from '../../lib/adapters/redis';
import { createSchemaRegistry } from '../../lib/adapters/schema-registry';
import { listen, type HttpServerHandle } from '../../lib/http/app';
import { PROBLEM_CONTENT_TYPE } from '../../lib/http/problem';
import { aggregatePartitioner } from '../../lib/adapters/kafka/aggregate-partitioner';
import { HEADERS, headerString } from '../../lib/adapters/kafka/headers';
import { createLogger } from '../../lib/observability/logger';
import { createMetrics } from '../../lib/observability/metrics';
import { createOrderEventCodec } from '../../schemas/event-codec';
import type { MigrationJob } from '../../lib/migrations/upcast-migrations';
import { createUpcastMigrations } from '../../lib/migrations/upcast-migrations';
import { UPCAST_SOURCE_HEADER } from '../../lib/migrations/upcast-record';
import { startProjections } from '../../processors/projections/projection-runner';
import { foldTopics, storedViews, viewDifferences } from '../../processors/projections/testing/event-flow';
import { createCommandApi, type CommandApi } from '../../producers/command-api/command-api';
import { latestSchema } from '../../schemas/catalog';
import { ensureTopics } from '../../topics/ensure-topics';
import { topicNames, type TopicNames } from '../../topics/names';
import { fetchAs, fetchAsAdmin, testAuth } from '../support/auth';
import { count, freshTopics, readAll, stored, writeOldHistories } from '../support/upcast-history';
import { testEndpoints, uniqueName } from '../support/env';

jest.setTimeout(180_000);

const endpoints = testEndpoints();
const kafka: Kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'upcast-e2e' });
const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);
const silent = createLogger({
  service: 'upcast-e2e',
  level: 'warn',
  destination: { write: () => undefined },
});
const ORDERS = 12;

let redis: Redis;
let mongo: MongoAdapter;
let api: CommandApi;
let server: HttpServerHandle;
let topics: TopicNames;

const post = (body: unknown, fetchWith: typeof fetch = fetchAsAdmin) =>
  fetchWith(`${server.url}/api/admin/migrations/upcast-events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** Polls the progress route until the pass is over; the job as the route last gave it. */
const finished = async (jobId: string, timeoutMs = 120_000): Promise<MigrationJob> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetchAsAdmin(`${server.url}/api/admin/migrations/${jobId}`);
    expect(response.status).toBe(200);
    const job = (await response.json()) as MigrationJob;
    if (job.state !== 'running') return job;
    if (Date.now() > deadline) throw new Error(`migration ${jobId} still running: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

beforeAll(async () => {
  topics = await freshTopics(kafka, 'upcast');
  redis = createRedis(endpoints.redisUrl, 'upcast-e2e');
  mongo = await connectMongo(endpoints.mongodbUri, 'upcast_e2e');
  api = await createCommandApi({
    verifier: (await testAuth()).verifier,
    kafka,
    redis,
    topics,
    migrations: createUpcastMigrations({ kafka, registry, topics, redis, logger: silent }),
    logger: silent,
  });
  server = await listen(api.app, 0, '127.0.0.1', { graceMs: 100 });
  api.health.markStarted();
});

afterAll(async () => {
  await server?.close();
  await api?.stop();
  await mongo?.close();
  await redis?.quit();
});

describe('POST /api/admin/migrations/upcast-events', () => {
  it('copies the orders history at the latest schema versions, resumes instead of copying twice, and a projection switched to the copy builds the same views', async () => {
    const sourceCodec = await createOrderEventCodec(registry, topics.events('orders'));
    await writeOldHistories({ kafka, registry }, topics, sourceCodec, ORDERS);
    const sourceBefore = await readAll(kafka, topics.events('orders'));
    const written = ORDERS * 2 + ORDERS / 2;
    expect(count(sourceBefore)).toBe(written);
    expect([...sourceBefore.values()].filter((list) => list.length > 0).length).toBeGreaterThan(1);

    // A reader that stopped after the first record of each partition, as a stopped saga would have.
    const stoppedGroup = uniqueName('upcast-stopped-reader');
    const resumeAt = new Map(
      [...sourceBefore]
        .filter(([, list]) => list.length > 1)
        .map(([p, list]) => [p, list[1] as KafkaMessage]),
    );
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({
      groupId: stoppedGroup,
      topic: topics.events('orders'),
      partitions: [...resumeAt].map(([partition, m]) => ({ partition, offset: m.offset })),
    });
    await admin.disconnect();

    const started = Date.now();
    const response = await post({ aggregateType: 'orders' });
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as MigrationJob & { statusUrl: string };
    expect(response.headers.get('location')).toBe(accepted.statusUrl);
    expect(accepted).toMatchObject({
      aggregateType: 'orders',
      sourceTopic: topics.events('orders'),
      pass: 1,
    });
    expect(accepted.targetTopic).toMatch(
      new RegExp(`^${topics.prefix.replace(/\./g, '\\.')}orders\\.upcast-[0-9a-f]{8}\\.events$`),
    );
    const job = await finished(accepted.jobId);
    const seconds = (Date.now() - started) / 1000;
    expect(job).toMatchObject({ state: 'finished', copied: written, total: written, undecodable: 0 });
    silent.warn({ records: written, seconds }, 'upcast migration timing');

    // Same partitions, same keys in the same order, every header kept, values at the latest version.
    const target = await readAll(kafka, job.targetTopic);
    const targetCodec = await createOrderEventCodec(registry, job.targetTopic);
    for (const [partition, sourceRecords] of sourceBefore) {
      const copies = target.get(partition) ?? [];
      expect(copies.map((m) => m.key?.toString())).toEqual(sourceRecords.map((m) => m.key?.toString()));
      for (const [i, copy] of copies.entries()) {
        const original = sourceRecords[i] as KafkaMessage;
        const type = headerString(copy.headers, HEADERS.eventType) as string;
        expect(headerString(copy.headers, 'x-written-by')).toBe(
          headerString(original.headers, 'x-written-by'),
        );
        expect(headerString(copy.headers, HEADERS.correlationId)).toBe(
          `corr-${headerString(original.headers, HEADERS.aggregateId)}`,
        );
        expect(headerString(copy.headers, UPCAST_SOURCE_HEADER)).toBe(
          `${topics.events('orders')}/${partition}/${original.offset}`,
        );
        const decoded = await targetCodec.decode(type, copy.value as Buffer);
        expect(decoded.schemaVersion).toBe(latestSchema(type).version);
        expect(headerString(copy.headers, HEADERS.schemaVersion)).toBe(String(latestSchema(type).version));
        expect(headerString(copy.headers, HEADERS.schemaId)).toBe(String(decoded.schemaId));
        // Today's reader sees the same event in both topics: the upcasters ran once, at the copy.
        expect(decoded.event).toEqual((await sourceCodec.decode(type, original.value as Buffer)).event);
      }
    }
    const cancelled = [...target.values()]
      .flat()
      .filter((m) => headerString(m.headers, HEADERS.eventType) === 'OrderCancelled');
    expect(cancelled).toHaveLength(ORDERS / 2);
    const codes = await Promise.all(
      cancelled.map(async (m) => (await targetCodec.decode('OrderCancelled', m.value as Buffer)).event),
    );
    expect(new Set(codes.map((e) => (e.type === 'OrderCancelled' ? e.data.reasonCode : undefined)))).toEqual(
      new Set(['OUT_OF_STOCK', 'CUSTOMER_REQUEST']),
    );

    // The stopped reader resumes on the target at the copy of the record it would have read next.
    expect(job.groups?.translated).toContain(stoppedGroup);
    const moved = kafka.admin();
    await moved.connect();
    const [onTarget] = await moved.fetchOffsets({ groupId: stoppedGroup, topics: [job.targetTopic] });
    await moved.disconnect();
    for (const [partition, next] of resumeAt) {
      const offset = onTarget?.partitions.find((p) => p.partition === partition)?.offset;
      const copy = (target.get(partition) ?? []).find((m) => m.offset === offset);
      expect(headerString(copy?.headers, UPCAST_SOURCE_HEADER)).toBe(
        `${topics.events('orders')}/${partition}/${next.offset}`,
      );
    }

    // The source is only read.
    const sourceAfter = await readAll(kafka, topics.events('orders'));
    for (const [partition, records] of sourceBefore) {
      expect(
        (sourceAfter.get(partition) ?? []).map((m) => [
          m.offset,
          m.key?.toString(),
          m.value?.toString('hex'),
        ]),
      ).toEqual(records.map((m) => [m.offset, m.key?.toString(), m.value?.toString('hex')]));
    }

    // The same request again: the same job, a catch-up pass that finds nothing new.
    const again = await post({ aggregateType: 'orders' });
    expect(again.status).toBe(202);
    const second = (await again.json()) as MigrationJob;
    expect(second.jobId).toBe(accepted.jobId);
    expect(second.pass).toBe(2);
    expect(await finished(second.jobId)).toMatchObject({ state: 'finished', copied: 0, total: 0 });
    expect(count(await readAll(kafka, job.targetTopic))).toBe(written);

    // A projection started with the override reads the copy and builds what the source gives.
    const switched = topicNames(topics.prefix, { orders: job.targetTopic });
    const db = mongo.client.db(uniqueName('upcast').replace(/-/g, '_'));
    const projections = await startProjections({
      kafka,
      registry,
      topics: switched,
      db,
      redis,
      logger: silent,
      metrics: createMetrics({ service: 'upcast-e2e' }),
      groupId: uniqueName('upcast-projections'),
    });
    try {
      await projections.waitUntilCaughtUp(60_000);
      const built = await storedViews(db);
      const expected = await foldTopics(kafka, registry, topics);
      expect(built.orders.size).toBe(ORDERS);
      expect(viewDifferences(expected, built)).toEqual([]);
    } finally {
      await projections.stop();
    }
  });

  it('copies a record no schema reads byte for byte and goes on (poison record)', async () => {
    const poisoned = await freshTopics(kafka, 'upcast-poison');
    const codec = await createOrderEventCodec(registry, poisoned.events('orders'));
    const good = (orderId: string): Message => {
      const encoded = codec.encode({
        type: 'OrderItemAdded',
        data: { sku: 'SKU-1', quantity: 1, unitPrice: 100, occurredAt: '2026-01-01T00:00:00.000Z' },
      });
      return {
        ...stored(orderId, 1, 'OrderItemAdded', encoded.schemaId, encoded.schemaVersion, encoded.value),
        partition: 0,
      };
    };
    const poison: Message = {
      ...stored('bad', 1, 'OrderCreated', 1, 1, Buffer.from('not avro at all')),
      partition: 0,
    };
    const producer = kafka.producer({ createPartitioner: aggregatePartitioner, idempotent: true });
    await producer.connect();
    await producer.send({
      topic: poisoned.events('orders'),
      acks: -1,
      messages: [good('a'), poison, good('b')],
    });
    await producer.disconnect();
    const migrations = createUpcastMigrations({ kafka, registry, topics: poisoned, redis, logger: silent });
    const job = await migrations.start({ aggregateType: 'orders' });
    await migrations.stop();
    expect(await migrations.job(job.jobId)).toMatchObject({ state: 'finished', copied: 3, undecodable: 1 });
    const copies = (await readAll(kafka, job.targetTopic)).get(0) ?? [];
    expect(copies.map((m) => m.key?.toString())).toEqual(['a:1', 'bad:1', 'b:1']);
    expect(copies[1]?.value?.toString()).toBe('not avro at all');
  });

  it('answers bad input with problem+json: unknown aggregate, a target that is not an events topic, foreign content, the source itself, a non-admin', async () => {
    const problemOf = async (response: Response) => {
      expect(response.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
      return (await response.json()) as { status: number; errors?: { field: string }[]; detail: string };
    };
    const unknown = await post({ aggregateType: 'invoices' });
    expect(unknown.status).toBe(400);
    expect((await problemOf(unknown)).errors?.map((e) => e.field)).toContain('aggregateType');
    const badTarget = await post({ aggregateType: 'orders', targetTopic: 'orders-copy' });
    expect(badTarget.status).toBe(400);
    expect((await problemOf(badTarget)).errors?.map((e) => e.field)).toContain('targetTopic');

    // A topic written by someone else is never appended to.
    const foreign = `${topics.prefix}foreign.events`;
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ name: foreign, partitions: 6, configs: {} }]);
    await admin.disconnect();
    const producer = kafka.producer({ createPartitioner: aggregatePartitioner, idempotent: true });
    await producer.connect();
    await producer.send({ topic: foreign, acks: -1, messages: [{ key: 'x:1', value: 'someone else' }] });
    await producer.disconnect();
    const clash = await post({ aggregateType: 'orders', targetTopic: foreign });
    expect(clash.status).toBe(409);
    expect((await problemOf(clash)).detail).toMatch(/not a copy of/);
    expect(count(await readAll(kafka, foreign))).toBe(1);

    const itself = await post({ aggregateType: 'orders', targetTopic: topics.events('orders') });
    expect(itself.status).toBe(409);
    await problemOf(itself);

    const customer = await post({ aggregateType: 'orders' }, fetchAs('customer', 'c-1'));
    expect(customer.status).toBe(403);
    const missing = await fetchAsAdmin(`${server.url}/api/admin/migrations/upcast-00000000deadbeef`);
    expect(missing.status).toBe(404);
  });
});
