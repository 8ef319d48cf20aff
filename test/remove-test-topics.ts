import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { createKafka } from '../lib/adapters/kafka/client';
import { TEST_NAMES_FILE } from './support/env';

/**
 * Deletes the topics this test run created: those named after a name it handed out
 * (`uniqueName`). Topics of other runs, of `npm start` and of anything else are left alone.
 * Best effort: a failure is reported, never fails the run.
 */
export const removeTestTopics = async (): Promise<void> => {
  const file = process.env[TEST_NAMES_FILE];
  const brokers = process.env.KAFKA_BROKERS;
  if (!file || !brokers || !existsSync(file)) return;
  const names = [...new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean))];
  rmSync(dirname(file), { recursive: true, force: true });
  if (names.length === 0) return;
  const t0 = Date.now();
  const kafka = createKafka({ brokers, clientId: 'test-teardown' });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const ours = (await admin.listTopics()).filter((topic) => names.some((name) => topic.startsWith(name)));
    for (let i = 0; i < ours.length; i += 200) {
      await admin.deleteTopics({ topics: ours.slice(i, i + 200), timeout: 30_000 });
    }
    process.stderr.write(
      `[orderstream] removed ${ours.length} topics the tests created (${((Date.now() - t0) / 1000).toFixed(1)}s)\n`,
    );
  } catch (err) {
    process.stderr.write(
      `[orderstream] could not remove the tests' topics: ${err instanceof Error ? err.message : String(err)}\n`,
    );
  } finally {
    await admin.disconnect().catch(() => {});
  }
};
