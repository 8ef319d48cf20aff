import type { Kafka, KafkaMessage, Message } from '../../lib/adapters/kafka/types';
import type { OrderEvent } from '../../domain/order/events';
import type { SchemaRegistryAdapter } from '../../lib/adapters/schema-registry';
import { aggregatePartitioner } from '../../lib/adapters/kafka/aggregate-partitioner';
import { HEADERS } from '../../lib/adapters/kafka/headers';
import type { EventCodec } from '../../schemas/event-codec';
import { readRange, watermarks } from '../../lib/adapters/kafka/event-range-reader';
import { findSchema } from '../../schemas/catalog';
import { subjectFor } from '../../schemas/register-schemas';
import { ensureTopics, topicDefinitions } from '../../topics/ensure-topics';
import { topicNames, type TopicNames } from '../../topics/names';
import { uniqueName } from './env';

/** Histories written with old schema versions, and reading topics back, for the upcast migration's tests. */

export const wire = (schemaId: number, payload: Buffer): Buffer => {
  const header = Buffer.alloc(5);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, payload]);
};

/** An event as a v1 writer stored it, placed by the aggregate partitioner, with a header of its own. */
export const stored = (
  orderId: string,
  version: number,
  type: string,
  schemaId: number,
  schemaVersion: number,
  value: Buffer,
): Message => ({
  key: `${orderId}:${version}`,
  value,
  headers: {
    [HEADERS.eventType]: type,
    [HEADERS.schemaId]: String(schemaId),
    [HEADERS.schemaVersion]: String(schemaVersion),
    [HEADERS.aggregateId]: orderId,
    [HEADERS.aggregateVersion]: String(version),
    [HEADERS.correlationId]: `corr-${orderId}`,
    'x-written-by': 'v1-writer',
  },
});

/** Every committed record of a topic, per partition in offset order. */
export const readAll = async (kafka: Kafka, topic: string): Promise<Map<number, KafkaMessage[]>> => {
  const { low, high } = await watermarks(kafka, [topic]);
  const records = new Map<number, KafkaMessage[]>();
  for (const key of high.keys()) records.set(Number(key.slice(key.lastIndexOf(':') + 1)), []);
  await readRange(kafka, {
    topics: [topic],
    from: low,
    to: high,
    onBatch: async (_topic, partition, messages) => {
      records.get(partition)?.push(...messages);
    },
  });
  return records;
};

export const count = (records: Map<number, KafkaMessage[]>): number =>
  [...records.values()].reduce((n, list) => n + list.length, 0);

/** Writes v1 order histories (created, for every other order cancelled) and one today's event each. */
export const writeOldHistories = async (
  { kafka, registry }: { kafka: Kafka; registry: SchemaRegistryAdapter },
  target: TopicNames,
  codec: EventCodec<OrderEvent>,
  orders: number,
): Promise<void> => {
  const events = target.events('orders');
  const createdV1 = findSchema('OrderCreated', 1);
  const cancelledV1 = findSchema('OrderCancelled', 1);
  if (!createdV1 || !cancelledV1) throw new Error('v1 schemas are missing from schemas/orders');
  // A writer from before v2 existed: only the v1 schemas are registered when it writes.
  const createdId = (await registry.register(subjectFor(events, createdV1), createdV1.schema)).id;
  const cancelledId = (await registry.register(subjectFor(events, cancelledV1), cancelledV1.schema)).id;
  const messages: Message[] = [];
  for (let n = 0; n < orders; n++) {
    const orderId = `${target.prefix}o${n}`;
    messages.push(
      stored(
        orderId,
        1,
        'OrderCreated',
        createdId,
        1,
        wire(
          createdId,
          createdV1.avscType.toBuffer({
            customerId: `c-${n % 3}`,
            currency: 'EUR',
            items: [{ sku: 'SKU-1', quantity: 1 + n, unitPrice: 500 }],
            occurredAt: `2026-01-01T00:00:${String(n).padStart(2, '0')}.000Z`,
          }),
        ),
      ),
    );
    const added = codec.encode({
      type: 'OrderItemAdded',
      data: { sku: 'SKU-2', quantity: 2, unitPrice: 250, occurredAt: '2026-01-01T00:01:00.000Z' },
    });
    messages.push(stored(orderId, 2, 'OrderItemAdded', added.schemaId, added.schemaVersion, added.value));
    if (n % 2 === 0) {
      messages.push(
        stored(
          orderId,
          3,
          'OrderCancelled',
          cancelledId,
          1,
          wire(
            cancelledId,
            cancelledV1.avscType.toBuffer({
              reason: n % 4 === 0 ? 'item out of stock' : 'customer changed their mind',
              cancelledFromStatus: 'Draft',
              occurredAt: '2026-01-01T00:02:00.000Z',
            }),
          ),
        ),
      );
    }
  }
  const producer = kafka.producer({ createPartitioner: aggregatePartitioner, idempotent: true });
  await producer.connect();
  await producer.send({ topic: events, acks: -1, messages });
  await producer.disconnect();
};

export const freshTopics = async (kafka: Kafka, name: string): Promise<TopicNames> => {
  const fresh = topicNames(`${uniqueName(name)}.`);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, topicDefinitions(fresh.prefix));
  await admin.disconnect();
  return fresh;
};
