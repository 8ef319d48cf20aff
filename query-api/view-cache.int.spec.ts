import IORedis from 'ioredis';
import { createRedis, type Redis } from '../lib/adapters/redis';
import { DependencyError } from '../lib/errors';
import { createLogger } from '../lib/observability/logger';
import { createMetrics, type Metrics } from '../lib/observability/metrics';
import { cacheKey } from '../lib/read-models/views';
import { testEndpoints, uniqueName } from '../test/support/env';
import { createViewCache, staleKey, type ViewCacheOptions } from './view-cache';

jest.setTimeout(20_000);

const run = uniqueName('qa-cache');
let redis: Redis;
beforeAll(() => {
  redis = createRedis(testEndpoints().redisUrl, 'view-cache-int');
});
afterAll(() => redis.quit());

const logger = createLogger({
  service: 'view-cache-int',
  level: 'silent',
  destination: { write: () => undefined },
});
const cacheWith = (overrides: Partial<ViewCacheOptions> = {}) =>
  createViewCache({
    redis,
    metrics: createMetrics({ service: 'view-cache-int', defaultMetrics: false }),
    logger,
    ttlSeconds: 30,
    staleTtlSeconds: 300,
    localTtlMs: 1000,
    localEntries: 100,
    ...overrides,
  });

const fallbacks = async (metrics: Metrics, fallback: string): Promise<number> => {
  const metric = await metrics.registry.getSingleMetric('orderstream_fallbacks_total')?.get();
  return metric?.values.find((v) => v.labels.fallback === fallback)?.value ?? 0;
};

describe('createViewCache', () => {
  it('makes one MongoDB read for concurrent misses of one key', async () => {
    const cache = cacheWith();
    const key = `${run}-sf`;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const load = jest.fn(async () => {
      await gate;
      return { version: 1, orderId: key };
    });
    const all = Promise.all(Array.from({ length: 25 }, () => cache.get('orders', key, load)));
    // Every caller joined the one flight before the load could finish.
    expect(cache.state().loadsInFlight).toBe(1);
    release();
    const results = await all;
    expect(load).toHaveBeenCalledTimes(1);
    expect(results.every((r) => r.doc?.version === 1 && r.result === 'miss')).toBe(true);
    expect((await cache.get('orders', key, load)).result).toBe('hit');
  });

  it('does not write back a document older than a change announced during its load', async () => {
    const cache = cacheWith();
    const key = `${run}-race`;
    const result = await cache.get('orders', key, async () => {
      cache.invalidate({ view: 'orders', id: key, version: 2 }); // the projection moved on meanwhile
      return { version: 1 };
    });
    expect(result.doc).toEqual({ version: 1 });
    expect(await redis.exists(cacheKey('orders', key))).toBe(0);
    const next = await cache.get('orders', key, async () => ({ version: 2 }));
    expect(next.result).toBe('miss');
    expect(await redis.exists(cacheKey('orders', key), staleKey('orders', key))).toBe(2);
  });

  it('does not cache absence, and rethrows an outage when it has no copy', async () => {
    const cache = cacheWith();
    const key = `${run}-absent`;
    expect(await cache.get('orders', key, async () => null)).toEqual({ doc: undefined, result: 'miss' });
    expect(await redis.exists(cacheKey('orders', key))).toBe(0);
    await expect(
      cache.get('orders', key, async () => {
        throw new DependencyError('mongodb', 'down');
      }),
    ).rejects.toBeInstanceOf(DependencyError);
  });

  it('reads through to MongoDB when Redis is unreachable', async () => {
    // Nothing listens on port 1; no reconnection, so the client leaves no timer behind.
    const deadRedis = new IORedis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
    const metrics = createMetrics({ service: 'view-cache-int', defaultMetrics: false });
    // A timeout longer than the test's: the read-through must come from the refused call itself.
    const cache = cacheWith({ redis: deadRedis, metrics, redisTimeoutMs: 60_000 });
    const key = `${run}-noredis`;
    const found = await cache.get('products', key, async () => ({ version: 3 }));
    expect(found).toEqual({ doc: { version: 3 }, result: 'miss' });
    expect(await fallbacks(metrics, 'cache-read-through')).toBe(2); // the get and the set
    deadRedis.disconnect();
  });

  it('does not wait longer than its timeout for a Redis that hangs', async () => {
    const never = () => new Promise<never>(() => undefined);
    const hanging = {
      get: never,
      multi: () => ({
        set: function set() {
          return this;
        },
        exec: never,
      }),
    };
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const cache = cacheWith({ redis: hanging as unknown as Redis, redisTimeoutMs: 50 });
      let answer: unknown;
      void cache.get('orders', `${run}-hang`, async () => ({ version: 1 })).then((a) => (answer = a));
      // 50 ms for the get, then 50 ms for the write-back, and not a moment longer.
      await jest.advanceTimersByTimeAsync(99);
      expect(answer).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      expect(answer).toEqual({ doc: { version: 1 }, result: 'miss' });
    } finally {
      jest.useRealTimers();
    }
  });
});
