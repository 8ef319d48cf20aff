import { MongoClient } from 'mongodb';
import { cacheKey } from '../lib/read-models/views';
import { uniqueName } from '../test/support/env';
import { orderView, startQueryApiHarness, upsertOrder, type QueryApiHarness } from './testing/harness';
import { fetchAsAdmin } from '../test/support/auth';

jest.setTimeout(30_000);

const run = uniqueName('qa-stale');
const database = run.replace(/-/g, '_');
const id = (name: string) => `${run}-${name}`;
let live: QueryApiHarness;
let cut: QueryApiHarness;
// Nothing listens on port 1: every read fails as it does when MongoDB is down.
const unreachable = new MongoClient('mongodb://127.0.0.1:1/', {
  serverSelectionTimeoutMS: 300,
  connectTimeoutMS: 300,
  retryWrites: false,
});

beforeAll(async () => {
  live = await startQueryApiHarness(database, { failureInjection: true });
  cut = await startQueryApiHarness(database, { db: unreachable.db(database) });
});
afterAll(async () => {
  await cut?.close();
  await live?.close();
  await unreachable.close();
});

describe('when MongoDB is unreachable', () => {
  it('serves the stale copy from Redis, marked stale, after the fresh entry expired', async () => {
    const orderId = id('o-1');
    await upsertOrder(live.db, orderView(orderId, { version: 4, status: 'Shipped' }));
    expect((await fetchAsAdmin(`${live.url}/api/queries/orders/${orderId}`)).headers.get('x-cache')).toBe(
      'miss',
    );
    // The fresh key is gone (TTL or a projection's DEL); only the long-lived copy remains.
    await live.redis.del(cacheKey('orders', orderId));

    const res = await fetchAsAdmin(`${cut.url}/api/queries/orders/${orderId}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cache')).toBe('stale');
    expect(res.headers.get('x-data-stale')).toBe('true');
    expect(res.headers.get('warning')).toContain('110');
    expect(res.headers.get('etag')).toBe(`"orders-${orderId}-v4"`);
    expect(await res.json()).toMatchObject({ orderId, version: 4, status: 'Shipped' });
    const metric = await cut.api.metrics.registry.getSingleMetric('orderstream_cache_requests_total')?.get();
    expect(metric?.values.find((v) => v.labels.result === 'stale')?.value).toBe(1);
  });

  it('answers 503 when nothing is cached, for single documents and lists alike', async () => {
    const one = await fetchAsAdmin(`${cut.url}/api/queries/orders/${id('never-read')}`);
    expect(one.status).toBe(503);
    expect(one.headers.get('content-type')).toBe('application/problem+json');
    expect(JSON.stringify(await one.json())).not.toContain('127.0.0.1:1');
    expect((await fetchAsAdmin(`${cut.url}/api/queries/orders?status=Placed`)).status).toBe(503);
    expect((await fetchAsAdmin(`${cut.url}/health/ready`)).status).toBe(503);
  });

  it('serves its own in-process copy past its TTL during an injected outage', async () => {
    const orderId = id('o-2');
    await upsertOrder(live.db, orderView(orderId, { version: 2 }));
    await fetchAsAdmin(`${live.url}/api/queries/orders/${orderId}`);
    await live.redis.del(cacheKey('orders', orderId), `${cacheKey('orders', orderId)}:stale`);
    live.api.failures.set({ target: 'mongodb', mode: 'error' });
    try {
      await new Promise((r) => setTimeout(r, 1100)); // past the 1 s local TTL
      const res = await fetchAsAdmin(`${live.url}/api/queries/orders/${orderId}`);
      expect(res.headers.get('x-cache')).toBe('stale');
      expect(await res.json()).toMatchObject({ version: 2 });
    } finally {
      live.api.failures.clear();
    }
    const back = await fetchAsAdmin(`${live.url}/api/queries/orders/${orderId}`);
    expect(back.headers.get('x-cache')).toBe('miss');
    expect(back.headers.get('x-data-stale')).toBeNull();
  });
});
