import type { KafkaMessage } from '../../adapters/kafka/types';
import type { SchemaRegistryAdapter } from '../../adapters/schema-registry';
import { HEADERS, headerString } from '../../adapters/kafka/headers';
import { catalogs } from '../../../schemas/catalogs';
import { AGGREGATE_TYPES, type AggregateType, type TopicNames } from '../../../topics/names';
import { codecFor } from '../../../schemas/event-codec';
import { createOrderEventCodec } from '../../../schemas/event-codec';
import { VIEW_OF_AGGREGATE, type ProjectionEvent } from './projection-views';

type Decode = (type: string, value: Buffer) => Promise<{ type: string; data: unknown }>;

export const AGGREGATES: readonly AggregateType[] = AGGREGATE_TYPES;

/** The registry-backed decoder of each events topic, as the pipeline builds them. */
export interface ProjectionDecoders {
  aggregateOfTopic(topic: string): AggregateType | undefined;
  /** `undefined` for a tombstone (an erased event): there is nothing to project. */
  decode(aggregate: AggregateType, message: KafkaMessage): Promise<ProjectionEvent | undefined>;
}

export const createProjectionDecoders = async (
  registry: SchemaRegistryAdapter,
  topics: TopicNames,
): Promise<ProjectionDecoders> => {
  const codecs = {
    orders: await createOrderEventCodec(registry, topics.events('orders')),
    inventory: await codecFor(registry, topics, 'inventory', catalogs.inventory),
    payments: await codecFor(registry, topics, 'payments', catalogs.payments),
    shipments: await codecFor(registry, topics, 'shipments', catalogs.shipments),
    notifications: await codecFor(registry, topics, 'notifications', catalogs.notifications),
    preferences: await codecFor(registry, topics, 'preferences', catalogs.preferences),
  };
  const decoders: Record<AggregateType, Decode> = {
    orders: async (t, v) => (await codecs.orders.decode(t, v)).event,
    inventory: async (t, v) => (await codecs.inventory.decode(t, v)).event,
    payments: async (t, v) => (await codecs.payments.decode(t, v)).event,
    shipments: async (t, v) => (await codecs.shipments.decode(t, v)).event,
    notifications: async (t, v) => (await codecs.notifications.decode(t, v)).event,
    preferences: async (t, v) => (await codecs.preferences.decode(t, v)).event,
  };
  const byTopic = new Map(AGGREGATES.map((a) => [topics.events(a), a]));
  return {
    aggregateOfTopic: (topic) => byTopic.get(topic),
    decode: async (aggregate, message) => {
      if (!message.value) return undefined;
      const type = headerString(message.headers, HEADERS.eventType) ?? '';
      const event = (await decoders[aggregate](type, message.value)) as ProjectionEvent['event'];
      return {
        view: VIEW_OF_AGGREGATE[aggregate],
        aggregateId: headerString(message.headers, HEADERS.aggregateId) ?? '',
        version: Number(headerString(message.headers, HEADERS.aggregateVersion)),
        // The payload's time, not the header's: a replay must rebuild byte-equal documents.
        occurredAt: event.data.occurredAt,
        event,
      };
    },
  };
};
