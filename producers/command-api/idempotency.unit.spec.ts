import { ValidationError } from '../../lib/errors';
import { problemFromError } from '../../lib/http/problem';
import { IdempotencyKeyReusedError } from '../../lib/errors';
import { idsForRequest, parseIdempotencyKey } from './idempotency';
import { createMemoryIdempotencyStore } from './testing/memory-idempotency-store';

describe('parseIdempotencyKey', () => {
  it('accepts a bare or a structured-field (quoted) key and treats an absent header as none', () => {
    expect(parseIdempotencyKey('8e03978e-40d5')).toBe('8e03978e-40d5');
    expect(parseIdempotencyKey('"8e03978e-40d5"')).toBe('8e03978e-40d5');
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    expect(parseIdempotencyKey('')).toBeUndefined();
  });

  it.each(['x'.repeat(129), 'has space', '""'])('refuses %p, naming the header', (header) => {
    expect(() => parseIdempotencyKey(header)).toThrow(ValidationError);
  });
});

describe('idsForRequest', () => {
  const fresh = (n: number) => ({ commandId: `cmd-${n}`, orderId: `order-${n}` });

  it('uses fresh ids without a key', async () => {
    const store = createMemoryIdempotencyStore();
    const ids = await idsForRequest({ store, key: undefined, requestHash: 'h', fresh: fresh(1) });
    expect(ids).toEqual({ ...fresh(1), replayed: false });
    expect(store.records.size).toBe(0);
  });

  it("gives a retry of the same request the first attempt's ids", async () => {
    const store = createMemoryIdempotencyStore();
    const first = await idsForRequest({ store, key: 'k', requestHash: 'h', fresh: fresh(1) });
    const retry = await idsForRequest({ store, key: 'k', requestHash: 'h', fresh: fresh(2) });
    expect(first).toEqual({ ...fresh(1), replayed: false });
    expect(retry).toEqual({ ...fresh(1), replayed: true });
  });

  it('refuses the key on a different request', async () => {
    const store = createMemoryIdempotencyStore();
    await idsForRequest({ store, key: 'k', requestHash: 'h1', fresh: fresh(1) });
    await expect(
      idsForRequest({ store, key: 'k', requestHash: 'h2', fresh: fresh(2) }),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  });
});

describe('IdempotencyKeyReusedError', () => {
  // The mapping lives in lib/http/problem.ts; without it the kit answers an unknown code with 500.
  it('is answered 422 with a problem naming the key', () => {
    const { problem } = problemFromError(new IdempotencyKeyReusedError('k-1'));
    expect(problem).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(problem.detail).toContain('k-1');
  });
});
