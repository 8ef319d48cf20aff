import Redis from 'ioredis';

/** The one place that builds Redis clients (a subscriber needs a connection of its own). */
export const createRedis = (url: string, name: string, options: { probe?: boolean } = {}): Redis =>
  new Redis(
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

export type { Redis };
