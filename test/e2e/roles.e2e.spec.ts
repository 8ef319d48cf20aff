import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from '../../lib/adapters/kafka/types';
import { createKafka } from '../../lib/adapters/kafka/client';
import { createSchemaRegistry } from '../../lib/adapters/schema-registry';
import { aggregatePartitioner } from '../../lib/adapters/kafka/aggregate-partitioner';
import { commandMessage } from '../../lib/adapters/kafka/command-protocol';
import { commandProcessorGroupId } from '../../lib/adapters/kafka/group-ids';
import { createOrderEventCodec } from '../../schemas/event-codec';
import { PIPELINE_PARTS } from '../../processors/pipeline';
import { followEvents } from '../../lib/adapters/kafka/event-follower';
import { topicNames } from '../../topics/names';
import { testEndpoints, uniqueName } from '../support/env';
import { startRole } from '../support/roles';
import { testAuth } from '../support/auth';
import { freePort } from '../support/free-port';
import { eventually } from '../support/eventually';
import {
  findTraces,
  serviceOf,
  type JaegerSpan,
  type JaegerTrace,
} from '../../observability/testing/jaeger-api';
import { listProducts } from '../../domain/catalog/catalog';
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
  let commandApiUrl = '';

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
    const [commandApi] = (await startAll([
      ['command-api', { ...base, PORT: String(await freePort()) }],
      ['projections', base],
      ...PIPELINE_PARTS.map((part): [string, Record<string, string>] => [
        part,
        {
          ...base,
          PAYMENT_GATEWAY_URL: gateway.url,
          CARRIER_URL: carrier.url,
          NOTIFICATIONS_URL: notifications.url,
          TRACKING_POLL_MS: '200',
        },
      ]),
    ])) as [RunningProcess];
    commandApiUrl = commandApi.url;

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

  const registerProduct = (sku: string): Promise<void> =>
    send('inventory', sku, {
      type: 'RegisterProduct',
      sku,
      name: `product ${sku}`,
      price: 1_000,
      category: 'test',
      initialStock: 5,
      lowStockThreshold: 0,
    });

  const untilEnded = async (orderId: string): Promise<string[]> => {
    const deadline = Date.now() + 120_000;
    while (!journeys.get(orderId)?.some((t) => t === 'OrderCompleted' || t === 'OrderCancelled')) {
      if (Date.now() > deadline)
        throw new Error(`order ${orderId} did not end: ${journeys.get(orderId)?.join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return journeys.get(orderId) ?? [];
  };

  it('takes an order from placed to completed through the separate roles', async () => {
    const sku = `SKU-${randomUUID().slice(0, 8)}`;
    await registerProduct(sku);
    const orderId = randomUUID();
    await send('orders', orderId, {
      type: 'CreateOrder',
      orderId,
      customerId: 'customer-roles',
      currency: 'EUR',
      items: [{ sku, quantity: 2, unitPrice: 1_000 }],
    });
    await send('orders', orderId, { type: 'PlaceOrder', orderId });

    expect(await untilEnded(orderId)).toEqual([
      'OrderCreated',
      'OrderPlaced',
      'OrderItemReserved',
      'OrderInventoryReserved',
      'OrderPaid',
      'OrderShipped',
      'OrderCompleted',
    ]);
  });

  it('traces one order as one trace, from the HTTP request through every role to the read model', async () => {
    const jaegerUrl = process.env.JAEGER_URL;
    if (!jaegerUrl || !process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
      throw new Error(
        'no Jaeger: the test setup starts it (ORDERSTREAM_TRACING=on); see `npm run stack -- up jaeger`',
      );
    }
    const { sku } = listProducts()[0] as { sku: string };
    await registerProduct(sku);
    const customer = await (await testAuth()).headers('customer', 'customer-traced');
    const post = async (path: string): Promise<{ status: number; body: { orderId?: string } }> => {
      const res = await fetch(`${commandApiUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...customer },
        body: JSON.stringify(path.endsWith('/create') ? { items: [{ sku, quantity: 1 }] } : {}),
      });
      return { status: res.status, body: (await res.json()) as { orderId?: string } };
    };
    // The command API prices lines from the inventory events it has read: until the product's
    // registration reaches it, a create is refused with a 400 naming the SKU (and creates nothing).
    let refused = '';
    const created = await eventually(
      'the command API knows the product',
      async () => {
        const reply = await post('/api/commands/orders/create');
        if (reply.status !== 400) return reply;
        refused = JSON.stringify(reply.body);
        return undefined;
      },
      30_000,
      () => `(last refusal: ${refused})`,
    );
    expect(created.status).toBe(201);
    const orderId = created.body.orderId as string;
    expect((await post(`/api/commands/orders/${orderId}/place`)).status).toBe(200);
    expect(await untilEnded(orderId)).toContain('OrderCompleted');

    // The trace the PlaceOrder command was handled in, once every role has exported its spans.
    const wanted = [
      'command-api',
      'orders-processor',
      'saga',
      'inventory-processor',
      'payments-processor',
      'payment-gateway',
      'shipments-processor',
      'notifications-processor',
      'projections',
    ];
    const tags = { 'orderstream.aggregate_id': orderId, 'orderstream.command_type': 'PlaceOrder' };
    let seen = new Set<string>();
    const trace = await eventually(
      'the order trace with a span from every role',
      async (): Promise<JaegerTrace | undefined> => {
        const [candidate, ...others] = await findTraces(jaegerUrl, 'orders-processor', tags);
        if (!candidate || others.length > 0) return undefined;
        seen = new Set(candidate.spans.map((s) => serviceOf(candidate, s)));
        // Complete once every role has exported its spans: each parent has arrived too.
        const ids = new Set(candidate.spans.map((s) => s.spanID));
        const complete = candidate.spans.every((s) => s.references.every((r) => ids.has(r.spanID)));
        return complete && wanted.every((w) => seen.has(w)) ? candidate : undefined;
      },
      60_000,
      () => `(services seen: ${[...seen].join(', ') || 'none'})`,
    );
    const service = (span: JaegerSpan): string => serviceOf(trace, span);
    const spans = [...trace.spans].sort((a, b) => a.startTime - b.startTime);
    const root = spans.find((s) => s.references.length === 0);
    process.stdout.write(
      `[roles e2e] one order, one trace (${trace.traceID}, ${spans.length} spans):\n` +
        spans
          .map(
            (s) =>
              `  +${((s.startTime - (root?.startTime ?? 0)) / 1000).toFixed(1).padStart(7)} ms ` +
              `${(s.duration / 1000).toFixed(1).padStart(7)} ms  ${service(s).padEnd(24)} ${s.operationName}`,
          )
          .join('\n') +
        '\n',
    );
    // One root, the HTTP request; every other span hangs from it.
    expect(root && service(root)).toBe('command-api');
    expect(root?.operationName).toMatch(/^POST/);
    expect(spans.filter((s) => s.references.length === 0)).toHaveLength(1);
    // The processors' steps, the gateway call (client and server side) and the read-model writes.
    const names = spans.map((s) => `${service(s)} ${s.operationName}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'orders-processor orders PlaceOrder',
        'saga saga OrderPlaced',
        'inventory-processor inventory ReserveStock',
        'projections projections OrderPlaced',
      ]),
    );
    const gatewayCall = spans.find(
      (s) =>
        service(s) === 'payments-processor' &&
        s.tags.some((t) => t.key === 'span.kind' && t.value === 'client'),
    );
    expect(gatewayCall).toBeDefined();
    expect(
      spans.some(
        (s) => service(s) === 'payment-gateway' && s.references.some((r) => r.spanID === gatewayCall?.spanID),
      ),
    ).toBe(true);
    expect(names.some((n) => n.startsWith('projections ') && /update|bulkWrite|insert/i.test(n))).toBe(true);
  });
});
