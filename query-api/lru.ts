import { LRUCache } from 'lru-cache';

/**
 * An LRU with a freshness TTL, on lru-cache. Expired entries are not dropped: `get` ignores them,
 * but `getStale` still returns them, because a value past its TTL is what we serve while MongoDB
 * is down. Capacity alone bounds memory.
 */
export interface Lru<V> {
  /** The value if present and younger than the TTL; refreshes its recency. */
  get(key: string): V | undefined;
  /** The value whatever its age (for stale serving). */
  getStale(key: string): V | undefined;
  set(key: string, value: V): void;
  delete(key: string): boolean;
  clear(): void;
  readonly size: number;
}

export interface LruOptions {
  maxEntries: number;
  /** Freshness in ms; `Infinity` for values that never go stale. */
  ttlMs: number;
  now?: () => number;
}

export function createLru<V extends NonNullable<unknown>>({
  maxEntries,
  ttlMs,
  now = Date.now,
}: LruOptions): Lru<V> {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be >= 1');
  const cache = new LRUCache<string, V>({
    max: maxEntries,
    ...(Number.isFinite(ttlMs) ? { ttl: ttlMs } : {}),
    // Stale entries stay until capacity pushes them out: they are the outage fallback.
    noDeleteOnStaleGet: true,
    ttlAutopurge: false,
    // lru-cache reads its clock from `perf.now()` (ours may be a test's), on every check.
    perf: { now },
    ttlResolution: 0,
  });
  return {
    get: (key) => cache.get(key),
    getStale: (key) => cache.peek(key, { allowStale: true }),
    set: (key, value) => void cache.set(key, value),
    delete: (key) => cache.delete(key),
    clear: () => cache.clear(),
    get size() {
      return cache.size;
    },
  };
}
