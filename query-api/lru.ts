/**
 * A small LRU with a freshness TTL. Expired entries are not dropped: `get` ignores them, but
 * `getStale` still returns them, because a value past its TTL is what we serve while MongoDB
 * is down. Capacity alone bounds memory. A Map keeps insertion order, which is the LRU order
 * once a hit re-inserts its key.
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
  ttlMs: number;
  now?: () => number;
}

export function createLru<V>({ maxEntries, ttlMs, now = Date.now }: LruOptions): Lru<V> {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be >= 1');
  const entries = new Map<string, { value: V; storedAt: number }>();

  const touch = (key: string, entry: { value: V; storedAt: number }) => {
    entries.delete(key);
    entries.set(key, entry);
  };

  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry || now() - entry.storedAt >= ttlMs) return undefined;
      touch(key, entry);
      return entry.value;
    },
    getStale(key) {
      return entries.get(key)?.value;
    },
    set(key, value) {
      touch(key, { value, storedAt: now() });
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next().value as string;
        entries.delete(oldest);
      }
    },
    delete: (key) => entries.delete(key),
    clear: () => entries.clear(),
    get size() {
      return entries.size;
    },
  };
}
