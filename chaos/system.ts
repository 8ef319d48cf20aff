import { childPid } from '../lib/process/supervisor';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { StackPorts } from '../stack/layout';
import { startStackInstance, type StackInstance } from '../stack/instance';
import { endpointsToEnv } from '../stack/layout';
import type { ServiceName } from '../stack/local-stack';
import { topicNames, type TopicNames } from '../topics/names';
import { PIPELINE_PARTS, type PipelineLayout, type PipelinePart } from '../processors/pipeline';

/**
 * The system under fault: a private stack instance (its own Kafka, registry, MongoDB-wire server
 * and Redis, so stopping one touches no other run) and `npm start` on top of it, exactly as a
 * user runs it, on ports of its own. Faults reach the services through their pids (SIGKILL,
 * SIGSTOP) and the servers through the instance; the supervisor inside `npm start` is what
 * brings a killed service back.
 */
export type ServiceRole =
  | 'payment-gateway'
  | 'carrier'
  | 'notifications'
  | 'processors'
  | 'projections'
  | 'query-api'
  | 'command-api';

/** A process of the running system: a role, or one pipeline part when the parts run apart. */
export type SystemProcess = ServiceRole | PipelinePart;

/** How a process's command line ends, which is how its pid is found under `npm start`. */
const ENTRY: Record<SystemProcess, string> = {
  ...(Object.fromEntries(PIPELINE_PARTS.map((part) => [part, `bin/role.ts ${part}`])) as Record<
    PipelinePart,
    string
  >),
  'payment-gateway': 'simulators/payment-gateway/main.ts',
  carrier: 'simulators/carrier/main.ts',
  notifications: 'simulators/notifications/main.ts',
  processors: 'processors/main.ts',
  projections: 'processors/projections/main.ts',
  'query-api': 'query-api/main.ts',
  'command-api': 'producers/command-api/main.ts',
};

export interface ServicePorts {
  gateway: number;
  carrier: number;
  notifications: number;
  processors: number;
  projections: number;
  queryApi: number;
  commandApi: number;
  /** The first pipeline part's health port when the parts run apart; the others follow it. */
  parts?: number;
}

export interface ChaosSystemOptions {
  instance: string;
  stackPorts: StackPorts;
  servicePorts: ServicePorts;
  /** Units of every catalogue SKU at the start: plenty, so faults, not stock, decide outcomes. */
  seedStock: number;
  sagaDeadlineMs: number;
  /** `one` (npm start's default): the pipeline in the processors process; `per-part`: a process per part. */
  pipelineProcesses?: PipelineLayout;
  log?: (line: string) => void;
}

export interface SupervisorLine {
  at: number;
  service: string;
  line: string;
}

export interface ChaosSystem {
  readonly stack: StackInstance;
  readonly topics: TopicNames;
  readonly urls: {
    commandApi: string;
    queryApi: string;
    gateway: string;
    carrier: string;
    notifications: string;
    /** What the chaos run samples while a fault lasts: the processes running, by name. */
    health: Partial<Record<SystemProcess, string>>;
    ready: Partial<Record<SystemProcess, string>>;
  };
  /** The processes this system runs (the pipeline's parts by name when they run apart). */
  readonly processes: readonly SystemProcess[];
  pidOf(process: SystemProcess): number | undefined;
  signal(process: SystemProcess, signal: NodeJS.Signals): boolean;
  /** What the supervisor said about restarts and give-ups, in order. */
  supervisorLines(): SupervisorLine[];
  stopServer(service: ServiceName): Promise<void>;
  startServer(service: ServiceName): Promise<void>;
  close(): Promise<void>;
}

const ROOT = join(__dirname, '..');

const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} not reached within ${timeoutMs / 1000} s`);
};

const healthy = (url: string) => async () => (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok;

export const startChaosSystem = async (options: ChaosSystemOptions): Promise<ChaosSystem> => {
  const log = options.log ?? (() => {});
  log(
    `starting stack instance '${options.instance}' (Kafka ${options.stackPorts.kafka}, registry ${options.stackPorts.registry}, MongoDB ${options.stackPorts.mongo}, Redis ${options.stackPorts.redis})`,
  );
  const stack = await startStackInstance({
    name: options.instance,
    services: ['kafka', 'registry', 'mongo', 'redis'],
    ports: options.stackPorts,
    // Every run on empty servers: a read model or a cached view left by an earlier run would be
    // folded into this one's and break its guarantees for no fault of the system.
    fresh: true,
  });
  const prefix = `chaos-${Date.now().toString(36)}.`;
  const p = options.servicePorts;
  const perPart = options.pipelineProcesses === 'per-part';
  const partsFrom = p.parts ?? p.processors + 10;
  const local = (port: number) => `http://127.0.0.1:${port}`;
  const health: Partial<Record<SystemProcess, string>> = {
    'payment-gateway': `${local(p.gateway)}/health/ready`,
    carrier: `${local(p.carrier)}/health/ready`,
    notifications: `${local(p.notifications)}/health/ready`,
    ...(perPart
      ? Object.fromEntries(PIPELINE_PARTS.map((part, i) => [part, `${local(partsFrom + i)}/health`]))
      : { processors: `${local(p.processors)}/health` }),
    projections: `${local(p.projections)}/health`,
    'query-api': `${local(p.queryApi)}/health`,
    'command-api': `${local(p.commandApi)}/health`,
  };
  const processes = Object.keys(health) as SystemProcess[];
  const ready: Partial<Record<SystemProcess, string>> = {};
  for (const name of processes) ready[name] = health[name]?.replace(/\/health(\/ready)?$/, '/health/ready');
  const urls = {
    commandApi: local(p.commandApi),
    queryApi: local(p.queryApi),
    gateway: local(p.gateway),
    carrier: local(p.carrier),
    notifications: local(p.notifications),
    health,
    ready,
  };

  const lines: SupervisorLine[] = [];
  const start: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'start.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...endpointsToEnv(stack.endpoints),
      ORDERSTREAM_TOPIC_PREFIX: prefix,
      PAYMENT_GATEWAY_PORT: String(p.gateway),
      CARRIER_PORT: String(p.carrier),
      NOTIFICATIONS_PORT: String(p.notifications),
      PROCESSORS_PORT: String(p.processors),
      PIPELINE_PROCESSES: options.pipelineProcesses ?? 'one',
      PIPELINE_PARTS_PORT: String(partsFrom),
      PROJECTIONS_PORT: String(p.projections),
      QUERY_API_PORT: String(p.queryApi),
      COMMAND_API_PORT: String(p.commandApi),
      SEED_STOCK: String(options.seedStock),
      SAGA_DEADLINE_MS: String(options.sagaDeadlineMs),
      DELIVERY_AFTER_MS: '1000',
      LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'warn',
      // The load is one machine playing many customers from one address: limits would measure the limiter.
      RATE_LIMIT_DISABLED: 'true',
      FORCE_COLOR: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exited: string | undefined;
  start.on('exit', (code, signal) => (exited = `npm start exited (${signal ?? code})`));
  let seeded = false;
  const onOutput = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) {
      if (line.includes('✓ catalogue')) seeded = true;
      // Supervisor lines are the unprefixed ones; service lines carry `name | `.
      if (!line.includes('|') && /restart|giving up|keeps crashing/.test(line)) {
        lines.push({ at: Date.now(), service: line.trim().split(' ')[0] ?? '', line: line.trim() });
        log(`supervisor: ${line.trim()}`);
      }
      if (process.env.CHAOS_VERBOSE) log(line);
    }
  };
  start.stdout?.on('data', onOutput);
  start.stderr?.on('data', onOutput);

  const stopStart = async (): Promise<void> => {
    if (start.exitCode === null && start.signalCode === null) {
      start.kill('SIGTERM');
      await new Promise((r) => start.once('exit', r));
    }
  };
  const alive = async (check: () => Promise<boolean>) => {
    if (exited) throw new Error(exited);
    return check();
  };
  try {
    for (const name of processes) {
      const url = urls.ready[name];
      if (url) await waitFor(`${name} ready`, () => alive(healthy(url)), 240_000);
    }
    await waitFor('catalogue seeded', async () => alive(async () => seeded), 120_000);
  } catch (err) {
    await stopStart();
    await stack.close();
    throw err;
  }
  log(`system up: npm start (pid ${start.pid}), topic prefix ${prefix}`);

  const pidOf = (name: SystemProcess): number | undefined => childPid(start.pid, ENTRY[name]);

  return {
    stack,
    topics: topicNames(prefix),
    urls,
    processes,
    pidOf,
    signal: (name, signal) => {
      const pid = pidOf(name);
      if (pid === undefined) return false;
      try {
        process.kill(pid, signal);
        return true;
      } catch {
        return false;
      }
    },
    supervisorLines: () => [...lines],
    stopServer: (service) => stack.stop(service),
    startServer: (service) => stack.start(service),
    close: async () => {
      await stopStart();
      await stack.close();
    },
  };
};
