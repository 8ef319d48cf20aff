import pino from 'pino';
import { createKafka } from '../../lib/adapters/kafka/client';
import { createRedis, type Redis } from '../../lib/adapters/redis';
import { createSchemaRegistry } from '../../lib/adapters/schema-registry';
import { listen, type HttpServerHandle } from '../../lib/http/app';
import { PROBLEM_CONTENT_TYPE } from '../../lib/http/problem';
import { createFailureInjector } from '../../lib/observability/failure-injector';
import { createLogRingBuffer } from '../../lib/observability/log-ring-buffer';
import { createMetrics } from '../../lib/observability/metrics';
import { createResilienceRegistry } from '../../lib/observability/resilience-registry';
import {
  startCommandProcessor,
  type CommandProcessor,
} from '../../processors/command-side/command-processor';
import { createOrderEventCodec } from '../../schemas/event-codec';
import { readAggregateEvents } from '../../lib/adapters/kafka/event-reader';
import { ordersModule } from '../../processors/command-side/orders-module';
import { startOpsServer } from '../../processors/ops-server';
import { ensureTopics, topicDefinitions } from '../../topics/ensure-topics';
import { topicNames } from '../../topics/names';
import { fetchAs, testAuth } from '../../test/support/auth';
import { testEndpoints, uniqueName } from '../../test/support/env';
import { createCommandApi, type CommandApi } from './command-api';

jest.setTimeout(90_000);

/**
 * Who may do what on the write side, with the real command processor behind real Kafka: a
 * customer creates only for themselves and cannot touch another customer's order (answered as an
 * unknown order, version or not), roles per route group, rate limits in Redis, and the admin-only
 * operator routes on a processor's ops port.
 */
const topics = topicNames(`${uniqueName('cmd-access')}.`);
const silent = pino({ level: 'silent' });
const ALICE = uniqueName('alice');
const BOB = uniqueName('bob');
const LIMIT = 5;
let redis: Redis;
let api: CommandApi;
let server: HttpServerHandle;
let processor: CommandProcessor;
let ops: HttpServerHandle;

beforeAll(async () => {
  const endpoints = testEndpoints();
  const kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'command-access-int' });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, topicDefinitions(topics.prefix));
  await admin.disconnect();
  const codec = await createOrderEventCodec(
    createSchemaRegistry(endpoints.schemaRegistryUrl),
    topics.events('orders'),
  );
  const metrics = createMetrics({ service: 'access-processor', defaultMetrics: false });
  processor = await startCommandProcessor({
    kafka,
    module: ordersModule(codec),
    topics,
    groupId: `${topics.prefix}orders-command-processor`,
    snapshotEvery: 10,
    logger: silent,
    metrics,
  });
  redis = createRedis(endpoints.redisUrl, 'command-access-int');
  const { verifier } = await testAuth();
  api = await createCommandApi({
    verifier,
    kafka,
    redis,
    topics,
    replyTimeoutMs: 20_000,
    logger: silent,
    readEvents: (orderId) => readAggregateEvents(kafka, codec, topics.events('orders'), orderId),
    // Admin budget small enough for a burst test; commands left roomy for the ownership tests.
    rateLimits: { commands: 1000, queries: 1000, admin: LIMIT, webhooks: 1000 },
  });
  server = await listen(api.app, 0, '127.0.0.1', { graceMs: 100 });
  api.health.markStarted();
  ops = await startOpsServer({
    service: 'access-processor',
    kafka,
    logger: silent,
    metrics,
    recentLogs: createLogRingBuffer(),
    failures: createFailureInjector({ enabled: false }),
    resilience: createResilienceRegistry({ metrics }),
    state: () => ({ ownedPartitions: processor.ownedPartitions() }),
    port: 0,
    host: '127.0.0.1',
    verifier,
    stop: () => Promise.resolve(),
  });
});

afterAll(async () => {
  await ops?.close();
  await server?.close();
  await api?.stop();
  await processor?.stop();
  await redis?.quit();
});

const post = (as: typeof fetch, path: string, body: unknown = {}) =>
  as(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function problem(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
  return (await res.json()) as { code?: string; detail: string; type: string };
}

describe('a customer and their orders', () => {
  const asAlice = fetchAs('customer', ALICE);
  const asBob = fetchAs('customer', BOB);
  let aliceOrder: string;

  beforeAll(async () => {
    const res = await post(asAlice, '/api/commands/orders/create', {
      items: [{ sku: 'BOOK-0001', quantity: 1 }],
    });
    expect(res.status).toBe(201);
    aliceOrder = ((await res.json()) as { orderId: string }).orderId;
  });

  it('creates the order for the customer the token names', async () => {
    const history = (await (
      await fetchAs('admin')(`${server.url}/api/admin/events/${aliceOrder}`)
    ).json()) as {
      events: { type: string; data: { customerId: string } }[];
    };
    expect(history.events[0]).toMatchObject({ type: 'OrderCreated', data: { customerId: ALICE } });
  });

  it('refuses a create for someone else (403), and an admin create without a customer (400)', async () => {
    const forged = await post(asAlice, '/api/commands/orders/create', { customerId: BOB, items: [] });
    expect((await problem(forged, 403)).code).toBe('FORBIDDEN');
    const same = await post(asAlice, '/api/commands/orders/create', { customerId: ALICE, items: [] });
    expect(same.status).toBe(201);
    const adminWithout = await post(fetchAs('admin'), '/api/commands/orders/create', { items: [] });
    expect(await problem(adminWithout, 400)).toMatchObject({ code: 'VALIDATION_FAILED' });
    const adminFor = await post(fetchAs('admin'), '/api/commands/orders/create', {
      customerId: BOB,
      items: [],
    });
    expect(adminFor.status).toBe(201);
  });

  it("answers a command on another customer's order exactly as one on an unknown order (404)", async () => {
    const unknownId = uniqueName('never-created');
    for (const [action, body] of [
      ['add-item', { sku: 'BOOK-0002', quantity: 1 }],
      ['remove-item', { sku: 'BOOK-0001' }],
      ['place', {}],
      ['cancel', {}],
      // A version guess must not tell the prober anything either (no 409 with currentVersion).
      ['place', { expectedVersion: 7 }],
    ] as const) {
      const foreign = await problem(
        await post(asBob, `/api/commands/orders/${aliceOrder}/${action}`, body),
        404,
      );
      const unknown = await problem(
        await post(asBob, `/api/commands/orders/${unknownId}/${action}`, body),
        404,
      );
      expect(foreign.code).toBe('NOT_FOUND');
      expect({ ...foreign, detail: foreign.detail.replace(aliceOrder, '<id>') }).toMatchObject({
        code: unknown.code,
        type: unknown.type,
        detail: unknown.detail.replace(unknownId, '<id>'),
      });
    }
    const history = (await (
      await fetchAs('admin')(`${server.url}/api/admin/events/${aliceOrder}`)
    ).json()) as {
      count: number;
    };
    expect(history.count).toBe(1);
  });

  it("does not replay another client's idempotent request", async () => {
    const key = uniqueName('key');
    const first = await asAlice(`${server.url}/api/commands/orders/${aliceOrder}/add-item`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ sku: 'BOOK-0002', quantity: 1 }),
    });
    expect(first.status).toBe(200);
    const copy = await asBob(`${server.url}/api/commands/orders/${aliceOrder}/add-item`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ sku: 'BOOK-0002', quantity: 1 }),
    });
    expect(copy.status).toBe(404);
    expect(copy.headers.get('idempotent-replayed')).toBeNull();
  });

  it("lets the customer and an admin act on the customer's order", async () => {
    expect(
      (await post(asAlice, `/api/commands/orders/${aliceOrder}/remove-item`, { sku: 'BOOK-0002' })).status,
    ).toBe(200);
    expect((await post(fetchAs('admin'), `/api/commands/orders/${aliceOrder}/cancel`, {})).status).toBe(200);
  });
});

describe('roles on the command API', () => {
  it('refuses requests without a token with 401 and a Bearer challenge', async () => {
    const res = await fetch(`${server.url}/api/commands/orders/create`, { method: 'POST' });
    expect((await problem(res, 401)).code).toBe('UNAUTHENTICATED');
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="orderstream"');
  });

  it.each([
    ['customer', 'POST', '/api/commands/inventory/products'],
    ['customer', 'GET', '/api/admin/events/x-1'],
    ['customer', 'POST', '/api/admin/snapshots/create/x-1'],
    ['customer', 'GET', '/api/diagnostics/state'],
    ['operator', 'POST', '/api/commands/orders/create'],
    ['operator', 'GET', '/api/admin/events/x-1'],
    ['operator', 'POST', '/api/diagnostics/simulate-failure'],
  ] as const)('refuses a %s on %s %s with 403', async (role, method, path) => {
    const res = await fetchAs(role)(`${server.url}${path}`, { method });
    expect((await problem(res, 403)).code).toBe('FORBIDDEN');
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="orderstream", error="insufficient_scope"',
    );
  });

  it('lets an operator through to inventory commands and any role poll a command status', async () => {
    // Past access control the body is validated: a 400 naming the field proves the operator got in.
    const res = await post(fetchAs('operator'), '/api/commands/inventory/products', { sku: 'X-1' });
    expect(await problem(res, 400)).toMatchObject({ code: 'VALIDATION_FAILED' });
    const status = await fetchAs('customer', ALICE)(`${server.url}/api/commands/status/unknown-command`);
    expect(status.status).toBe(202);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After and RateLimit headers after a burst, per client', async () => {
    const asAdmin = fetchAs('admin', uniqueName('burst'));
    const remaining: string[] = [];
    for (let i = 0; i < LIMIT; i += 1) {
      const res = await asAdmin(`${server.url}/api/admin/events/${uniqueName('none')}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('ratelimit-limit')).toBe(String(LIMIT));
      remaining.push(res.headers.get('ratelimit-remaining') as string);
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    const limited = await asAdmin(`${server.url}/api/admin/events/x-1`);
    expect((await problem(limited, 429)).code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('ratelimit-limit')).toBe(String(LIMIT));
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(limited.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    // Another client has a budget of its own.
    const other = await fetchAs('admin', uniqueName('calm'))(`${server.url}/api/admin/events/x-1`);
    expect(other.status).toBe(404);
  });
});

describe("a processor's ops port", () => {
  it('serves health to anyone and diagnostics to admins only', async () => {
    expect((await fetch(`${ops.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${ops.url}/api/diagnostics/state`)).status).toBe(401);
    expect((await fetchAs('operator')(`${ops.url}/api/resilience/state`)).status).toBe(403);
    expect((await fetchAs('admin')(`${ops.url}/api/diagnostics/state`)).status).toBe(200);
    const injected = await fetchAs('admin')(`${ops.url}/api/diagnostics/simulate-failure`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ target: '*', mode: 'error' }),
    });
    expect((await problem(injected, 403)).code).toBe('FAILURE_INJECTION_DISABLED');
  });
});
