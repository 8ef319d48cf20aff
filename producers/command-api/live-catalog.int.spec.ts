import type { Kafka, Message } from 'kafkajs';
import type { InventoryEvent } from '../../domain/inventory/events';
import { createKafka } from '../../lib/adapters/kafka';
import { createSchemaRegistry } from '../../lib/adapters/schema-registry';
import { aggregatePartitioner } from '../../lib/kafka/aggregate-partitioner';
import { readDeadLetters } from '../../lib/kafka/dead-letters';
import { HEADERS, headerString } from '../../lib/kafka/headers';
import { codecFor } from '../../processors/command-side/aggregate-modules';
import type { EventCodec } from '../../processors/command-side/event-codec';
import { eventRecord } from '../../processors/command-side/event-record';
import { catalogs } from '../../schemas/catalogs';
import { testEndpoints, uniqueName } from '../../test/support/env';
import { ensureTopics, topicDefinitions } from '../../topics/ensure-topics';
import { topicNames } from '../../topics/names';
import { CATALOGUE_GROUP, startLiveCatalog, type LiveCatalog } from './live-catalog';

jest.setTimeout(60_000);

/**
 * The command API's catalogue, kept by the inventory events on real Kafka and the real registry:
 * what it prices new order lines from, and what it does with a record it cannot read.
 */
const topics = topicNames(`${uniqueName('catalogue')}.`);
const at = '2025-03-01T10:00:00.000Z';
let kafka: Kafka;
let codec: EventCodec<InventoryEvent>;
let catalog: LiveCatalog | undefined;
const versions = new Map<string, number>();

beforeAll(async () => {
  const endpoints = testEndpoints();
  kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'live-catalog-test' });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, topicDefinitions(topics.prefix));
  await admin.disconnect();
  codec = await codecFor(
    createSchemaRegistry(endpoints.schemaRegistryUrl),
    topics,
    'inventory',
    catalogs.inventory,
  );
});
afterAll(() => catalog?.stop());

const send = async (messages: Message[]) => {
  const producer = kafka.producer({ createPartitioner: aggregatePartitioner, idempotent: true });
  await producer.connect();
  await producer.send({ topic: topics.events('inventory'), messages });
  await producer.disconnect();
};

/** One sku's events as the inventory command processor stores them (all on partition 0 here). */
const stored = (sku: string, ...events: InventoryEvent[]): Message[] =>
  events.map((event) => {
    const version = (versions.get(sku) ?? 0) + 1;
    versions.set(sku, version);
    return eventRecord({
      aggregateId: sku,
      version,
      partition: 0,
      type: event.type,
      encoded: codec.encode(event),
      correlationId: `corr-${sku}`,
      occurredAt: at,
    });
  });

const registered = (name: string, price: number): InventoryEvent => ({
  type: 'ProductRegistered',
  data: { name, price, category: 'garden', initialStock: 5, lowStockThreshold: 1, occurredAt: at },
});

async function eventually(check: () => void, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

it('knows the products of the events written before it started, and follows those written after', async () => {
  await send(stored('HOSE-1', registered('Hose', 2999)));
  catalog = await startLiveCatalog({
    kafka,
    topics,
    decode: async (type, value) => (await codec.decode(type, value)).event,
  });
  await eventually(() => expect(catalog?.productOf('HOSE-1')).toMatchObject({ name: 'Hose', price: 2999 }));

  await send(
    stored(
      'HOSE-1',
      { type: 'StockReserved', data: { orderId: 'o-1', quantity: 2, occurredAt: at } },
      { type: 'ProductPriceChanged', data: { price: 3499, previousPrice: 2999, occurredAt: at } },
      { type: 'ProductRenamed', data: { name: 'Hose XL', previousName: 'Hose', occurredAt: at } },
    ),
  );
  await eventually(() =>
    expect(catalog?.productOf('HOSE-1')).toMatchObject({ name: 'Hose XL', price: 3499 }),
  );
  expect(catalog?.priceOf('HOSE-1')).toBe(3499);
  expect(catalog?.priceOf('NEVER-REGISTERED')).toBeUndefined();
});

it('stops pricing a retired product but still knows it', async () => {
  await send(
    stored('RAKE-1', registered('Rake', 1500), {
      type: 'ProductRetired',
      data: { reason: 'end of line', occurredAt: at },
    }),
  );
  await eventually(() => expect(catalog?.productOf('RAKE-1')).toMatchObject({ retired: true }));
  expect(catalog?.priceOf('RAKE-1')).toBeUndefined();
  expect(catalog?.list().map((p) => p.sku)).toEqual(['HOSE-1', 'RAKE-1']);
});

it('dead-letters a record it cannot decode, with the reason, and goes on with the next', async () => {
  await send([
    {
      key: 'POISON-1:1',
      value: Buffer.from('not avro at all'),
      partition: 0,
      headers: {
        [HEADERS.eventType]: 'ProductRegistered',
        [HEADERS.aggregateId]: 'POISON-1',
        [HEADERS.aggregateVersion]: '1',
      },
    },
    ...stored('SPADE-1', registered('Spade', 1200)),
  ]);
  await eventually(() => expect(catalog?.priceOf('SPADE-1')).toBe(1200));
  expect(catalog?.productOf('POISON-1')).toBeUndefined();
  const letters = await readDeadLetters(kafka, topics.deadLetter(CATALOGUE_GROUP));
  expect(letters).toHaveLength(1);
  const headers = letters[0]?.message.headers;
  expect(headerString(headers, HEADERS.deadLetterReason)).toMatch(/follower of .*inventory\.events/);
  expect(headerString(headers, HEADERS.deadLetterSource)).toMatch(/inventory\.events\/0\/\d+/);
});
