import type { Redis } from '../../lib/adapters/redis';
import { DependencyError, ValidationError } from '../../lib/errors';
import type { FailureInjector } from '../../lib/observability/failure-injector';
import { IdempotencyKeyReusedError } from '../../lib/errors';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/** What a key is bound to: the ids the first attempt used, and a hash of that request. */
export interface IdempotencyRecord {
  commandId: string;
  /**
   * The aggregate id the first attempt addressed: an order id, or a sku for inventory commands.
   * Named for orders, which came first; renaming it would make records already in Redis unreadable.
   */
  orderId: string;
  requestHash: string;
}

export interface IdempotencyStore {
  /** Stores `proposal` unless the key already holds a record; returns the record that holds. */
  claim(key: string, proposal: IdempotencyRecord): Promise<{ record: IdempotencyRecord; reused: boolean }>;
}

const VISIBLE_ASCII = /^[\x21-\x7e]{1,128}$/;

/**
 * The Idempotency-Key header, or undefined when absent. The IETF draft makes the value a
 * structured-field string (`"abc"`), Stripe-style clients send it bare; both are accepted.
 */
export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const quoted = /^"(.*)"$/.exec(header.trim());
  const key = quoted?.[1] ?? header.trim();
  if (!VISIBLE_ASCII.test(key)) {
    throw new ValidationError(`${IDEMPOTENCY_HEADER} must be 1 to 128 visible ASCII characters`, [
      { field: IDEMPOTENCY_HEADER, message: 'must be 1 to 128 visible ASCII characters' },
    ]);
  }
  return key;
}

export interface RequestIds {
  commandId: string;
  orderId: string;
  /** True when the ids come from an earlier attempt under the same key. */
  replayed: boolean;
}

/**
 * The ids for this request. With a key, a retry gets the ids of its first attempt, so the command
 * processor recognises the command id and answers with the original result instead of running
 * it twice; the same key on a different request is refused.
 */
export async function idsForRequest({
  store,
  key,
  requestHash,
  fresh,
}: {
  store: IdempotencyStore;
  key: string | undefined;
  requestHash: string;
  fresh: { commandId: string; orderId: string };
}): Promise<RequestIds> {
  if (key === undefined) return { ...fresh, replayed: false };
  const { record, reused } = await store.claim(key, { ...fresh, requestHash });
  if (reused && record.requestHash !== requestHash) throw new IdempotencyKeyReusedError(key);
  return { commandId: record.commandId, orderId: record.orderId, replayed: reused };
}

const isRecord = (value: unknown): value is IdempotencyRecord =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as IdempotencyRecord).commandId === 'string' &&
  typeof (value as IdempotencyRecord).orderId === 'string' &&
  typeof (value as IdempotencyRecord).requestHash === 'string';

/**
 * Records in Redis under `<namespace><key>` for `ttlSeconds`. `SET NX` makes the first attempt
 * win even when two retries race on different API instances.
 */
export function createRedisIdempotencyStore({
  redis,
  namespace,
  ttlSeconds = IDEMPOTENCY_TTL_SECONDS,
  failures,
}: {
  redis: Redis;
  namespace: string;
  ttlSeconds?: number;
  failures?: FailureInjector;
}): IdempotencyStore {
  const redisFailed = (err: unknown) =>
    err instanceof DependencyError
      ? err
      : new DependencyError('redis', `idempotency store: ${(err as Error).message}`, { cause: err });

  return {
    async claim(key, proposal) {
      const redisKey = `${namespace}${key}`;
      try {
        await failures?.before('redis');
        // A record can expire between a failed SET NX and the GET; then the next SET wins.
        for (let attempt = 0; attempt < 3; attempt++) {
          const set = await redis.set(redisKey, JSON.stringify(proposal), 'EX', ttlSeconds, 'NX');
          if (set === 'OK') return { record: proposal, reused: false };
          const stored = await redis.get(redisKey);
          if (stored === null) continue;
          const record: unknown = JSON.parse(stored);
          if (!isRecord(record))
            throw new DependencyError('redis', `malformed idempotency record at ${redisKey}`);
          return { record, reused: true };
        }
      } catch (err) {
        throw redisFailed(err);
      }
      throw new DependencyError('redis', `idempotency record at ${redisKey} keeps expiring while read`);
    },
  };
}
