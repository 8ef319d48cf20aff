import type { IdempotencyRecord, IdempotencyStore } from '../idempotency';

/** An in-process IdempotencyStore for unit tests of the routes; production uses Redis. */
export function createMemoryIdempotencyStore(): IdempotencyStore & {
  records: Map<string, IdempotencyRecord>;
} {
  const records = new Map<string, IdempotencyRecord>();
  return {
    records,
    async claim(key, proposal) {
      const existing = records.get(key);
      if (existing) return { record: existing, reused: true };
      records.set(key, proposal);
      return { record: proposal, reused: false };
    },
  };
}
