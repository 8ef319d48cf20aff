import { Binary, ObjectId, type Document } from 'mongodb';
import { connectMongo, type MongoAdapter } from '../../lib/adapters/mongo';
import { testEndpoints, uniqueName } from '../../test/support/env';

jest.setTimeout(120_000);

/*
 * The patched FerretDB (ferretdb-patches.ts) answers a sorted, limited find from a superset SQLite
 * narrows by the sort key, and a count from SQLite's COUNT(*) where the filter is exact. Every
 * page and count here is checked against the answer computed in Node from all the documents, over
 * the values that could fool the SQL: the sort field missing, null, a number, a Date, an array, an
 * ObjectId, binary data, strings one a prefix of another or with JSON escapes; the filter field an
 * array holding the value, or an ObjectId, binary data or regex whose JSON text equals it.
 */

type Sort = Record<string, 1 | -1>;

const OPEN = 'open';
/** A filter value an ObjectId's JSON text (its hex) can equal. */
const HEX = '0123456789abcdef01234567';
/** A filter value binary data's JSON text (its base64) can equal. */
const BASE64 = 'AAECAw==';

/** FerretDB's (and MongoDB's) order of BSON types, for the types the documents hold. */
const typeRank = (v: unknown): number => {
  if (v === undefined || v === null) return 1;
  if (typeof v === 'number') return 2;
  if (typeof v === 'string') return 3;
  if (v instanceof Binary) return 6;
  if (v instanceof ObjectId) return 7;
  if (v instanceof Date) return 9;
  throw new Error(`no rank for ${String(v)}`);
};

const compareValues = (a: unknown, b: unknown): number => {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  // Strings compare as their UTF-8 bytes.
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b));
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (a instanceof ObjectId && b instanceof ObjectId) return a.toHexString() < b.toHexString() ? -1 : 1;
  if (a instanceof Binary && b instanceof Binary) return Buffer.compare(a.buffer, b.buffer);
  return 0;
};

/** An array sorts by its least element ascending, its greatest descending. */
const sortValue = (v: unknown, order: 1 | -1): unknown => {
  if (!Array.isArray(v)) return v;
  const sorted = [...(v as unknown[])].sort(compareValues);
  return order === 1 ? sorted[0] : sorted[sorted.length - 1];
};

const compareDocs =
  (sort: Sort) =>
  (a: Document, b: Document): number => {
    for (const [key, order] of Object.entries(sort)) {
      const c = compareValues(sortValue(a[key], order), sortValue(b[key], order));
      if (c !== 0) return c * order;
    }
    return 0;
  };

/** Top-level equality to a string, as MongoDB matches it: the string, or an array holding it. */
const matches = (filter: Record<string, string>) => (doc: Document) =>
  Object.entries(filter).every(([key, value]) => {
    const field: unknown = doc[key];
    return field === value || (Array.isArray(field) && field.includes(value));
  });

const DAY = Date.UTC(2025, 0, 1);
/** Ten distinct instants for forty documents each: ties on every page boundary. */
const at = (n: number) => new Date(DAY + (n % 10) * 60_000).toISOString();

/** The sort field values that are not plain strings, or strings the SQL must not misorder. */
const ODD_UPDATED_AT: unknown[] = [
  undefined,
  null,
  42,
  -1.5,
  new Date(DAY),
  [at(3), at(7)],
  ['zzz', 5],
  new ObjectId('65a1b2c3d4e5f60718293a4b'),
  new Binary(Buffer.from([1, 2, 3])),
  '2025-01-01T00:05:00.000Z', // equal to at(5), a tie
  '2025-01-01T00:05:00.000Z ', // a prefix of it is the value above: SQLite's JSON text orders them the other way
  '2025-01-01T00:05:00.000Z!',
  '2025-01-01T00:05:00.000Z"quoted"',
  '2025-01-01T00:05:00.000Z<escaped>',
  '2025-01-01T00:05:00.000Zé',
  '2025-01-01T00:05:00.000Z\u0001',
  '',
  'zzzz',
];

const documents = (): Document[] => {
  const docs: Document[] = [];
  for (let n = 0; n < 400; n++) {
    docs.push({
      _id: `o${String(n).padStart(4, '0')}`,
      status: n % 4 === 0 ? 'closed' : OPEN,
      customerId: `c${n % 3}`,
      updatedAt: at(n),
    });
  }
  ODD_UPDATED_AT.forEach((updatedAt, k) => {
    for (const status of [OPEN, 'closed']) {
      const doc: Document = { _id: `odd${k}-${status}`, status, customerId: `c${k % 3}` };
      if (updatedAt !== undefined) doc.updatedAt = updatedAt;
      docs.push(doc);
    }
  });
  // The filter field: arrays holding the value or not, other types whose JSON text is the value.
  const statuses: unknown[] = [
    [OPEN, 'x'],
    ['x', OPEN],
    ['closed'],
    [],
    [HEX],
    [BASE64],
    HEX,
    new ObjectId(HEX),
    BASE64,
    new Binary(Buffer.from([0, 1, 2, 3])),
    /open/,
    'OPEN',
    'open ',
  ];
  statuses.forEach((status, k) => {
    for (let j = 0; j < 3; j++) {
      docs.push({ _id: `status${k}-${j}`, status, customerId: `c${j}`, updatedAt: at(k + j) });
    }
  });
  return docs;
};

describe('FerretDB sort, limit and count pushdown', () => {
  let mongo: MongoAdapter;
  let all: Document[];
  const collection = () => mongo.db.collection(uniqueName('pushdown'));
  let name: string;

  beforeAll(async () => {
    mongo = await connectMongo(testEndpoints().mongodbUri, 'ferretdb_pushdown_test');
    const c = collection();
    name = c.collectionName;
    await c.insertMany(documents());
    // The indexes the projections create, so SQLite may walk them.
    await c.createIndexes([{ key: { status: 1, updatedAt: -1 } }, { key: { customerId: 1, updatedAt: -1 } }]);
    all = await c.find({}).toArray();
    expect(all).toHaveLength(documents().length);
  });

  afterAll(async () => {
    await mongo.db.dropDatabase().catch(() => {});
    await mongo.close();
  });

  const FILTERS: Record<string, string>[] = [
    { status: OPEN },
    { status: 'closed' },
    { status: HEX },
    { status: BASE64 },
    { status: OPEN, customerId: 'c1' },
    {},
  ];

  const SORTS: Sort[] = [
    { updatedAt: 1 },
    { updatedAt: -1 },
    { updatedAt: -1, _id: 1 },
    { updatedAt: 1, _id: -1 },
  ];

  const key = (doc: Document, sort: Sort): unknown[] =>
    Object.entries(sort).map(([k, order]) => sortValue(doc[k], order) ?? null);

  describe.each(FILTERS)('filter %j', (filter) => {
    const expected = (sort: Sort) => all.filter(matches(filter)).sort(compareDocs(sort));

    it.each(SORTS)('pages in sort %j are the pages of the whole sorted answer', async (sort) => {
      const c = mongo.db.collection(name);
      const whole = expected(sort);
      const total = whole.length;
      expect(total).toBeGreaterThan(0);
      const pages = [
        ...Array.from({ length: 20 }, (_, skip) => ({ skip, pageSize: 1 })),
        ...[7, 40].flatMap((pageSize) =>
          Array.from({ length: Math.ceil(total / pageSize) + 1 }, (_, k) => ({
            skip: k * pageSize,
            pageSize,
          })),
        ),
      ];
      for (const { skip, pageSize } of pages) {
        const page = await c.find(filter).sort(sort).skip(skip).limit(pageSize).toArray();
        const want = whole.slice(skip, skip + pageSize);
        if (Object.keys(sort).includes('_id')) {
          // _id breaks every tie: exactly one answer.
          expect({ skip, pageSize, ids: page.map((d) => d._id) }).toEqual({
            skip,
            pageSize,
            ids: want.map((d) => d._id),
          });
        } else {
          // Documents tied on the whole sort key may come in any order, in MongoDB too: the page
          // must hold the same sort keys, and only documents the filter matches.
          expect({ skip, pageSize, keys: page.map((d) => key(d, sort)) }).toEqual({
            skip,
            pageSize,
            keys: want.map((d) => key(d, sort)),
          });
          expect(page.every(matches(filter))).toBe(true);
        }
      }
    });

    it('counts as MongoDB does, with countDocuments and the count command', async () => {
      const c = mongo.db.collection(name);
      const want = all.filter(matches(filter)).length;
      expect(await c.countDocuments(filter)).toBe(want);
      const count = (await mongo.db.command({ count: name, query: filter })) as { n: number };
      expect(count.n).toBe(want);
      // With skip and limit the count takes the path that decodes every document.
      expect(await c.countDocuments(filter, { skip: 2, limit: 5 })).toBe(Math.min(5, Math.max(0, want - 2)));
    });
  });

  it('answers a page whose filter it cannot push down exactly (a nested key) as before', async () => {
    const c = mongo.db.collection(name);
    const filter = { status: OPEN, 'updatedAt.0': { $exists: true } };
    const whole = all
      .filter((d) => d.status === OPEN && Array.isArray(d.updatedAt) && d.updatedAt.length > 0)
      .sort(compareDocs({ updatedAt: -1, _id: 1 }));
    const page = await c.find(filter).sort({ updatedAt: -1, _id: 1 }).limit(1).toArray();
    expect(page.map((d) => d._id)).toEqual(whole.slice(0, 1).map((d) => d._id));
    expect(await c.countDocuments(filter)).toBe(whole.length);
  });
});
