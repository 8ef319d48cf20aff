import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endpointsToEnv } from '../stack/layout';
import { TEST_NAMES_FILE } from './support/env';
import { findInfrastructure, type FoundInfrastructure } from '../stack/finder';
import { consoleProgress } from '../stack/progress';

/**
 * Runs once before the integration and end-to-end projects (Jest runs a project's global
 * setup only when one of its tests is selected, so unit runs never start a server).
 * Servers are found exactly as `npm start` finds them; the endpoints reach the test
 * workers through the environment.
 */
const state = globalThis as typeof globalThis & { __orderstreamInfra?: Promise<FoundInfrastructure> };

export default async function globalSetup(): Promise<void> {
  state.__orderstreamInfra ??= (async () => {
    const t0 = Date.now();
    process.stderr.write(
      '\n[orderstream] finding Kafka, schema registry, MongoDB and Redis for the tests…\n',
    );
    // The trace tests need Jaeger: build it if it is not built yet (once, minutes).
    process.env.ORDERSTREAM_TRACING ??= 'on';
    const found = await findInfrastructure(consoleProgress());
    // The names tests create topics under, for the teardown to delete (test/support/env.ts).
    process.env[TEST_NAMES_FILE] = join(mkdtempSync(join(tmpdir(), 'orderstream-test-names-')), 'names');
    Object.assign(process.env, endpointsToEnv(found.endpoints));
    const where = Object.entries(found.sources)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    process.stderr.write(
      `[orderstream] servers ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (${where})\n`,
    );
    return found;
  })();
  await state.__orderstreamInfra;
}
