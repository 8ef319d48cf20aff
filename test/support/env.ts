import { randomUUID } from 'node:crypto';
import type { Endpoints } from '../../stack/layout';

/**
 * Endpoints of the real servers the global setup found. A test that needs a server and
 * finds none fails loudly here; it never skips.
 */
export const testEndpoints = (): Endpoints => {
  const missing = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'MONGODB_URI', 'REDIS_URL'].filter(
    (v) => !process.env[v],
  );
  if (missing.length > 0) {
    throw new Error(
      `integration tests need real servers but ${missing.join(', ')} is not set: run them through jest's integration/e2e projects (npm test), whose global setup starts the stack`,
    );
  }
  return {
    kafkaBrokers: process.env.KAFKA_BROKERS as string,
    schemaRegistryUrl: process.env.SCHEMA_REGISTRY_URL as string,
    mongodbUri: process.env.MONGODB_URI as string,
    redisUrl: process.env.REDIS_URL as string,
  };
};

/** A name no other test (or earlier run) uses, for topics, subjects, collections and keys. */
export const uniqueName = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;
