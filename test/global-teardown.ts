import type { FoundInfrastructure } from '../stack/finder';
import { removeTestTopics } from './remove-test-topics';

const state = globalThis as typeof globalThis & {
  __orderstreamInfra?: Promise<FoundInfrastructure>;
  __orderstreamReleased?: boolean;
};

/**
 * Removes the topics the tests created and stops what the global setup started, so a test run
 * leaves the machine as it found it.
 * ORDERSTREAM_KEEP_STACK=1 keeps the servers for the next run (a warm start is seconds).
 */
export default async function globalTeardown(): Promise<void> {
  if (!state.__orderstreamInfra || state.__orderstreamReleased) return;
  state.__orderstreamReleased = true;
  await removeTestTopics();
  if (process.env.ORDERSTREAM_KEEP_STACK === '1') return;
  const found = await state.__orderstreamInfra;
  await found.release();
}
