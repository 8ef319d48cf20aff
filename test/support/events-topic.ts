import type { Kafka, Message } from '../../lib/adapters/kafka/types';
import { createKafka } from '../../lib/adapters/kafka/client';
import { createSchemaRegistry } from '../../lib/adapters/schema-registry';
import { aggregatePartitioner } from '../../lib/adapters/kafka/aggregate-partitioner';
import { HEADERS } from '../../lib/adapters/kafka/headers';
import { codecFor } from '../../schemas/event-codec';
import type { EventCodec } from '../../schemas/event-codec';
import { eventRecord } from '../../processors/command-side/event-record';
import type { AggregateSchemas } from '../../schemas/catalogs';
import { ensureTopics, topicDefinitions } from '../../topics/ensure-topics';
import { topicNames, type AggregateType, type TopicNames } from '../../topics/names';
import { testEndpoints, uniqueName } from './env';

/** Fresh topics and one aggregate type's events topic to write to, as its command processor would. */
export interface EventsTopic<E extends { type: string }> {
  kafka: Kafka;
  topics: TopicNames;
  codec: EventCodec<E>;
  decode(type: string, value: Buffer): Promise<E>;
  /** The next version of `aggregateId`, stored as the event store keeps it (all on partition 0). */
  stored(aggregateId: string, event: E): Message;
  /** Garbage bytes under a real event type: a record no reader can decode. */
  poison(aggregateId: string, type: string): Message;
  send(messages: Message[]): Promise<void>;
}

export async function eventsTopic<E extends { type: string; data: { occurredAt: string } }>(
  name: string,
  aggregate: AggregateType,
  schemas: AggregateSchemas<E>,
): Promise<EventsTopic<E>> {
  const endpoints = testEndpoints();
  const topics = topicNames(`${uniqueName(name)}.`);
  const kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: `${name}-test` });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, topicDefinitions(topics.prefix));
  await admin.disconnect();
  const codec = await codecFor(createSchemaRegistry(endpoints.schemaRegistryUrl), topics, aggregate, schemas);
  const versions = new Map<string, number>();
  return {
    kafka,
    topics,
    codec,
    decode: async (type, value) => (await codec.decode(type, value)).event,
    stored(aggregateId, event) {
      const version = (versions.get(aggregateId) ?? 0) + 1;
      versions.set(aggregateId, version);
      return eventRecord({
        aggregateId,
        version,
        partition: 0,
        type: event.type,
        encoded: codec.encode(event),
        correlationId: `corr-${aggregateId}`,
        occurredAt: event.data.occurredAt,
      });
    },
    poison: (aggregateId, type) => ({
      key: `${aggregateId}:1`,
      value: Buffer.from('not avro at all'),
      partition: 0,
      headers: {
        [HEADERS.eventType]: type,
        [HEADERS.aggregateId]: aggregateId,
        [HEADERS.aggregateVersion]: '1',
      },
    }),
    async send(messages) {
      const producer = kafka.producer({ createPartitioner: aggregatePartitioner, idempotent: true });
      await producer.connect();
      await producer.send({ topic: topics.events(aggregate), messages });
      await producer.disconnect();
    },
  };
}
