import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { connectMongo, type MongoAdapter } from '../../lib/adapters/mongo';
import { createRedis, type Redis } from '../../lib/adapters/redis';
import { createSchemaRegistry } from '../../lib/adapters/schema-registry';
import { createMetrics } from '../../lib/observability/metrics';
import {
  ALIAS_COLLECTION,
  cacheKey,
  CHANGES_CHANNEL,
  defaultCollection,
  orderChannel,
  VIEWS,
  type OrderView,
  type ViewName,
} from '../../lib/read-models/views';
import { startProjections, type Projections } from '../../processors/projections/projection-runner';
import { replayProjections } from '../../lib/read-models/replay/replay';
import type { ReplayProgress } from '../../lib/read-models/replay/replay-progress';
import { acquireReplayLease, ReplayInProgressError } from '../../lib/read-models/replay/replay-lease';
import { resolveCollections } from '../../lib/read-models/view-store';
import { testEndpoints, uniqueName } from '../support/env';
import { sagaHarness, type SagaHarness } from '../support/saga-harness';
import { until } from '../support/eventually';

jest.setTimeout(240_000);

describe('projections on the real stack: live views, redelivery, replay', () => {
  let h: SagaHarness;
  let mongo: MongoAdapter;
  let redis: Redis;
  let subscriber: Redis;
  let projections: Projections;
  const metrics = createMetrics({ service: 'projections-e2e', defaultMetrics: false });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const heard = new Map<string, { status?: string; version: number }[]>();
  const changes: { view: string; id?: string; replayed?: boolean }[] = [];
  const registry = () => createSchemaRegistry(testEndpoints().schemaRegistryUrl);
  const run = (groupId?: string) =>
    startProjections({
      kafka: h.kafka,
      registry: registry(),
      topics: h.topics,
      db: mongo.db,
      redis,
      logger,
      metrics,
      ...(groupId ? { groupId } : {}),
    });

  beforeAll(async () => {
    const endpoints = testEndpoints();
    h = await sagaHarness();
    mongo = await connectMongo(endpoints.mongodbUri, uniqueName('views').replace(/-/g, '_'));
    redis = createRedis(endpoints.redisUrl, 'projections-e2e');
    subscriber = createRedis(endpoints.redisUrl, 'projections-e2e-sub');
    subscriber.on('pmessage', (_pattern, channel: string, message: string) => {
      const body = JSON.parse(message) as { status?: string; version: number; view: string; id?: string };
      if (channel === CHANGES_CHANNEL) return void changes.push(body);
      const orderId = channel.slice(orderChannel('').length);
      heard.set(orderId, [...(heard.get(orderId) ?? []), body]);
    });
    await subscriber.psubscribe(orderChannel('*'), CHANGES_CHANNEL);
    projections = await run();
  });
  afterAll(async () => {
    await projections?.stop();
    await h?.close();
    await mongo?.db.dropDatabase().catch(() => {});
    await mongo?.close();
    redis?.disconnect();
    subscriber?.disconnect();
  });

  const sku = (): string => `SKU-${randomUUID().slice(0, 8)}`;
  const stock = async (quantity: number, price = 1_000): Promise<string> => {
    const id = sku();
    await h.inventory({
      type: 'RegisterProduct',
      sku: id,
      name: `product ${id}`,
      price,
      category: 'e2e',
      initialStock: quantity,
      lowStockThreshold: 2,
    });
    return id;
  };
  const order = async (lines: { sku: string; quantity: number }[], cancel?: string): Promise<string> => {
    const orderId = randomUUID();
    await h.order({
      type: 'CreateOrder',
      orderId,
      customerId: 'customer-e2e',
      currency: 'EUR',
      items: lines.map((l) => ({ ...l, unitPrice: 1_000 })),
    });
    if (cancel) {
      await h.order({ type: 'CancelOrder', orderId, reason: cancel, reasonCode: 'CUSTOMER_REQUEST' });
    } else {
      await h.order({ type: 'PlaceOrder', orderId });
    }
    return orderId;
  };
  const sortedDocs = async (collection: string) =>
    (await mongo.db.collection(collection).find({}).toArray()).sort((a, b) =>
      String(a._id).localeCompare(String(b._id)),
    );
  const snapshot = async (): Promise<Record<string, unknown[]>> => {
    const names = await resolveCollections(mongo.db);
    return Object.fromEntries(await Promise.all(VIEWS.map(async (v) => [v, await sortedDocs(names[v])])));
  };
  const view = <T>(name: ViewName, id: string) =>
    mongo.db.collection<T & { _id: string }>(defaultCollection(name)).findOne({ _id: id } as never);

  let completed: string;
  let outOfStock: string;
  let customerCancel: string;
  let a: string;
  let b: string;
  let scarce: string;

  it('projects completed and cancelled orders, stock, payments, shipments and notifications', async () => {
    a = await stock(5);
    b = await stock(5);
    scarce = await stock(1);
    completed = await order([
      { sku: a, quantity: 2 },
      { sku: b, quantity: 1 },
    ]);
    outOfStock = await order([
      { sku: a, quantity: 1 },
      { sku: scarce, quantity: 3 },
    ]);
    customerCancel = await order([{ sku: b, quantity: 1 }], 'changed my mind');
    await h.waitForStatus(completed, ['Completed']);
    await h.waitForStatus(outOfStock, ['Cancelled']);
    await h.waitForStatus(customerCancel, ['Cancelled']);
    // Let the saga settle (releases, notifications) before reading the views.
    await new Promise((r) => setTimeout(r, 3_000));
    await projections.waitUntilCaughtUp();

    const done = (await view<OrderView>('orders', completed)) as OrderView;
    expect(done).toMatchObject({
      orderId: completed,
      customerId: 'customer-e2e',
      status: 'Completed',
      totalAmount: 3_000,
      currency: 'EUR',
      items: [
        { sku: a, quantity: 2, unitPrice: 1_000 },
        { sku: b, quantity: 1, unitPrice: 1_000 },
      ],
      payment: { amount: 3_000 },
      shipment: { carrier: expect.any(String) },
    });
    expect(done.reservedSkus.sort()).toEqual([a, b].sort());
    const journey = h.journey(completed)?.events.map((e) => e.type);
    expect(done.timeline.map((t) => t.type)).toEqual(journey);
    expect(done.timeline.map((t) => t.version)).toEqual(journey?.map((_, i) => i + 1));
    expect(done.version).toBe(journey?.length);

    expect(await view<OrderView>('orders', outOfStock)).toMatchObject({
      status: 'Cancelled',
      cancellationCode: 'OUT_OF_STOCK',
      cancellationReason: expect.any(String),
    });
    expect(await view<OrderView>('orders', customerCancel)).toMatchObject({
      status: 'Cancelled',
      cancellationCode: 'CUSTOMER_REQUEST',
      cancellationReason: 'changed my mind',
      timeline: [
        expect.objectContaining({ type: 'OrderCreated' }),
        expect.objectContaining({ type: 'OrderCancelled' }),
      ],
    });

    // a: 2 shipped with the completed order, 1 reserved then released by the cancelled one.
    expect(await view('products', a)).toMatchObject({
      onHand: 3,
      reserved: 0,
      available: 3,
      shipped: 2,
      lowStock: false,
    });
    expect(await view('products', b)).toMatchObject({ onHand: 4, reserved: 0, available: 4, shipped: 1 });
    expect(await view('products', scarce)).toMatchObject({
      onHand: 1,
      reserved: 0,
      available: 1,
      lowStock: true,
    });

    expect(await view('payments', completed)).toMatchObject({
      status: 'Captured',
      amount: 3_000,
      refunded: 0,
      currency: 'EUR',
    });
    expect(await view('payments', outOfStock)).toBeNull();
    expect(await view('shipments', completed)).toMatchObject({
      orderId: completed,
      status: 'Delivered',
      history: expect.arrayContaining([expect.objectContaining({ status: 'Created' })]),
    });
    const notifications = await mongo.db
      .collection(defaultCollection('notifications'))
      .find({ orderId: completed })
      .toArray();
    expect(notifications.length).toBeGreaterThan(0);
    expect(notifications.every((n) => n.status === 'Sent' && n.customerId === 'customer-e2e')).toBe(true);

    // Status changes reached the order's Redis channel, in order, ending in the final status.
    const statuses = (heard.get(completed) ?? []).map((m) => m.status);
    expect(statuses.at(-1)).toBe('Completed');
    const versions = (heard.get(completed) ?? []).map((m) => m.version);
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect((heard.get(customerCancel) ?? []).at(-1)?.status).toBe('Cancelled');
    expect(changes.some((c) => c.view === 'products' && c.id === a)).toBe(true);
  });

  it('creates the indexes the query API relies on', async () => {
    const keys = (await mongo.db.collection(defaultCollection('orders')).indexes()).map((i) =>
      JSON.stringify(i.key),
    );
    expect(keys).toEqual(
      expect.arrayContaining([
        JSON.stringify({ customerId: 1, updatedAt: -1 }),
        JSON.stringify({ status: 1, updatedAt: -1 }),
        JSON.stringify({ customerId: 1, status: 1, updatedAt: -1 }),
      ]),
    );
  });

  it('changes nothing when every event is delivered again (new group from offset 0)', async () => {
    const before = await snapshot();
    const heardBefore = (heard.get(completed) ?? []).length;
    const again = await run(`${h.topics.prefix}projections-redelivery-${randomUUID().slice(0, 6)}`);
    try {
      await again.waitUntilCaughtUp();
    } finally {
      await again.stop();
    }
    expect(await snapshot()).toEqual(before);
    // Announcements are at least once (a batch that reached a document announces it again, in case
    // an earlier attempt wrote it and died before announcing), but never of an older version.
    const stored = (before.orders as { _id: string; version: number }[]).find((d) => d._id === completed);
    const repeated = (heard.get(completed) ?? []).slice(heardBefore);
    for (const message of repeated) expect(message.version).toBe(stored?.version);
  });

  it('refuses a second replay while one holds the lease', async () => {
    const lease = await acquireReplayLease(mongo.db, 'someone-else');
    try {
      await expect(
        replayProjections({ kafka: h.kafka, registry: registry(), topics: h.topics, db: mongo.db, redis }),
      ).rejects.toBeInstanceOf(ReplayInProgressError);
    } finally {
      await lease.release();
    }
  });

  it('rebuilds every view from offset 0 into new collections equal to the live ones and swaps the aliases', async () => {
    const live = await snapshot();
    const oldNames = await resolveCollections(mongo.db);
    await redis.set(cacheKey('orders', completed), 'stale');
    const progress: ReplayProgress[] = [];
    const result = await replayProjections({
      kafka: h.kafka,
      registry: registry(),
      topics: h.topics,
      db: mongo.db,
      redis,
      quietMs: 500,
      onProgress: (p) => progress.push(p),
    });
    process.stderr.write(
      `[projections e2e] replay: ${result.events} events in ${result.seconds.toFixed(2)}s = ${result.eventsPerSecond} events/s\n`,
    );
    const aliases = await mongo.db.collection(ALIAS_COLLECTION).find({}).toArray();
    for (const v of VIEWS) {
      expect(result.collections[v]).toMatch(new RegExp(`^${v}_view_\\d+$`));
      expect(aliases.find((x) => x._id === (v as unknown))?.collection).toBe(result.collections[v]);
    }
    expect(await snapshot()).toEqual(live);
    const existing = (await mongo.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    for (const v of VIEWS) expect(existing).not.toContain(oldNames[v]);
    expect(await redis.get(cacheKey('orders', completed))).toBeNull();
    expect(progress.at(-1)).toMatchObject({ status: 'done', percent: 100 });
    expect(progress.map((p) => p.status)).toEqual(
      expect.arrayContaining(['reading', 'writing', 'swapping', 'done']),
    );
    await until('the replay announced', () => changes.some((c) => c.view === '*' && c.replayed === true));
  });

  it('keeps projecting into the swapped collections', async () => {
    const orderId = await order([{ sku: b, quantity: 1 }]);
    await h.waitForStatus(orderId, ['Completed']);
    await until('the order completed in the swapped collections', async () => {
      const names = await resolveCollections(mongo.db);
      const doc = await mongo.db.collection<OrderView>(names.orders).findOne({ _id: orderId });
      return doc?.status === 'Completed';
    });
  });
});
