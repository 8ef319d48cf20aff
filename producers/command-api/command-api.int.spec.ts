import type { Kafka } from '../../lib/adapters/kafka/types';
import { createKafka } from '../../lib/adapters/kafka/client';
import { createRedis, type Redis } from '../../lib/adapters/redis';
import { listen, type HttpServerHandle } from '../../lib/http/app';
import { PROBLEM_CONTENT_TYPE } from '../../lib/http/problem';
import type { CommandReply } from '../../lib/adapters/kafka/command-protocol';
import { partitionForKey } from '../../lib/adapters/kafka/murmur2';
import { createLogger } from '../../lib/observability/logger';
import { ensureTopics, topicDefinitions } from '../../topics/ensure-topics';
import { topicNames } from '../../topics/names';
import { testEndpoints, uniqueName } from '../../test/support/env';
import { createCommandApi, type CommandApi } from './command-api';
import {
  startScriptedProcessor,
  type ReceivedCommand,
  type ScriptedProcessor,
} from './testing/scripted-processor';
import { fetchAsAdmin, testAuth } from '../../test/support/auth';

jest.setTimeout(60_000);

const REPLY_TIMEOUT_MS = 2_500;
const topics = topicNames(`${uniqueName('cmdapi')}.`);
const partitions = topicDefinitions(topics.prefix).find((t) => t.name === topics.commands('orders'))
  ?.partitions as number;
const inventoryPartitions = topicDefinitions(topics.prefix).find(
  (t) => t.name === topics.commands('inventory'),
)?.partitions as number;
let kafka: Kafka;
let redis: Redis;
let processor: ScriptedProcessor;
let api: CommandApi;
let server: HttpServerHandle;

beforeAll(async () => {
  const endpoints = testEndpoints();
  kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'command-api-int' });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, topicDefinitions(topics.prefix));
  await admin.disconnect();
  redis = createRedis(endpoints.redisUrl, 'command-api-int');
  processor = await startScriptedProcessor(kafka, topics);
  api = await createCommandApi({
    verifier: (await testAuth()).verifier,
    kafka,
    redis,
    topics,
    replyTimeoutMs: REPLY_TIMEOUT_MS,
    processorGroups: (['orders', 'inventory'] as const).map((aggregate) => ({
      groupId: processor.groupId,
      topic: topics.commands(aggregate),
    })),
    logger: createLogger({
      service: 'command-api-int',
      level: 'warn',
      destination: { write: () => undefined },
    }),
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

const ok =
  (version: number, duplicate = false) =>
  ({ key, command }: ReceivedCommand): CommandReply => ({
    commandId: command.meta.commandId,
    aggregateId: key,
    ok: true,
    version,
    eventTypes: [command.type.replace(/Order$/, 'Ordered')],
    duplicate,
  });

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetchAsAdmin(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const commandsFor = (key: string) => processor.received.filter((r) => r.key === key);

const waitForCommand = async (key: string): Promise<ReceivedCommand | undefined> => {
  for (let i = 0; i < 200 && commandsFor(key).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
  return commandsFor(key)[0];
};

/**
 * Proves a refused request published nothing: a valid command sent after it, on the key the
 * refused one would have used (so on the same partition, read in order), comes back answered,
 * and it is the only command the processor received since `sent`.
 */
const expectNothingPublishedSince = async (sent: number, key: string): Promise<void> => {
  processor.script = ok(2);
  const sentinel = await post(`/api/commands/inventory/${key}/replenish`, { quantity: 1 });
  expect(sentinel.status).toBe(200);
  expect(processor.received.slice(sent).map((r) => `${r.key} ${r.command.type}`)).toEqual([
    `${key} ReplenishStock`,
  ]);
};

describe('command API on real Kafka and Redis', () => {
  it('publishes a create keyed and partitioned by order id, with headers, and turns the reply into 201', async () => {
    processor.script = ok(1);
    const response = await post(
      '/api/commands/orders/create',
      { customerId: 'cust-1', items: [{ sku: 'KITC-0002', quantity: 2 }], currency: 'EUR' },
      { 'x-correlation-id': 'corr-int-create' },
    );
    expect(response.status).toBe(201);
    const body = (await response.json()) as { orderId: string; version: number };
    expect(body).toEqual({ orderId: expect.any(String), version: 1 });
    expect(response.headers.get('etag')).toBe('"1"');
    expect(response.headers.get('location')).toBe(`/api/queries/orders/${body.orderId}`);

    const [record] = commandsFor(body.orderId);
    expect(record?.partition).toBe(partitionForKey(body.orderId, partitions));
    expect(record?.headers).toEqual({
      'command-id': record?.command.meta.commandId,
      'correlation-id': 'corr-int-create',
      'command-type': 'CreateOrder',
    });
    expect(record?.command).toEqual({
      type: 'CreateOrder',
      orderId: body.orderId,
      customerId: 'cust-1',
      currency: 'EUR',
      items: [{ sku: 'KITC-0002', quantity: 2, unitPrice: 14900 }],
      meta: {
        commandId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        correlationId: 'corr-int-create',
        issuedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    });
  });

  it('answers a VERSION_CONFLICT reply with 409 and the current version', async () => {
    processor.script = ({ key, command }) => ({
      commandId: command.meta.commandId,
      aggregateId: key,
      ok: false,
      error: { code: 'VERSION_CONFLICT', message: 'stale', currentVersion: 7 },
    });
    const response = await post(
      '/api/commands/orders/order-conflict/add-item',
      { sku: 'BOOK-0002', quantity: 1 },
      {
        'If-Match': '"3"',
      },
    );
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
    expect(await response.json()).toMatchObject({ status: 409, code: 'VERSION_CONFLICT', currentVersion: 7 });
    expect(commandsFor('order-conflict')[0]?.command).toMatchObject({ type: 'AddItem', expectedVersion: 3 });
  });

  it('answers 202 with a status URL when no reply comes in time, and the URL gives the late reply', async () => {
    processor.script = () => undefined;
    const response = await post('/api/commands/orders/order-slow/place', {});
    expect(response.status).toBe(202);
    const pending = (await response.json()) as { commandId: string; statusUrl: string };
    expect(pending).toMatchObject({ orderId: 'order-slow', status: 'pending' });
    expect((await fetchAsAdmin(`${server.url}${pending.statusUrl}`)).status).toBe(202);

    const [record] = commandsFor('order-slow');
    await processor.reply(ok(2)(record as ReceivedCommand));
    let status: Response | undefined;
    for (let i = 0; i < 100 && status?.status !== 200; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 50));
      status = await fetchAsAdmin(`${server.url}${pending.statusUrl}`);
    }
    expect(status?.status).toBe(200);
    expect(await status?.json()).toEqual({ orderId: 'order-slow', version: 2 });
  });

  it('reuses the command id and order id for a retry under the same Idempotency-Key', async () => {
    const key = uniqueName('idem');
    const create = { customerId: 'cust-idem', items: [{ sku: 'OUTD-0003', quantity: 1 }] };
    processor.script = () => undefined;
    const first = await post('/api/commands/orders/create', create, { 'Idempotency-Key': key });
    expect(first.status).toBe(202);
    const { orderId, commandId } = (await first.json()) as { orderId: string; commandId: string };

    processor.script = ok(1, true);
    const retry = await post('/api/commands/orders/create', create, { 'Idempotency-Key': key });
    expect(retry.status).toBe(201);
    expect(await retry.json()).toEqual({ orderId, version: 1 });
    expect(commandsFor(orderId).map((r) => r.command.meta.commandId)).toEqual([commandId, commandId]);

    // Answered from the reply this instance already holds, without publishing a third time.
    const again = await post('/api/commands/orders/create', create, { 'Idempotency-Key': key });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(commandsFor(orderId)).toHaveLength(2);
  });

  it('answers 422 to an Idempotency-Key reused on a different request', async () => {
    const key = uniqueName('idem');
    const create = { customerId: 'cust-idem', items: [{ sku: 'OUTD-0003', quantity: 1 }] };
    processor.script = ok(1);
    expect((await post('/api/commands/orders/create', create, { 'Idempotency-Key': key })).status).toBe(201);
    const sent = processor.received.length;

    const other = await post(
      '/api/commands/orders/create',
      { ...create, currency: 'USD' },
      { 'Idempotency-Key': key },
    );
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
    expect(await other.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    await expectNothingPublishedSince(sent, uniqueName('SENTINEL'));
  });

  it.each([
    ['malformed JSON', 400, '{"customerId": "c",', 'application/json'],
    ['a wrong content type', 415, 'customerId=c', 'application/x-www-form-urlencoded'],
    [
      'an oversized body',
      413,
      JSON.stringify({ customerId: 'c', pad: 'x'.repeat(70_000) }),
      'application/json',
    ],
    [
      'an unknown sku',
      400,
      JSON.stringify({ customerId: 'c', items: [{ sku: 'NOPE', quantity: 1 }] }),
      'application/json',
    ],
  ])('answers %s with a %i problem, never a 5xx', async (_, status, body, contentType) => {
    const response = await post('/api/commands/orders/create', body, { 'content-type': contentType });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
  });

  it('sends CreateSnapshot to the aggregate partition and answers with the reply', async () => {
    processor.script = ok(4);
    const response = await post('/api/admin/snapshots/create/order-snap', '');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ aggregateId: 'order-snap', version: 4 });
    expect(commandsFor('order-snap')[0]).toMatchObject({
      partition: partitionForKey('order-snap', partitions),
      command: { type: 'CreateSnapshot', orderId: 'order-snap' },
    });
  });

  it('is ready with Kafka, Redis, the reply consumer and both buses up', async () => {
    const response = await fetchAsAdmin(`${server.url}/health/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      checks: {
        kafka: { status: 'ok' },
        redis: { status: 'ok' },
        'command-replies': { status: 'ok' },
        'command-buses': { status: 'ok' },
        'command-processors': { status: 'ok' },
      },
    });
  });
});

describe('inventory commands on real Kafka and Redis', () => {
  // Unique per test, so commandsFor(sku) sees only that test's records.
  const sku = uniqueName;
  const product = { name: 'Garden Hose', price: 2999, category: 'garden', initialStock: 20 };

  it('has the inventory commands topic at 6 partitions, as the processor partitions by sku', () => {
    expect(inventoryPartitions).toBe(6);
  });

  it('publishes RegisterProduct to inventory.commands keyed and partitioned by sku, and answers 201', async () => {
    const id = sku('GARD');
    processor.script = ok(1);
    const response = await post(
      '/api/commands/inventory/products',
      { sku: id, ...product },
      { 'x-correlation-id': 'corr-int-register' },
    );
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ sku: id, version: 1 });
    expect(response.headers.get('location')).toBe(`/api/products/${id}`);

    const records = commandsFor(id);
    expect(records).toHaveLength(1);
    expect(records[0]).toEqual({
      topic: `${topics.prefix}inventory.commands`,
      key: id,
      partition: partitionForKey(id, 6),
      headers: {
        'command-id': records[0]?.command.meta.commandId,
        'correlation-id': 'corr-int-register',
        'command-type': 'RegisterProduct',
      },
      command: {
        type: 'RegisterProduct',
        sku: id,
        ...product,
        lowStockThreshold: 5,
        meta: {
          commandId: expect.stringMatching(/^[0-9a-f-]{36}$/),
          correlationId: 'corr-int-register',
          issuedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        },
      },
    });
  });

  it('publishes ReplenishStock with If-Match as expectedVersion and answers 200 with the version', async () => {
    const id = sku('BOOK');
    processor.script = ok(4);
    const response = await post(
      `/api/commands/inventory/${id}/replenish`,
      { quantity: 250 },
      { 'If-Match': '"3"' },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sku: id, version: 4 });
    expect(response.headers.get('etag')).toBe('"4"');
    expect(commandsFor(id)).toEqual([
      expect.objectContaining({
        topic: topics.commands('inventory'),
        partition: partitionForKey(id, 6),
        command: expect.objectContaining({
          type: 'ReplenishStock',
          sku: id,
          quantity: 250,
          expectedVersion: 3,
        }),
      }),
    ]);
  });

  it('answers an INVALID_STATE reply to RegisterProduct of a registered sku with 409', async () => {
    const id = sku('DUP');
    processor.script = ({ key, command }) => ({
      commandId: command.meta.commandId,
      aggregateId: key,
      ok: false,
      error: { code: 'INVALID_STATE', message: `product ${key} is already registered with other details` },
    });
    const response = await post('/api/commands/inventory/products', { sku: id, ...product });
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
    expect(await response.json()).toMatchObject({
      status: 409,
      code: 'INVALID_STATE',
      detail: expect.stringContaining('already registered'),
    });
  });

  it('answers 202 when the inventory processor is slow, and its status URL gives the late reply by sku', async () => {
    const id = sku('SLOW');
    processor.script = () => undefined;
    const response = await post(`/api/commands/inventory/${id}/replenish`, { quantity: 1 });
    expect(response.status).toBe(202);
    const pending = (await response.json()) as { statusUrl: string };
    expect(pending).toMatchObject({ sku: id, status: 'pending' });

    await processor.reply(ok(2)((await waitForCommand(id)) as ReceivedCommand));
    let status: Response | undefined;
    for (let i = 0; i < 100 && status?.status !== 200; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 50));
      status = await fetchAsAdmin(`${server.url}${pending.statusUrl}`);
    }
    expect(status?.status).toBe(200);
    expect(await status?.json()).toEqual({ sku: id, version: 2 });
  });

  it.each([
    [
      'a missing price',
      '/api/commands/inventory/products',
      { sku: 'X-1', ...product, price: undefined },
      'price',
    ],
    [
      'a fractional price',
      '/api/commands/inventory/products',
      { sku: 'X-1', ...product, price: 29.99 },
      'price',
    ],
    [
      'a negative initial stock',
      '/api/commands/inventory/products',
      { sku: 'X-1', ...product, initialStock: -1 },
      'initialStock',
    ],
    [
      'an unknown field',
      '/api/commands/inventory/products',
      { sku: 'X-1', ...product, colour: 'green' },
      'colour',
    ],
    ['quantity 0', '/api/commands/inventory/X-1/replenish', { quantity: 0 }, 'quantity'],
    ['quantity above 100000', '/api/commands/inventory/X-1/replenish', { quantity: 100_001 }, 'quantity'],
  ])('answers %s with 400 naming the field, publishing nothing', async (_, path, body, field) => {
    const sent = processor.received.length;
    const response = await post(path, body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
    expect(await response.json()).toMatchObject({ status: 400, errors: [{ field }] });
    await expectNothingPublishedSince(sent, 'X-1');
  });
});
