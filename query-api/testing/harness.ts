import { connectMongo, type Db, type MongoAdapter } from '../../lib/adapters/mongo';
import { createRedis, type Redis } from '../../lib/adapters/redis';
import { listen, type HttpServerHandle } from '../../lib/http/app';
import { createLogger } from '../../lib/observability/logger';
import {
  CHANGES_CHANNEL,
  cacheKey,
  defaultCollection,
  orderChannel,
  type NotificationView,
  type OrderStatus,
  type OrderView,
  type PaymentView,
  type ProductView,
  type ShipmentView,
  type ViewName,
} from '../../lib/read-models/views';
import { testAuth } from '../../test/support/auth';
import { testEndpoints } from '../../test/support/env';
import { createQueryApi, type QueryApi, type QueryApiDeps } from '../query-api';

/**
 * A query API on an ephemeral port over a database of its own, plus the writes the projections
 * would make (documents shaped exactly as views.ts says, cache DEL, change publication).
 */
export interface QueryApiHarness {
  api: QueryApi;
  server: HttpServerHandle;
  url: string;
  db: Db;
  redis: Redis;
  logLines: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startQueryApiHarness(
  database: string,
  options: Partial<Omit<QueryApiDeps, 'db' | 'redis' | 'subscriber'>> & { db?: Db } = {},
): Promise<QueryApiHarness & { mongo: MongoAdapter }> {
  const { mongodbUri, redisUrl } = testEndpoints();
  const mongo = await connectMongo(mongodbUri, database, { serverSelectionTimeoutMS: 5000 });
  const { db } = mongo;
  const redis = createRedis(redisUrl, 'query-api-test');
  const subscriber = createRedis(redisUrl, 'query-api-test-sub');
  const logLines: Record<string, unknown>[] = [];
  const api = await createQueryApi({
    verifier: (await testAuth()).verifier,
    ...options,
    db: options.db ?? db,
    redis,
    subscriber,
    logger: createLogger({
      service: 'query-api-test',
      level: 'debug',
      destination: {
        write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>),
      },
    }),
  });
  const server = await listen(api.app, 0, '127.0.0.1', { graceMs: 100 });
  api.health.markStarted();
  return {
    api,
    server,
    url: server.url,
    db,
    mongo,
    redis,
    logLines,
    async close() {
      await server.close();
      await api.stop();
      await Promise.allSettled([redis.quit(), subscriber.quit()]);
      await db.dropDatabase().catch(() => undefined);
      await mongo.close();
    },
  };
}

export function orderView(orderId: string, overrides: Partial<OrderView> = {}): OrderView {
  const at = overrides.updatedAt ?? '2025-01-01T10:00:00.000Z';
  return {
    _id: orderId,
    orderId,
    customerId: 'customer-1',
    status: 'Draft',
    items: [{ sku: 'SKU-1', quantity: 2, unitPrice: 1250 }],
    totalAmount: 2500,
    currency: 'EUR',
    version: 1,
    createdAt: '2025-01-01T10:00:00.000Z',
    updatedAt: at,
    timeline: [{ type: 'OrderCreated', version: 1, at }],
    reservedSkus: [],
    ...overrides,
  };
}

export function productView(sku: string, overrides: Partial<ProductView> = {}): ProductView {
  return {
    _id: sku,
    sku,
    name: `Product ${sku}`,
    price: 1999,
    category: 'general',
    onHand: 10,
    reserved: 2,
    available: 8,
    shipped: 0,
    lowStockThreshold: 5,
    lowStock: false,
    version: 1,
    updatedAt: '2025-01-01T10:00:00.000Z',
    ...overrides,
  };
}

/** What a projection does after writing: DEL the cache key, announce the change. */
export async function announceChange(
  redis: Redis,
  view: ViewName,
  id: string,
  version: number,
  status?: OrderStatus,
): Promise<void> {
  await redis.del(cacheKey(view, id));
  await redis.publish(CHANGES_CHANNEL, JSON.stringify({ view, id, version, ...(status ? { status } : {}) }));
  if (view === 'orders' && status) {
    await redis.publish(
      orderChannel(id),
      JSON.stringify({ orderId: id, status, version, updatedAt: new Date().toISOString() }),
    );
  }
}

export async function upsertOrder(db: Db, doc: OrderView, collection = defaultCollection('orders')) {
  await db.collection<OrderView>(collection).replaceOne({ _id: doc._id }, doc, { upsert: true });
}

export async function upsertProduct(db: Db, doc: ProductView, collection = defaultCollection('products')) {
  await db.collection<ProductView>(collection).replaceOne({ _id: doc._id }, doc, { upsert: true });
}

export interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** Reads a Server-Sent Events body event by event (comments included) until it ends. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event: SseEvent = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) event.comment = line.slice(1).trim();
        const match = /^(id|event|data): ?(.*)$/.exec(line);
        if (match) event[match[1] as 'id' | 'event' | 'data'] = match[2];
      }
      yield event;
    }
  }
}

export function paymentView(orderId: string, overrides: Partial<PaymentView> = {}): PaymentView {
  return {
    _id: orderId,
    orderId,
    status: 'Captured',
    amount: 2500,
    refunded: 0,
    currency: 'EUR',
    gatewayRef: `gw-${orderId}`,
    version: 1,
    updatedAt: '2025-01-01T10:01:00.000Z',
    ...overrides,
  };
}

export function shipmentView(orderId: string, overrides: Partial<ShipmentView> = {}): ShipmentView {
  return {
    _id: orderId,
    orderId,
    status: 'Created',
    shipmentId: `sh-${orderId}`,
    carrier: 'acme',
    trackingNumber: `tn-${orderId}`,
    history: [{ status: 'Created', at: '2025-01-01T10:02:00.000Z' }],
    version: 1,
    updatedAt: '2025-01-01T10:02:00.000Z',
    ...overrides,
  };
}

export function notificationView(
  orderId: string,
  template: string,
  channel: NotificationView['channel'],
  overrides: Partial<NotificationView> = {},
): NotificationView {
  const notificationId = `${orderId}:${template}:${channel}`;
  return {
    _id: notificationId,
    notificationId,
    orderId,
    customerId: 'customer-1',
    channel,
    template,
    status: 'Sent',
    attempts: 1,
    providerRef: `p-${notificationId}`,
    version: 1,
    updatedAt: '2025-01-01T10:03:00.000Z',
    ...overrides,
  };
}

/** Writes a view document as its projection would (default collection unless told). */
export async function upsertView<T extends { _id: string }>(
  db: Db,
  view: ViewName,
  doc: T,
  collection = defaultCollection(view),
) {
  await db.collection<{ _id: string }>(collection).replaceOne({ _id: doc._id }, doc, { upsert: true });
}
