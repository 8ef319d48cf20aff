import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
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

/** Where this test run writes the names it hands out (set by the global setup). */
export const TEST_NAMES_FILE = 'ORDERSTREAM_TEST_NAMES_FILE';

/**
 * A name no other test (or earlier run) uses, for topics, subjects, collections and keys. The
 * run's global teardown deletes the topics named after it, so runs do not pile topics up on the
 * local stack (and slow its next start).
 */
export const uniqueName = (prefix: string): string => {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  const file = process.env[TEST_NAMES_FILE];
  if (file) appendFileSync(file, `${name}\n`);
  return name;
};
