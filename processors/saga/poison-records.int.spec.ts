import type { Kafka, Message } from '../../lib/adapters/kafka/types';
import pino from 'pino';
import type { OrderEvent } from '../../domain/order/events';
import { react } from '../../domain/saga/reactions';
import type { SagaInput } from '../../domain/saga/types';
import type { ShipmentEvent } from '../../domain/shipment/events';
import { createKafka } from '../../lib/adapters/kafka/client';
import { createSchemaRegistry } from '../../lib/adapters/schema-registry';
import { aggregatePartitioner } from '../../lib/adapters/kafka/aggregate-partitioner';
import { HEADERS, headerString } from '../../lib/adapters/kafka/headers';
import { createMetrics } from '../../lib/observability/metrics';
import { catalogs } from '../../schemas/catalogs';
import { testEndpoints, uniqueName } from '../../test/support/env';
import { consumeUntil } from '../../test/support/kafka';
import { ensureTopics, topicDefinitions } from '../../topics/ensure-topics';
import { topicNames, type TopicNames } from '../../topics/names';
import { codecFor } from '../../schemas/event-codec';
import { createOrderEventCodec, type EventCodec } from '../../schemas/event-codec';
import { eventRecord } from '../command-side/event-record';
import { startDeadlineWatcher } from './deadline-watcher';
import { startSagaRuntime, type SagaCommand } from './saga-runtime';
import { startTrackingPoller } from './tracking-poller';

jest.setTimeout(120_000);

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const metrics = () => createMetrics({ service: uniqueName('poison'), defaultMetrics: false });
const AT = '2025-03-01T10:00:00.000Z';

/*
 * A record that can never be handled (bytes that are not Avro, a schema id the registry never
 * issued, an event whose reaction throws) is dead-lettered with its reason by the saga and by
 * every event follower, and the records after it, on the same partition, are still handled.
 */

const setup = async (): Promise<{ kafka: Kafka; topics: TopicNames }> => {
  const topics = topicNames(`${uniqueName('poison')}.`);
  const kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: 'poison-test' });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, topicDefinitions(topics.prefix));
  await admin.disconnect();
  return { kafka, topics };
};

/** An events-topic record as the command processor writes it, on a chosen partition. */
const stored = <E extends { type: string }>(
  codec: EventCodec<E>,
  aggregateId: string,
  event: E,
  partition: number,
): Message =>
  eventRecord({
    aggregateId,
    version: 1,
    partition,
    type: event.type,
    encoded: codec.encode(event),
    correlationId: `c-${aggregateId}`,
    causationId: `c-${aggregateId}`,
    commandId: `c-${aggregateId}`,
    occurredAt: AT,
  });

/** Three poison records: garbage bytes, an unknown schema id, and (optionally) a good encoding. */
const garbage = (aggregateId: string, type: string, partition: number): Message[] => [
  {
    key: `${aggregateId}-bytes:1`,
    value: Buffer.from('not avro at all'),
    partition,
    headers: {
      [HEADERS.eventType]: type,
      [HEADERS.aggregateId]: `${aggregateId}-bytes`,
      [HEADERS.aggregateVersion]: '1',
    },
  },
  {
    key: `${aggregateId}-schema:1`,
    // Confluent wire format with a schema id the registry never issued.
    value: Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0]), Buffer.from('xx')]),
    partition,
    headers: {
      [HEADERS.eventType]: type,
      [HEADERS.aggregateId]: `${aggregateId}-schema`,
      [HEADERS.aggregateVersion]: '1',
    },
  },
];

const send = async (kafka: Kafka, topic: string, messages: Message[]): Promise<void> => {
  const producer = kafka.producer({ createPartitioner: aggregatePartitioner, idempotent: true });
  await producer.connect();
  await producer.send({ topic, messages });
  await producer.disconnect();
};

const reasons = (messages: { headers?: Message['headers'] }[]): string[] =>
  messages.map((m) => headerString(m.headers as never, HEADERS.deadLetterReason) ?? '');

const placed = (orderId: string): OrderEvent => ({
  type: 'OrderPlaced',
  data: {
    customerId: 'cust-1',
    items: [{ sku: `SKU-${orderId}`, quantity: 1, unitPrice: 100 }],
    totalAmount: 100,
    currency: 'EUR',
    occurredAt: AT,
  },
});

describe('poison records on the saga side', () => {
  it('the saga dead-letters undecodable records, unknown schema ids and a reaction that throws, and reacts to the next record', async () => {
    const { kafka, topics } = await setup();
    const registry = createSchemaRegistry(testEndpoints().schemaRegistryUrl);
    const codec = await createOrderEventCodec(registry, topics.events('orders'));
    const saga = await startSagaRuntime({
      kafka,
      topics,
      groupId: `${topics.prefix}saga`,
      sources: [{ aggregate: 'orders', decode: async (t, v) => (await codec.decode(t, v)).event }],
      react: (input): SagaCommand[] => {
        if (input.aggregateId === 'boom') throw new Error('reaction exploded');
        return react(input as SagaInput, {
          correlationId: input.correlationId,
          issuedAt: AT,
        }) as SagaCommand[];
      },
      logger,
      metrics: metrics(),
    });
    try {
      await send(kafka, topics.events('orders'), [
        ...garbage('o', 'OrderPlaced', 0),
        stored(codec, 'boom', placed('boom'), 0),
        stored(codec, 'good', placed('good'), 0),
      ]);
      const dead = await consumeUntil(kafka, topics.deadLetter('saga'), (m) => m.length >= 3);
      // The dead-letter topic has partitions of its own: compare by key, not by arrival.
      const byKey = new Map(dead.map((m) => [m.key?.toString(), reasons([m])[0]]));
      expect([...byKey.keys()].sort()).toEqual(['boom:1', 'o-bytes:1', 'o-schema:1']);
      expect(byKey.get('o-bytes:1')).toMatch(/wire format/);
      expect(byKey.get('o-schema:1')).toMatch(/schemas\/ids\/2147483632/);
      expect(byKey.get('boom:1')).toMatch(/reaction exploded/);
      for (const m of dead)
        expect(headerString(m.headers, HEADERS.deadLetterSource)).toMatch(/orders\.events\/0\//);

      const commands = await consumeUntil(kafka, topics.commands('inventory'), (m) => m.length >= 1);
      expect(commands.map((m) => JSON.parse(m.value?.toString() ?? '{}').type)).toEqual(['ReserveStock']);
      expect(commands[0]?.key?.toString()).toBe('SKU-good');
    } finally {
      await saga.stop();
    }
  });

  it('the deadline watcher dead-letters what it cannot follow, once, and still cancels the stuck order behind it', async () => {
    const { kafka, topics } = await setup();
    const registry = createSchemaRegistry(testEndpoints().schemaRegistryUrl);
    const codec = await createOrderEventCodec(registry, topics.events('orders'));
    const start = () =>
      startDeadlineWatcher({
        kafka,
        topics,
        decode: async (t, v) => (await codec.decode(t, v)).event,
        deadlineMs: 1_000,
        checkEveryMs: 100,
        logger,
        metrics: metrics(),
      });
    await send(kafka, topics.events('orders'), [
      ...garbage('w', 'OrderPlaced', 1),
      stored(codec, 'stuck', placed('stuck'), 1),
    ]);
    let watcher = await start();
    try {
      const cancels = await consumeUntil(kafka, topics.commands('orders'), (m) => m.length >= 1);
      expect(JSON.parse(cancels[0]?.value?.toString() ?? '{}')).toMatchObject({
        type: 'CancelOrder',
        orderId: 'stuck',
        reasonCode: 'DEADLINE_EXCEEDED',
      });
      const dead = await consumeUntil(kafka, topics.deadLetter('deadline-watcher'), (m) => m.length >= 2);
      expect(dead.map((m) => m.key?.toString()).sort()).toEqual(['w-bytes:1', 'w-schema:1']);
      expect(reasons(dead).every((r) => r.startsWith(`follower of ${topics.events('orders')}`))).toBe(true);

      // A restart re-reads the topic: the same records are not parked a second time.
      await watcher.stop();
      watcher = await start();
      await consumeUntil(kafka, topics.commands('orders'), (m) => m.length >= 2, { timeoutMs: 30_000 });
      const again = await consumeUntil(kafka, topics.deadLetter('deadline-watcher'), (m) => m.length >= 2);
      expect(again).toHaveLength(2);
    } finally {
      await watcher.stop();
    }
  });

  it('the tracking poller dead-letters what it cannot follow and still polls the shipment behind it', async () => {
    const { kafka, topics } = await setup();
    const registry = createSchemaRegistry(testEndpoints().schemaRegistryUrl);
    const codec = await codecFor<ShipmentEvent>(registry, topics, 'shipments', catalogs.shipments);
    const created: ShipmentEvent = {
      type: 'ShipmentCreated',
      data: {
        shipmentId: 'ship-ok',
        carrier: 'SimExpress',
        trackingNumber: 'T1',
        labelUrl: 'http://labels/ship-ok.pdf',
        items: [{ sku: 'A', quantity: 1 }],
        occurredAt: AT,
      },
    };
    await send(kafka, topics.events('shipments'), [
      ...garbage('t', 'ShipmentCreated', 2),
      stored(codec, 'shipped', created, 2),
    ]);
    const asked: string[] = [];
    const poller = await startTrackingPoller({
      kafka,
      topics,
      decode: async (t, v) => (await codec.decode(t, v)).event,
      carrier: {
        tracking: async (shipmentId) => {
          asked.push(shipmentId);
          return { status: 'InTransit' };
        },
      },
      pollEveryMs: 100,
      logger,
    });
    try {
      const updates = await consumeUntil(kafka, topics.commands('shipments'), (m) => m.length >= 1);
      expect(JSON.parse(updates[0]?.value?.toString() ?? '{}')).toMatchObject({
        type: 'RecordTrackingUpdate',
        orderId: 'shipped',
        status: 'InTransit',
      });
      expect(asked).toContain('ship-ok');
      const dead = await consumeUntil(kafka, topics.deadLetter('tracking-poller'), (m) => m.length >= 2);
      expect(dead.map((m) => m.key?.toString()).sort()).toEqual(['t-bytes:1', 't-schema:1']);
    } finally {
      await poller.stop();
    }
  });
});
