import { createReplyCache } from './reply-cache';
import { okReply } from './testing/fake-command-bus';

describe('createReplyCache', () => {
  it('evicts the least recently used reply beyond its capacity', () => {
    const cache = createReplyCache({ capacity: 2 });
    cache.set(okReply('a', 'o-a', 1));
    cache.set(okReply('b', 'o-b', 1));
    expect(cache.get('a')?.aggregateId).toBe('o-a'); // a is now the most recent
    cache.set(okReply('c', 'o-c', 1));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.size).toBe(2);
  });

  it('keeps the newest reply for a command id seen twice', () => {
    const cache = createReplyCache();
    cache.set(okReply('a', 'o-a', 1));
    cache.set({ commandId: 'a', aggregateId: 'o-a', ok: true, version: 1, eventTypes: [], duplicate: true });
    expect(cache.get('a')).toMatchObject({ duplicate: true });
    expect(cache.size).toBe(1);
  });

  it('refuses a nonsensical capacity', () => {
    expect(() => createReplyCache({ capacity: 0 })).toThrow(RangeError);
  });
});
