import { connectMongo, type MongoAdapter } from '../lib/adapters/mongo';
import { defaultCollection, type OrderView } from '../lib/read-models/views';
import { orderView } from '../benchmarks/lib/order-views';
import { testEndpoints, uniqueName } from '../test/support/env';
import { createViewCollections, type ViewCollections } from './view-collections';
import { createViewReader } from './view-reader';

jest.setTimeout(60_000);

/*
 * List pages cost the MongoDB-wire server far more than reads by id, so identical list reads in
 * flight share one query (view-reader.ts). Counted here by the collection lookups each query makes.
 */
describe('view reader: identical list reads in flight', () => {
  let mongo: MongoAdapter;
  let lookups: number;
  let reader: ReturnType<typeof createViewReader>;

  beforeAll(async () => {
    mongo = await connectMongo(testEndpoints().mongodbUri, uniqueName('view_reader'));
    await mongo.db
      .collection<OrderView>(defaultCollection('orders'))
      .insertMany(Array.from({ length: 30 }, (_, n) => orderView('reader', n, 3)));
    const real = createViewCollections({ db: mongo.db });
    const counted: ViewCollections = {
      collection: (view) => {
        lookups++;
        return real.collection(view);
      },
      forget: () => real.forget(),
    };
    reader = createViewReader({ collections: counted });
  });
  beforeEach(() => {
    lookups = 0;
  });
  afterAll(async () => {
    await mongo.db.dropDatabase();
    await mongo.close();
  });

  it('share one query, and each gets the whole page', async () => {
    const pages = await Promise.all(
      Array.from({ length: 5 }, () => reader.orders({ status: 'Placed' }, { page: 1, pageSize: 5 })),
    );
    expect(lookups).toBe(1);
    const expected = await mongo.db
      .collection<OrderView>(defaultCollection('orders'))
      .countDocuments({ status: 'Placed' });
    for (const page of pages) {
      expect(page.total).toBe(expected);
      expect(page.items.length).toBe(Math.min(5, expected));
    }
  });

  it('do not share across different filters or pages, nor with a read that starts after', async () => {
    await Promise.all([
      reader.orders({ status: 'Placed' }, { page: 1, pageSize: 5 }),
      reader.orders({ status: 'Placed' }, { page: 2, pageSize: 5 }),
      reader.orders({ status: 'Shipped' }, { page: 1, pageSize: 5 }),
    ]);
    expect(lookups).toBe(3);
    await reader.orders({ status: 'Placed' }, { page: 1, pageSize: 5 });
    expect(lookups).toBe(4);
  });
});
