import { createLru } from './lru';

describe('createLru', () => {
  // Any real clock is far past zero (and lru-cache treats a start time of 0 as "no start").
  const START = 1_000_000;
  let clock = START;
  const now = () => clock;
  beforeEach(() => {
    clock = START;
  });

  it('returns a value for its TTL, then only as stale', () => {
    const lru = createLru<string>({ maxEntries: 10, ttlMs: 1000, now });
    lru.set('a', 'A');
    clock = START + 1000;
    expect(lru.get('a')).toBe('A');
    clock = START + 1001;
    expect(lru.get('a')).toBeUndefined();
    expect(lru.getStale('a')).toBe('A');
  });

  it('evicts the least recently used entry when full', () => {
    const lru = createLru<number>({ maxEntries: 2, ttlMs: 1000, now });
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    lru.set('c', 3);
    expect(lru.getStale('b')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
    expect(lru.get('c')).toBe(3);
    expect(lru.size).toBe(2);
  });

  it('a stale read does not refresh recency, a set restarts the TTL', () => {
    const lru = createLru<number>({ maxEntries: 2, ttlMs: 100, now });
    lru.set('a', 1);
    lru.set('b', 2);
    lru.getStale('a');
    lru.set('c', 3);
    expect(lru.getStale('a')).toBeUndefined();
    clock = START + 150;
    lru.set('b', 20);
    clock = START + 200;
    expect(lru.get('b')).toBe(20);
  });

  it('deletes and clears', () => {
    const lru = createLru<number>({ maxEntries: 5, ttlMs: 100, now });
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.delete('a')).toBe(true);
    expect(lru.getStale('a')).toBeUndefined();
    lru.clear();
    expect(lru.size).toBe(0);
  });

  it('refuses a capacity below one', () => {
    expect(() => createLru({ maxEntries: 0, ttlMs: 1 })).toThrow(RangeError);
  });
});
