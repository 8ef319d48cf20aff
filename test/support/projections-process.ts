import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { testEndpoints } from './env';

const ROOT = join(__dirname, '..', '..');
const KEPT_LINES = 200;

/** The projections service (processors/projections/main.ts) as a real OS process, so SIGKILL means what it says. */
export interface ProjectionsProcess {
  child: ChildProcess;
  /** Its last lines of stdout and stderr, for failure messages. */
  output: string[];
  /** Resolves with its ops URL once it has joined its consumer group and listens. */
  ready(timeoutMs?: number): Promise<string>;
  /** Resolves once the process has ended, however it ended. */
  exited(): Promise<void>;
}

/**
 * Starts the service on the test servers, with its topics under `prefix` and its read models in
 * `database`; HEALTH_PORT 0, so several can run at once. TEST_LOG_LEVEL=1 echoes its output.
 */
export const startProjectionsProcess = (
  name: string,
  { prefix, database }: { prefix: string; database: string },
): ProjectionsProcess => {
  const endpoints = testEndpoints();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'processors/projections/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      KAFKA_BROKERS: endpoints.kafkaBrokers,
      SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
      MONGODB_URI: endpoints.mongodbUri,
      MONGODB_DATABASE: database,
      REDIS_URL: endpoints.redisUrl,
      ORDERSTREAM_TOPIC_PREFIX: prefix,
      HEALTH_PORT: '0',
      HOST: '127.0.0.1',
      // 'info' carries the "projections running" line with the URL that `ready` waits for.
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (line: string): void => {
    output.push(line);
    if (output.length > KEPT_LINES) output.shift();
    if (process.env.TEST_LOG_LEVEL) process.stderr.write(`[projections ${name}] ${line}\n`);
  };
  const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const listening = new Promise<string>((resolve, reject) => {
    child.once('exit', (code, signal) =>
      reject(new Error(`projections ${name} exited (${signal ?? code}):\n${output.join('\n')}`)),
    );
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      keep(line);
      try {
        const parsed = JSON.parse(line) as { msg?: string; url?: string };
        if (parsed.msg === 'projections running' && parsed.url) resolve(parsed.url);
      } catch {
        // not a JSON log line; kept for the failure message
      }
    });
  });
  // Killing a process before it is ready is a legitimate test step, not an unhandled rejection.
  listening.catch(() => {});
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', keep);

  return {
    child,
    output,
    ready: (timeoutMs = 60_000) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`projections ${name} not ready within ${timeoutMs} ms:\n${output.join('\n')}`)),
          timeoutMs,
        );
        listening.then(
          (url) => {
            clearTimeout(timer);
            resolve(url);
          },
          (err: unknown) => {
            clearTimeout(timer);
            reject(err instanceof Error ? err : new Error(String(err)));
          },
        );
      }),
    exited: () => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : ended),
  };
};
