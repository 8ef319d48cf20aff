import { ensureTopics } from '../../topics/ensure-topics';
import type { Kafka } from '../../lib/adapters/kafka/types';
import { createKafka } from '../../lib/adapters/kafka/client';
import { connectMongo } from '../../lib/adapters/mongo';
import { createRedis } from '../../lib/adapters/redis';
import { createSchemaRegistry, SchemaIncompatibleError } from '../../lib/adapters/schema-registry';
import { testEndpoints, uniqueName } from '../support/env';
import { consumeUntil } from '../support/kafka';

jest.setTimeout(60_000);

const endpoints = testEndpoints();
let kafka: Kafka;

beforeAll(() => {
  kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'stack-smoke' });
});

const createTopic = async (name: string, partitions = 1): Promise<void> => {
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ name, partitions, configs: {} }]);
  await admin.disconnect();
};

const orderPlacedV1 = {
  type: 'record',
  name: 'SmokeOrderPlaced',
  namespace: 'io.orderstream.smoke',
  fields: [
    { name: 'orderId', type: 'string' },
    { name: 'totalAmount', type: 'long' },
  ],
};

describe('Kafka + schema registry', () => {
  it('round-trips an Avro record encoded with a registry-issued schema id (Confluent wire format)', async () => {
    const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);
    const topic = uniqueName('smoke-avro');
    await createTopic(topic);
    const { id } = await registry.register(`${topic}-io.orderstream.smoke.SmokeOrderPlaced`, orderPlacedV1);

    const value = await registry.encode(id, { orderId: 'o-1', totalAmount: 4200 });
    expect(value[0]).toBe(0); // magic byte
    expect(value.readInt32BE(1)).toBe(id);

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'o-1', value }] });
    await producer.disconnect();

    const [record] = await consumeUntil(kafka, topic, (msgs) => msgs.length >= 1);
    expect(await registry.decode(record?.value as Buffer)).toEqual({ orderId: 'o-1', totalAmount: 4200 });
  });

  it('registers with BACKWARD_TRANSITIVE, accepts a compatible evolution and refuses an incompatible one', async () => {
    const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);
    const subject = uniqueName('smoke-compat');
    const v1 = await registry.register(subject, orderPlacedV1);
    const again = await registry.register(subject, orderPlacedV1);
    expect(again.id).toBe(v1.id);
    expect(again.version).toBe(1);

    const v2Schema = {
      ...orderPlacedV1,
      fields: [...orderPlacedV1.fields, { name: 'currency', type: 'string', default: 'EUR' }],
    };
    const v2 = await registry.register(subject, v2Schema);
    expect(v2.version).toBe(2);
    expect(await registry.versionOf(v2.id)).toEqual({ subject, version: 2 });

    const config = (await fetch(`${registry.url}/config/${subject}`).then((r) => r.json())) as {
      compatibilityLevel: string;
    };
    expect(config.compatibilityLevel).toBe('BACKWARD_TRANSITIVE');

    // A new field without a default cannot read v1 records: the registry must refuse it.
    const incompatible = { ...v2Schema, fields: [...v2Schema.fields, { name: 'channel', type: 'string' }] };
    await expect(registry.register(subject, incompatible)).rejects.toBeInstanceOf(SchemaIncompatibleError);
  });

  it('registers on a subject that already exists without a level of its own (Apicurio answers 200 there)', async () => {
    const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);
    const subject = uniqueName('smoke-preexisting');
    // Another tool registered v1 and set no compatibility level for the subject.
    const raw = await fetch(`${registry.url}/subjects/${subject}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(orderPlacedV1) }),
    });
    expect(raw.status).toBe(200);

    const v2Schema = {
      ...orderPlacedV1,
      fields: [...orderPlacedV1.fields, { name: 'note', type: ['null', 'string'], default: null }],
    };
    const v2 = await registry.register(subject, v2Schema);
    expect(v2.version).toBe(2);
    const config = (await fetch(`${registry.url}/config/${subject}`).then((r) => r.json())) as {
      compatibilityLevel: string;
    };
    expect(config.compatibilityLevel).toBe('BACKWARD_TRANSITIVE');
    const breaking = { ...orderPlacedV1, fields: [{ name: 'orderId', type: 'long' }] };
    await expect(registry.register(subject, breaking)).rejects.toBeInstanceOf(SchemaIncompatibleError);
  });

  it('commits a transaction and keeps an aborted one invisible to a read_committed consumer', async () => {
    const topic = uniqueName('smoke-txn');
    await createTopic(topic);
    const producer = kafka.producer({
      transactionalId: uniqueName('smoke-txn-id'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ key: 'k', value: 'committed' }] });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ key: 'k', value: 'aborted' }] });
    await aborted.abort();
    const marker = await producer.transaction();
    await marker.send({ topic, messages: [{ key: 'k', value: 'marker' }] });
    await marker.commit();
    await producer.disconnect();

    const done = (msgs: { value: Buffer | null }[]): boolean =>
      msgs.some((m) => m.value?.toString() === 'marker');
    const committedView = await consumeUntil(kafka, topic, done, { readUncommitted: false });
    expect(committedView.map((m) => m.value?.toString())).toEqual(['committed', 'marker']);

    // The aborted record really is in the log: an uncommitted reader sees it.
    const rawView = await consumeUntil(kafka, topic, done, { readUncommitted: true });
    expect(rawView.map((m) => m.value?.toString())).toEqual(['committed', 'aborted', 'marker']);
  });
});

describe('MongoDB wire protocol', () => {
  it('upserts, finds and enforces a unique index', async () => {
    const mongo = await connectMongo(endpoints.mongodbUri, 'orderstream_smoke');
    try {
      const collection = mongo.db.collection(uniqueName('smoke'));
      await collection.createIndex({ sku: 1 }, { unique: true, name: 'sku_unique' });
      await collection.updateOne({ _id: 'a' as never }, { $set: { sku: 'SKU-1', qty: 1 } }, { upsert: true });
      await collection.updateOne({ _id: 'a' as never }, { $set: { qty: 2 } }, { upsert: true });
      expect(await collection.find({}).toArray()).toEqual([{ _id: 'a', sku: 'SKU-1', qty: 2 }]);
      await expect(collection.insertOne({ _id: 'b' as never, sku: 'SKU-1' })).rejects.toMatchObject({
        code: 11000,
      });
      await collection.drop();
    } finally {
      await mongo.close();
    }
  });

  // The queries the projections and the query API make, which the local FerretDB build answers
  // from indexes (stack/services/ferretdb-patches.ts): the answers must be MongoDB's.
  it('answers _id, $in, guarded and string-equality filters as MongoDB does', async () => {
    const mongo = await connectMongo(endpoints.mongodbUri, 'orderstream_smoke');
    try {
      type Doc = { _id: string; customerId?: unknown; status?: string; version: number };
      const collection = mongo.db.collection<Doc>(uniqueName('pushdown'));
      await collection.createIndex({ customerId: 1, status: 1 });
      await collection.insertMany([
        { _id: 'o1', customerId: 'c1', status: 'Placed', version: 1 },
        { _id: 'o2', customerId: 'c1', status: 'Completed', version: 2 },
        { _id: 'o3', customerId: 'c2', status: 'Placed', version: 1 },
        // Equality on a string matches an array holding it, never a number or a sub-document.
        { _id: 'o4', customerId: ['c2', 'c1'], status: 'Placed', version: 1 },
        { _id: 'o5', customerId: 7, status: 'Placed', version: 1 },
        { _id: 'o6', customerId: { id: 'c1' }, status: 'Placed', version: 1 },
        { _id: 'o7', customerId: '[c1', status: 'Placed', version: 1 },
      ]);
      const ids = async (filter: Record<string, unknown>) =>
        (await collection.find(filter).sort({ _id: 1 }).toArray()).map((d) => d._id);

      expect(await ids({ _id: 'o2' })).toEqual(['o2']);
      expect(await ids({ _id: 'o2', status: 'Placed' })).toEqual([]);
      expect(await ids({ _id: { $in: ['o3', 'o1', 'missing'] } })).toEqual(['o1', 'o3']);
      expect(await ids({ customerId: 'c1' })).toEqual(['o1', 'o2', 'o4']);
      expect(await ids({ customerId: 'c1', status: 'Placed' })).toEqual(['o1', 'o4']);
      expect(await ids({ customerId: '[c1' })).toEqual(['o7']);
      expect(await collection.countDocuments({ customerId: 'c2' })).toBe(2);

      // A version-guarded replace writes only over an older version.
      const stale = await collection.replaceOne({ _id: 'o2', version: { $lt: 2 } }, { version: 9 });
      const newer = await collection.replaceOne(
        { _id: 'o2', version: { $lt: 3 } },
        { customerId: 'c1', status: 'Shipped', version: 3 },
      );
      expect([stale.modifiedCount, newer.modifiedCount]).toEqual([0, 1]);
      expect(await collection.findOne({ _id: 'o2' })).toMatchObject({ status: 'Shipped', version: 3 });
      await collection.deleteMany({ _id: { $in: ['o1', 'o3'] } });
      expect(await ids({})).toEqual(['o2', 'o4', 'o5', 'o6', 'o7']);
      await collection.drop();
    } finally {
      await mongo.close();
    }
  });
});

describe('Redis', () => {
  it('gets and sets, and delivers pub/sub messages', async () => {
    const redis = createRedis(endpoints.redisUrl, 'smoke');
    const subscriber = createRedis(endpoints.redisUrl, 'smoke-sub');
    try {
      const key = uniqueName('smoke');
      await redis.set(key, 'v', 'EX', 60);
      expect(await redis.get(key)).toBe('v');

      const channel = uniqueName('smoke-channel');
      const received = new Promise<string>((resolve) => subscriber.on('message', (_c, m) => resolve(m)));
      await subscriber.subscribe(channel);
      expect(await redis.publish(channel, 'hello')).toBe(1);
      expect(await received).toBe('hello');
    } finally {
      redis.disconnect();
      subscriber.disconnect();
    }
  });
});
