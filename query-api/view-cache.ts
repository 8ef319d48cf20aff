import type { Logger } from 'pino';
import type { Redis } from '../lib/adapters/redis';
import { DependencyError } from '../lib/errors';
import { fallbackCounter, type Metrics } from '../lib/observability/metrics';
import { cacheKey, type ViewName } from '../lib/read-models/views';
import type { ViewChange } from './change-feed';
import { createLru } from './lru';
import { createSingleFlight } from './single-flight';

export type CacheResult = 'hit' | 'miss' | 'stale';

/** A cached view document; only `version` is read here (for ETags and invalidation races). */
export type CachedDocument = { version: number };

export interface CacheLookup<T extends CachedDocument> {
  /** Undefined when the document does not exist (absence is not cached). */
  doc: T | undefined;
  result: CacheResult;
}

export interface ViewCache {
  get<T extends CachedDocument>(
    view: ViewName,
    id: string,
    load: () => Promise<T | null>,
  ): Promise<CacheLookup<T>>;
  /** Drops the in-process copy; called for every change announced on CHANGES_CHANNEL. */
  invalidate(change: Pick<ViewChange, 'view' | 'id' | 'version'>): void;
  /** Drops every in-process entry (a replay swapped the collections under them). */
  clearLocal(): void;
  state(): { localEntries: number; loadsInFlight: number };
}

export interface ViewCacheOptions {
  redis: Redis;
  metrics: Metrics;
  logger: Logger;
  ttlSeconds: number;
  staleTtlSeconds: number;
  localTtlMs: number;
  localEntries: number;
  /** A slow Redis must not make the cache slower than MongoDB; past this a lookup counts as a miss. */
  redisTimeoutMs?: number;
  now?: () => number;
}

/** Beside the fresh key (which the projections DEL on change) a long-lived copy for outages. */
export const staleKey = (view: ViewName, id: string): string => `${cacheKey(view, id)}:stale`;

class RedisTimeout extends Error {}

/**
 * Cache-aside for single-document views, in three layers: an in-process LRU (1 s, so a hot key
 * costs no network at all and other instances' changes show within a second), Redis (shared by
 * all instances, invalidated by the projections), MongoDB. Concurrent misses for one key share
 * one load. When MongoDB fails, the last copy we have, however old, is served as `stale`.
 */
export function createViewCache(options: ViewCacheOptions): ViewCache {
  const { redis, metrics, logger, ttlSeconds, staleTtlSeconds, redisTimeoutMs = 250, now } = options;
  const local = createLru<CachedDocument>({
    maxEntries: options.localEntries,
    ttlMs: options.localTtlMs,
    now,
  });
  // The newest version announced per key. A load that started before a change and finished after
  // it would otherwise write the old document back into Redis for a whole TTL.
  const announced = createLru<number>({ maxEntries: 10_000, ttlMs: Number.POSITIVE_INFINITY, now });
  const flights = createSingleFlight<CacheLookup<CachedDocument>>();
  const fellBack = fallbackCounter(metrics);
  const requests = metrics.counter<'view' | 'result'>({
    name: 'cache_requests_total',
    help: 'Single-document view lookups by view and outcome (hit, miss, stale)',
    labelNames: ['view', 'result'],
  });

  async function redisCall<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        call(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new RedisTimeout(`redis ${what} timed out`)), redisTimeoutMs);
        }),
      ]);
    } catch (err) {
      logger.warn({ err, what }, 'redis cache unavailable; reading through');
      fellBack('cache-read-through');
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  const parse = (text: string | null | undefined): CachedDocument | undefined => {
    if (typeof text !== 'string') return undefined;
    try {
      return JSON.parse(text) as CachedDocument;
    } catch {
      return undefined;
    }
  };

  const outdated = (key: string, doc: CachedDocument) => (announced.getStale(key) ?? -1) > doc.version;

  async function lookup(view: ViewName, id: string, load: () => Promise<CachedDocument | null>) {
    const key = cacheKey(view, id);
    const cached = parse(await redisCall('get', () => redis.get(key)));
    if (cached) {
      local.set(key, cached);
      return { doc: cached, result: 'hit' as const };
    }
    let loaded: CachedDocument | null;
    try {
      loaded = await load();
    } catch (err) {
      if (!(err instanceof DependencyError)) throw err;
      const stale =
        local.getStale(key) ?? parse(await redisCall('get stale', () => redis.get(staleKey(view, id))));
      if (stale) {
        logger.warn({ view, id, version: stale.version }, 'MongoDB unavailable; serving stale view');
        fellBack('stale-view');
        return { doc: stale, result: 'stale' as const };
      }
      throw err;
    }
    if (!loaded) return { doc: undefined, result: 'miss' as const };
    if (!outdated(key, loaded)) {
      local.set(key, loaded);
      const text = JSON.stringify(loaded);
      await redisCall('set', () =>
        redis
          .multi()
          .set(key, text, 'EX', ttlSeconds)
          .set(staleKey(view, id), text, 'EX', staleTtlSeconds)
          .exec(),
      );
    }
    return { doc: loaded, result: 'miss' as const };
  }

  return {
    async get<T extends CachedDocument>(view: ViewName, id: string, load: () => Promise<T | null>) {
      const key = cacheKey(view, id);
      const fresh = local.get(key);
      const found = fresh
        ? { doc: fresh, result: 'hit' as const }
        : await flights.run(key, () => lookup(view, id, load));
      requests.inc({ view, result: found.result });
      return found as CacheLookup<T>;
    },
    clearLocal() {
      local.clear();
    },
    invalidate({ view, id, version }) {
      const key = cacheKey(view, id);
      local.delete(key);
      if (Number.isFinite(version) && version > (announced.getStale(key) ?? -1)) announced.set(key, version);
    },
    state: () => ({ localEntries: local.size, loadsInFlight: flights.inFlight }),
  };
}
