import { createAggregateCache } from './aggregate-cache';
import type { AggregateRecord } from './aggregate-record';

const record = (version: number): AggregateRecord<{ n: number }> => ({
  state: { n: version },
  version,
  recent: [],
});
const one = (id: string, version: number) => new Map([[id, record(version)]]);

describe('aggregate cache', () => {
  it('keeps at most max states, and a dirty one it evicts waits for its snapshot, still readable', () => {
    const cache = createAggregateCache<{ n: number }>(2);
    cache.committed(one('a', 1));
    cache.committed(one('b', 1));
    cache.committed(one('c', 1));
    expect(cache.size).toBe(3); // two cached, one pending
    expect([...cache.pendingSnapshots().keys()]).toEqual(['a']);
    expect(cache.get('a')?.version).toBe(1);
    expect(cache.evictedVersion('a')).toBeUndefined();
    expect([...cache.dirtyRecords().keys()].sort()).toEqual(['a', 'b', 'c']);

    cache.snapshotted(new Map(cache.pendingSnapshots()));
    expect(cache.pendingSnapshots().size).toBe(0);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.evictedVersion('a')).toBe(1);
    expect([...cache.dirtyRecords().keys()].sort()).toEqual(['b', 'c']);
  });

  it('drops a clean state on eviction, remembering only its version until it is loaded again', () => {
    const cache = createAggregateCache<{ n: number }>(1, { aggregates: one('a', 4), dirty: new Set() });
    cache.committed(one('b', 1));
    expect(cache.pendingSnapshots().size).toBe(0);
    expect(cache.evictedVersion('a')).toBe(4);
    cache.loaded(one('a', 4));
    expect(cache.get('a')?.version).toBe(4);
    expect(cache.evictedVersion('a')).toBeUndefined();
    // b was dirty when a came back in its place: it waits for its snapshot.
    expect([...cache.pendingSnapshots().keys()]).toEqual(['b']);
  });

  it('keeps a record dirty when a newer version was committed after its snapshot was taken', () => {
    const cache = createAggregateCache<{ n: number }>(10);
    cache.committed(one('a', 1));
    const taken = new Map(cache.dirtyRecords());
    cache.committed(one('a', 2));
    cache.snapshotted(taken);
    expect([...cache.dirtyRecords().keys()]).toEqual(['a']);
    cache.snapshotted(one('a', 2));
    expect(cache.dirtyCount).toBe(0);
  });

  it('restores more dirty aggregates than fit: the overflow is pending, none is lost', () => {
    const aggregates = new Map([1, 2, 3, 4].map((n) => [`x${n}`, record(n)] as const));
    const cache = createAggregateCache<{ n: number }>(2, { aggregates, dirty: new Set(aggregates.keys()) });
    expect(cache.pendingSnapshots().size).toBe(2);
    expect([...cache.dirtyRecords().values()].map((r) => r.version).sort()).toEqual([1, 2, 3, 4]);
  });
});
