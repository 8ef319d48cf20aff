import IORedis from 'ioredis';

/**
 * What the code may use of a Redis client: the cache (get, set, expiry, scan, pipelines), pub/sub
 * and the connection's life. The operations keep ioredis' signatures; a swap rewrites this type
 * and `createRedis`, nothing outside `lib/adapters/`.
 */
export type Redis = Pick<
  IORedis,
  | 'get'
  | 'set'
  | 'del'
  | 'exists'
  | 'pexpire'
  | 'ttl'
  | 'scan'
  | 'pipeline'
  | 'multi'
  | 'publish'
  | 'subscribe'
  | 'unsubscribe'
  | 'psubscribe'
  | 'punsubscribe'
  | 'pubsub'
  | 'ping'
  | 'connect'
  | 'quit'
  | 'disconnect'
  | 'status'
  | 'on'
  | 'once'
  | 'off'
>;

/** The one place that builds Redis clients (a subscriber needs a connection of its own). */
export const createRedis = (url: string, name: string, options: { probe?: boolean } = {}): Redis =>
  new IORedis(
    url,
    options.probe
      ? // A health probe: one quick try, no reconnection, no queued commands.
        {
          connectionName: name,
          lazyConnect: true,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
          connectTimeout: 1_000,
        }
      : {
          connectionName: name,
          maxRetriesPerRequest: 2,
          enableOfflineQueue: true,
          retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
        },
  );
