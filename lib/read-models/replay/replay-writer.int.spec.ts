import { randomUUID } from 'node:crypto';
import { connectMongo, type Db, type MongoAdapter } from '../../adapters/mongo';
import { testEndpoints, uniqueName } from '../../../test/support/env';
import { VIEWS } from '../views';
import type { ProjectionEvent, ViewDocument } from '../projections/projection-views';
import type { PhysicalCollections } from '../view-store';
import { createReplayWriter } from './replay-writer';

jest.setTimeout(60_000);

const AT = '2025-01-01T00:00:00.000Z';
const created = (orderId: string): ProjectionEvent => {
  const data = { customerId: 'c-1', currency: 'EUR', items: [], salesChannel: 'web', occurredAt: AT };
  return {
    view: 'orders',
    aggregateId: orderId,
    version: 1,
    occurredAt: AT,
    event: { type: 'OrderCreated', data },
  };
};
const added = (orderId: string, version: number, sku: string): ProjectionEvent => {
  const data = { sku, quantity: 1, unitPrice: 100, occurredAt: AT };
  return {
    view: 'orders',
    aggregateId: orderId,
    version,
    occurredAt: AT,
    event: { type: 'OrderItemAdded', data },
  };
};

interface OrderDoc extends ViewDocument {
  items: { sku: string }[];
}

describe('replay writer (real MongoDB-wire server)', () => {
  let mongo: MongoAdapter;
  let db: Db;
  let collections: PhysicalCollections;

  beforeAll(async () => {
    mongo = await connectMongo(testEndpoints().mongodbUri, 'replay_writer_int');
  });
  afterAll(async () => {
    await mongo?.close();
  });
  beforeEach(async () => {
    db = mongo.client.db(uniqueName('replay_writer').replace(/-/g, '_'));
    collections = Object.fromEntries(VIEWS.map((v) => [v, `${v}_view_test`])) as PhysicalCollections;
    await db.createCollection(collections.orders);
  });
  afterEach(async () => {
    await db.dropDatabase();
  });

  const stored = async (): Promise<Map<string, OrderDoc>> =>
    new Map((await db.collection<OrderDoc>(collections.orders).find({}).toArray()).map((d) => [d._id, d]));

  it('holds folded documents until the buffer is full, then writes each once', async () => {
    const writer = createReplayWriter({ db, collections, maxDocuments: 3 });
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await writer.project('orders', [created(a), added(a, 2, 'SKU-1'), created(b)]);
    expect(writer.pending()).toBe(2);
    expect((await stored()).size).toBe(0);
    await writer.project('orders', [created(c)]);
    await writer.flush();
    const docs = await stored();
    expect([...docs.keys()].sort()).toEqual([a, b, c].sort());
    expect(docs.get(a)?.version).toBe(2);
    expect(writer.pending()).toBe(0);
  });

  it('folds later events onto documents already written, reading them back, and onto those in flight', async () => {
    const writer = createReplayWriter({ db, collections, maxDocuments: 2 });
    const pairs = Array.from({ length: 3 }, () => [randomUUID(), randomUUID()] as const);
    const ids = pairs.flat();
    // Six new orders in three batches of two: each fills the buffer and is written behind the next.
    for (const [x, y] of pairs) await writer.project('orders', [created(x), created(y)]);
    // Then one more item each, last order first: the last pair is still in flight, the others are
    // written and are read back.
    for (const id of [...ids].reverse()) await writer.project('orders', [added(id, 2, 'SKU-9')]);
    await writer.flush();
    const docs = await stored();
    expect(docs.size).toBe(6);
    for (const id of ids) {
      expect(docs.get(id)?.version).toBe(2);
      expect(docs.get(id)?.items.map((i) => i.sku)).toEqual(['SKU-9']);
    }
  });

  it('a flush retried after a part of it was written writes every document once, at its version', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    // An earlier attempt wrote `a` and then failed: the retry's insert meets a duplicate key.
    const first = createReplayWriter({ db, collections, maxDocuments: 100 });
    await first.project('orders', [created(a), added(a, 2, 'SKU-1')]);
    await first.flush();
    const writer = createReplayWriter({ db, collections, maxDocuments: 100 });
    await writer.project('orders', [created(a), added(a, 2, 'SKU-1'), created(b)]);
    await writer.flush();
    const docs = await stored();
    expect(docs.size).toBe(2);
    expect(docs.get(a)?.version).toBe(2);
    expect(docs.get(b)?.version).toBe(1);
  });

  it('a write that fails surfaces at the next batch or flush, never silently', async () => {
    const writer = createReplayWriter({
      db,
      collections: { ...collections, orders: 'bad$name' },
      maxDocuments: 1,
    });
    await writer.project('orders', [created(randomUUID())]);
    await expect(writer.flush()).rejects.toThrow();
  });
});
