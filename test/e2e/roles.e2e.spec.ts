import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { createKafka } from '../../lib/adapters/kafka';
import { createSchemaRegistry } from '../../lib/adapters/schema-registry';
import { aggregatePartitioner } from '../../lib/kafka/aggregate-partitioner';
import { commandMessage } from '../../lib/kafka/command-protocol';
import { commandProcessorGroupId } from '../../lib/kafka/group-ids';
import { createOrderEventCodec } from '../../processors/command-side/event-codec';
import { PIPELINE_PARTS } from '../../processors/pipeline';
import { followEvents } from '../../processors/saga/event-follower';
import { topicNames } from '../../topics/names';
import { testEndpoints, uniqueName } from '../support/env';
import { startRole } from '../support/roles';
import type { RunningProcess } from '../support/simulators';

jest.setTimeout(240_000);

/*
 * A deployment runs every part of the pipeline as its own role (bin/role.ts, DESIGN §10): here each
 * one is its own process, as each would be its own container, and an order still goes from
 * placed to completed through all of them.
 */
describe('the pipeline split into roles, one process each', () => {
  const topics = topicNames(`${uniqueName('roles')}.`);
  const endpoints = testEndpoints();
  const base = {
    KAFKA_BROKERS: endpoints.kafkaBrokers,
    SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
    ORDERSTREAM_TOPIC_PREFIX: topics.prefix,
  };
  const running: RunningProcess[] = [];
  const journeys = new Map<string, string[]>();
  let kafka: Kafka;
  let producer: Producer;
  let stopFollower: () => Promise<void> = async () => {};

  /** Starts roles side by side; every one that started is stopped after the suite, even if another failed. */
  const startAll = async (roles: [string, Record<string, string>][]): Promise<RunningProcess[]> => {
    const settled = await Promise.allSettled(roles.map(([role, env]) => startRole(role, env)));
    for (const s of settled) if (s.status === 'fulfilled') running.push(s.value);
    return settled.map((s) => {
      if (s.status === 'rejected') throw s.reason;
      return s.value;
    });
  };

  beforeAll(async () => {
    const init = await startRole('init', base, { exits: true });
    expect(init.output.join('\n')).toContain('event store initialized');

    const [gateway, carrier, notifications] = (await startAll([
      ['payment-gateway', {}],
      ['carrier', { DELIVERY_AFTER_MS: '300' }],
      ['notification-provider', {}],
    ])) as [RunningProcess, RunningProcess, RunningProcess];
    await startAll(
      PIPELINE_PARTS.map((part) => [
        part,
        {
          ...base,
          PAYMENT_GATEWAY_URL: gateway.url,
          CARRIER_URL: carrier.url,
          NOTIFICATIONS_URL: notifications.url,
          TRACKING_POLL_MS: '200',
        },
      ]),
    );

    kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'roles-e2e' });
    const codec = await createOrderEventCodec(
      createSchemaRegistry(endpoints.schemaRegistryUrl),
      topics.events('orders'),
    );
    const follower = await followEvents({
      kafka,
      topic: topics.events('orders'),
      decode: async (type, value) => (await codec.decode(type, value)).event,
      onEvent: (e) => journeys.set(e.aggregateId, [...(journeys.get(e.aggregateId) ?? []), e.type]),
    });
    stopFollower = follower.stop;
    producer = kafka.producer({ createPartitioner: aggregatePartitioner, idempotent: true });
    await producer.connect();
  });

  afterAll(async () => {
    await stopFollower();
    await producer?.disconnect();
    const codes = await Promise.all(running.map((r) => r.stop()));
    // SIGTERM is a graceful stop for every role: none is left to be killed.
    expect(codes.filter((code) => code !== 0)).toEqual([]);
  });

  const send = async (aggregate: 'orders' | 'inventory', id: string, command: object): Promise<void> => {
    const commandId = randomUUID();
    const meta = { commandId, correlationId: commandId, issuedAt: new Date().toISOString() };
    await producer.send({
      topic: topics.commands(aggregate),
      messages: [commandMessage(id, { ...command, meta } as never)],
    });
  };

  it('runs each part in its own role, and only that part', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const membersOf = async (groupId: string): Promise<string[]> => {
        const { groups } = await admin.describeGroups([groupId]);
        return (groups[0]?.members ?? []).map((m) => m.clientId).sort();
      };
      for (const aggregate of ['orders', 'inventory', 'payments', 'shipments', 'notifications'] as const) {
        expect(await membersOf(commandProcessorGroupId(topics, aggregate))).toEqual([
          `${aggregate}-processor`,
        ]);
      }
      expect(await membersOf(`${topics.prefix}saga`)).toEqual(['saga']);
    } finally {
      await admin.disconnect();
    }
  });

  it('takes an order from placed to completed through the separate roles', async () => {
    const sku = `SKU-${randomUUID().slice(0, 8)}`;
    await send('inventory', sku, {
      type: 'RegisterProduct',
      sku,
      name: `product ${sku}`,
      price: 1_000,
      category: 'test',
      initialStock: 5,
      lowStockThreshold: 0,
    });
    const orderId = randomUUID();
    await send('orders', orderId, {
      type: 'CreateOrder',
      orderId,
      customerId: 'customer-roles',
      currency: 'EUR',
      items: [{ sku, quantity: 2, unitPrice: 1_000 }],
    });
    await send('orders', orderId, { type: 'PlaceOrder', orderId });

    const deadline = Date.now() + 120_000;
    while (!journeys.get(orderId)?.some((t) => t === 'OrderCompleted' || t === 'OrderCancelled')) {
      if (Date.now() > deadline)
        throw new Error(`order ${orderId} did not end: ${journeys.get(orderId)?.join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(journeys.get(orderId)).toEqual([
      'OrderCreated',
      'OrderPlaced',
      'OrderItemReserved',
      'OrderInventoryReserved',
      'OrderPaid',
      'OrderShipped',
      'OrderCompleted',
    ]);
  });
});
