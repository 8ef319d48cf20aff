import { ensureTopics } from '../topics/ensure-topics';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKafka } from '../lib/adapters/kafka/client';
import { createSchemaRegistry, SchemaIncompatibleError } from '../lib/adapters/schema-registry';
import { HEADERS } from '../lib/adapters/kafka/headers';
import { createOrderEventCodec } from './event-codec';
import { testEndpoints, uniqueName } from '../test/support/env';
import { consumeUntil } from '../test/support/kafka';
import { findSchema, latestSchema } from './catalog';
import { subjectFor } from './register-schemas';

jest.setTimeout(60_000);

describe('schema evolution through the registry and Kafka', () => {
  const endpoints = testEndpoints();
  const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);
  const kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'evolution-test' });

  it('decodes records written with v1 schemas into today’s types (resolution and upcasting)', async () => {
    const topic = uniqueName('evo.orders.events');
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ name: topic, partitions: 1, configs: {} }]);
    await admin.disconnect();

    // A v1 writer from before v2 existed: only v1 schemas are registered yet.
    const cancelledV1 = findSchema('OrderCancelled', 1);
    const createdV1 = findSchema('OrderCreated', 1);
    if (!cancelledV1 || !createdV1) throw new Error('v1 schemas are missing from schemas/orders');
    const cancelledId = (await registry.register(subjectFor(topic, cancelledV1), cancelledV1.schema)).id;
    const createdId = (await registry.register(subjectFor(topic, createdV1), createdV1.schema)).id;
    const wire = (id: number, payload: Buffer): Buffer => {
      const header = Buffer.alloc(5);
      header.writeInt32BE(id, 1);
      return Buffer.concat([header, payload]);
    };
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        {
          key: 'o-1:1',
          value: wire(
            createdId,
            createdV1.avscType.toBuffer({
              customerId: 'c-1',
              currency: 'EUR',
              items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 500 }],
              occurredAt: '2026-01-01T00:00:00.000Z',
            }),
          ),
          headers: { [HEADERS.eventType]: 'OrderCreated' },
        },
        {
          key: 'o-1:2',
          value: wire(
            cancelledId,
            cancelledV1.avscType.toBuffer({
              reason: 'item out of stock',
              cancelledFromStatus: 'Placed',
              occurredAt: '2026-01-01T00:01:00.000Z',
            }),
          ),
          headers: { [HEADERS.eventType]: 'OrderCancelled' },
        },
      ],
    });
    await producer.disconnect();

    // Today's reader registers v2 (compatible) and decodes the old records.
    const codec = await createOrderEventCodec(registry, topic);
    const records = await consumeUntil(kafka, topic, (m) => m.length >= 2);
    const [created, cancelled] = await Promise.all(
      records.map((r) => codec.decode(r.headers?.[HEADERS.eventType]?.toString() ?? '', r.value as Buffer)),
    );
    expect(created?.schemaVersion).toBe(1);
    expect(created?.event).toMatchObject({
      type: 'OrderCreated',
      data: { salesChannel: 'web', customerId: 'c-1' },
    });
    expect(cancelled?.schemaVersion).toBe(1);
    // Avro resolution alone would say OTHER; the v1 upcaster derives the code from the text.
    expect(cancelled?.event).toMatchObject({ type: 'OrderCancelled', data: { reasonCode: 'OUT_OF_STOCK' } });
  });

  it('refuses an incompatible change to a real order event schema', async () => {
    const topic = uniqueName('evo.orders.events');
    const latest = latestSchema('OrderCreated');
    await registry.register(subjectFor(topic, latest), latest.schema);
    const incompatible = JSON.parse(
      readFileSync(join(__dirname, 'fixtures', 'OrderCreated.incompatible.avsc'), 'utf8'),
    );
    await expect(registry.register(subjectFor(topic, latest), incompatible)).rejects.toBeInstanceOf(
      SchemaIncompatibleError,
    );
  });
});
