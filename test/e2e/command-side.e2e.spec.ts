import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createKafka } from '../../lib/adapters/kafka/client';
import { createRedis, type Redis } from '../../lib/adapters/redis';
import { createSchemaRegistry } from '../../lib/adapters/schema-registry';
import { listen, type HttpServerHandle } from '../../lib/http/app';
import { createMetrics } from '../../lib/observability/metrics';
import {
  startCommandProcessor,
  type CommandProcessor,
} from '../../processors/command-side/command-processor';
import { createOrderEventCodec } from '../../schemas/event-codec';
import { readAggregateEvents } from '../../lib/adapters/kafka/event-reader';
import { ordersModule } from '../../processors/command-side/orders-module';
import { createCommandApi, type CommandApi } from '../../producers/command-api/command-api';
import { ensureTopics, topicDefinitions } from '../../topics/ensure-topics';
import { topicNames } from '../../topics/names';
import { testEndpoints, uniqueName } from '../support/env';
import { fetchAsAdmin, testAuth } from '../support/auth';

jest.setTimeout(90_000);

/** The command API and the command processor, both real, talking through real Kafka. */
describe('command side end to end over HTTP', () => {
  const topics = topicNames(`${uniqueName('e2e')}.`);
  const silent = pino({ level: 'silent' });
  let redis: Redis;
  let api: CommandApi;
  let server: HttpServerHandle;
  let processor: CommandProcessor;

  beforeAll(async () => {
    const endpoints = testEndpoints();
    const kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'e2e-command-side' });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, topicDefinitions(topics.prefix));
    await admin.disconnect();
    const codec = await createOrderEventCodec(
      createSchemaRegistry(endpoints.schemaRegistryUrl),
      topics.events('orders'),
    );
    processor = await startCommandProcessor({
      kafka,
      module: ordersModule(codec),
      topics,
      groupId: `${topics.prefix}orders-command-processor`,
      snapshotEvery: 10,
      logger: silent,
      metrics: createMetrics({ service: 'e2e-processor', defaultMetrics: false }),
    });
    redis = createRedis(endpoints.redisUrl, 'e2e');
    api = await createCommandApi({
      verifier: (await testAuth()).verifier,
      kafka,
      redis,
      topics,
      replyTimeoutMs: 20_000,
      logger: silent,
      readEvents: (id) => readAggregateEvents(kafka, codec, topics.events('orders'), id),
    });
    server = await listen(api.app, 0, '127.0.0.1', { graceMs: 100 });
    api.health.markStarted();
  });

  afterAll(async () => {
    await server?.close();
    await api?.stop();
    await processor?.stop();
    await redis?.quit();
  });

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetchAsAdmin(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
  };

  it('creates, adds items and places an order, and the admin API shows the history', async () => {
    const created = await post('/api/commands/orders/create', {
      customerId: 'cust-1',
      items: [{ sku: 'BOOK-0001', quantity: 1 }],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ version: 1 });
    const orderId = created.body.orderId as string;
    expect(created.headers.get('location')).toBe(`/api/queries/orders/${orderId}`);

    const added = await post(
      `/api/commands/orders/${orderId}/add-item`,
      { sku: 'BOOK-0002', quantity: 3 },
      { 'if-match': '"1"' },
    );
    expect(added).toMatchObject({ status: 200, body: { orderId, version: 2 } });
    const placed = await post(`/api/commands/orders/${orderId}/place`, { expectedVersion: 2 });
    expect(placed).toMatchObject({ status: 200, body: { orderId, version: 3 } });

    const history = (await fetchAsAdmin(`${server.url}/api/admin/events/${orderId}`).then((r) =>
      r.json(),
    )) as {
      count: number;
      events: { version: number; type: string }[];
    };
    expect(history.events.map((e: { version: number; type: string }) => [e.version, e.type])).toEqual([
      [1, 'OrderCreated'],
      [2, 'OrderItemAdded'],
      [3, 'OrderPlaced'],
    ]);

    const snapshot = await post(`/api/admin/snapshots/create/${orderId}`, {});
    expect(snapshot).toMatchObject({ status: 200, body: { aggregateId: orderId, version: 3 } });
  });

  it('lets one of two concurrent commands with the same expectedVersion win; the other gets 409 with the current version', async () => {
    const { body } = await post('/api/commands/orders/create', { customerId: 'cust-2' });
    const orderId = body.orderId as string;
    const [a, b] = await Promise.all([
      post(`/api/commands/orders/${orderId}/add-item`, { sku: 'BOOK-0001', quantity: 1, expectedVersion: 1 }),
      post(`/api/commands/orders/${orderId}/add-item`, { sku: 'BOOK-0002', quantity: 1, expectedVersion: 1 }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.headers.get('content-type')).toContain('application/problem+json');
    expect(loser.body).toMatchObject({ status: 409, currentVersion: 2 });
  });

  it('answers a command the state forbids with 409, an unknown order with 404, bad input with 400', async () => {
    const { body } = await post('/api/commands/orders/create', { customerId: 'cust-3' });
    const emptyPlace = await post(`/api/commands/orders/${body.orderId as string}/place`, {});
    expect(emptyPlace).toMatchObject({ status: 409, body: { currentVersion: 1 } });
    expect((await post(`/api/commands/orders/${randomUUID()}/place`, {})).status).toBe(404);
    const bad = await post('/api/commands/orders/create', {
      customerId: 'c',
      items: [{ sku: 'BOOK-0001', quantity: 0 }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'items[0].quantity' })]);
  });

  it('deduplicates a retried request carrying the same Idempotency-Key', async () => {
    const key = randomUUID();
    const first = await post(
      '/api/commands/orders/create',
      { customerId: 'cust-4' },
      { 'idempotency-key': key },
    );
    const retry = await post(
      '/api/commands/orders/create',
      { customerId: 'cust-4' },
      { 'idempotency-key': key },
    );
    expect(first.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    const history = (await fetchAsAdmin(
      `${server.url}/api/admin/events/${first.body.orderId as string}`,
    ).then((r) => r.json())) as { count: number };
    expect(history.count).toBe(1);
  });

  it('serves its OpenAPI document and a readable page of it', async () => {
    const doc = (await fetchAsAdmin(`${server.url}/openapi.json`).then((r) => r.json())) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/commands/orders/create',
        '/api/commands/orders/{id}/place',
        '/api/admin/events/{aggregateId}',
      ]),
    );
    const page = await fetchAsAdmin(`${server.url}/docs`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('/api/commands/orders/create');
  });
});
