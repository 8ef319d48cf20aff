import Redis from 'ioredis';

/** The one place that builds Redis clients (a subscriber needs a connection of its own). */
export const createRedis = (url: string, name: string): Redis =>
  new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });

export type { Redis };
