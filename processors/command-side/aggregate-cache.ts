import { LRUCache } from 'lru-cache';
import type { AggregateRecord } from './aggregate-record';

/** How many aggregates a partition owner keeps in memory unless told otherwise. */
export const DEFAULT_AGGREGATE_CACHE_SIZE = 10_000;

/**
 * A partition owner's aggregates, at most `max` states in memory (DESIGN §4, bounded memory).
 *
 * An aggregate leaves the cache in one of two ways, and either way it can be read back exactly:
 * - clean (its latest state is in a snapshot): only its version is kept, in `evicted`, so a
 *   later command knows to load it (and that it exists) and can check the loaded version;
 * - dirty (changed since its last snapshot): it waits in `pending` until the next transaction
 *   writes its snapshot, and is served from there meanwhile.
 * The checkpoint promise ("every aggregate with events before the checkpoint has a snapshot")
 * therefore holds however many aggregates were evicted: dirty ones are always at hand.
 */
export interface AggregateCache<S> {
  get(aggregateId: string): AggregateRecord<S> | undefined;
  /** The version an evicted aggregate had, or undefined when it is in memory or unknown. */
  evictedVersion(aggregateId: string): number | undefined;
  /** Records committed by a transaction: now the latest, and not in a snapshot yet. */
  committed(records: ReadonlyMap<string, AggregateRecord<S>>): void;
  /** Records read back from snapshots and events after a miss: latest, and clean. */
  loaded(records: ReadonlyMap<string, AggregateRecord<S>>): void;
  /** Evicted dirty records whose snapshot the next transaction must write. */
  pendingSnapshots(): ReadonlyMap<string, AggregateRecord<S>>;
  /** Every dirty record (for a checkpoint). */
  dirtyRecords(): Map<string, AggregateRecord<S>>;
  /** These records' snapshots were committed at these versions. */
  snapshotted(records: ReadonlyMap<string, AggregateRecord<S>>): void;
  readonly size: number;
  readonly dirtyCount: number;
}

export const createAggregateCache = <S>(
  max: number,
  restored: { aggregates: ReadonlyMap<string, AggregateRecord<S>>; dirty: ReadonlySet<string> } = {
    aggregates: new Map(),
    dirty: new Set(),
  },
): AggregateCache<S> => {
  const dirty = new Set<string>(restored.dirty);
  const pending = new Map<string, AggregateRecord<S>>();
  const evicted = new Map<string, number>();
  const cache = new LRUCache<string, AggregateRecord<S>>({
    max,
    dispose: (record, aggregateId, reason) => {
      if (reason !== 'evict') return;
      evicted.set(aggregateId, record.version);
      if (dirty.has(aggregateId)) pending.set(aggregateId, record);
    },
  });
  const put = (aggregateId: string, record: AggregateRecord<S>): void => {
    evicted.delete(aggregateId);
    pending.delete(aggregateId);
    cache.set(aggregateId, record);
  };
  for (const [aggregateId, record] of restored.aggregates) put(aggregateId, record);

  const get = (aggregateId: string) => cache.get(aggregateId) ?? pending.get(aggregateId);
  return {
    get,
    evictedVersion: (aggregateId) => (pending.has(aggregateId) ? undefined : evicted.get(aggregateId)),
    committed: (records) => {
      for (const [aggregateId, record] of records) {
        dirty.add(aggregateId);
        put(aggregateId, record);
      }
    },
    loaded: (records) => {
      for (const [aggregateId, record] of records) put(aggregateId, record);
    },
    pendingSnapshots: () => pending,
    dirtyRecords: () => {
      const records = new Map<string, AggregateRecord<S>>();
      for (const aggregateId of dirty) {
        const record = cache.peek(aggregateId) ?? pending.get(aggregateId);
        if (record) records.set(aggregateId, record);
      }
      return records;
    },
    snapshotted: (records) => {
      for (const [aggregateId, record] of records) {
        // Only if nothing newer was committed since the snapshot was taken.
        if (get(aggregateId)?.version !== record.version) continue;
        dirty.delete(aggregateId);
        if (pending.delete(aggregateId)) evicted.set(aggregateId, record.version);
      }
    },
    get size() {
      return cache.size + pending.size;
    },
    get dirtyCount() {
      return dirty.size;
    },
  };
};
