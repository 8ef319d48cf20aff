import { childPid } from '../../lib/process/supervisor';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { freePort } from '../../test/support/free-port';

/**
 * `npm start` as a user runs it, on the servers the test setup found, with a topic prefix and
 * ports of its own: it writes its scrape targets for the stack's Prometheus itself, under the
 * system name the prefix gives (`system` label), which is what the tests look for.
 */
export type Role =
  | 'payment-gateway'
  | 'carrier'
  | 'notifications'
  | 'processors'
  | 'projections'
  | 'query-api'
  | 'command-api';

const ENTRY: Record<Role, string> = {
  'payment-gateway': 'simulators/payment-gateway/main.ts',
  carrier: 'simulators/carrier/main.ts',
  notifications: 'simulators/notifications/main.ts',
  processors: 'processors/main.ts',
  projections: 'processors/projections/main.ts',
  'query-api': 'query-api/main.ts',
  'command-api': 'producers/command-api/main.ts',
};

const PORT_VARIABLE: Record<Role, string> = {
  'payment-gateway': 'PAYMENT_GATEWAY_PORT',
  carrier: 'CARRIER_PORT',
  notifications: 'NOTIFICATIONS_PORT',
  processors: 'PROCESSORS_PORT',
  projections: 'PROJECTIONS_PORT',
  'query-api': 'QUERY_API_PORT',
  'command-api': 'COMMAND_API_PORT',
};

export interface ObservedSystem {
  /** The `system` label of its series in Prometheus. */
  readonly system: string;
  url(role: Role): string;
  signal(role: Role, signal: NodeJS.Signals): void;
  output(): string[];
  close(): Promise<void>;
}

const ROOT = join(__dirname, '..', '..');

export const startObservedSystem = async (env: NodeJS.ProcessEnv = {}): Promise<ObservedSystem> => {
  const system = `observe-${randomUUID().slice(0, 8)}`;
  const ports = {} as Record<Role, number>;
  for (const role of Object.keys(ENTRY) as Role[]) ports[role] = await freePort();
  const output: string[] = [];
  const start: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'start.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      ORDERSTREAM_TOPIC_PREFIX: `${system}.`,
      ...Object.fromEntries((Object.keys(ENTRY) as Role[]).map((r) => [PORT_VARIABLE[r], String(ports[r])])),
      SEED_STOCK: '100000',
      DELIVERY_AFTER_MS: '300',
      LOG_LEVEL: 'warn',
      FORCE_COLOR: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let running = false;
  let exited: string | undefined;
  start.on('exit', (code, signal) => (exited = `npm start exited (${signal ?? code})`));
  const onOutput = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) {
      if (line.includes('orderstream is running')) running = true;
      output.push(line);
      if (output.length > 300) output.shift();
    }
  };
  start.stdout?.on('data', onOutput);
  start.stderr?.on('data', onOutput);

  const close = async (): Promise<void> => {
    if (start.exitCode !== null || start.signalCode !== null) return;
    const gone = new Promise((r) => start.once('exit', r));
    start.kill('SIGTERM');
    await gone;
  };
  const deadline = Date.now() + 240_000;
  while (!running) {
    if (exited || Date.now() > deadline) {
      await close();
      throw new Error(`${exited ?? 'npm start not running after 240 s'}:\n${output.slice(-40).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  const pidOf = (role: Role): number | undefined => childPid(start.pid, ENTRY[role]);
  return {
    system,
    url: (role) => `http://127.0.0.1:${ports[role]}`,
    signal: (role, signal) => {
      const pid = pidOf(role);
      if (pid === undefined) throw new Error(`no ${role} process under npm start`);
      process.kill(pid, signal);
    },
    output: () => [...output],
    close,
  };
};
