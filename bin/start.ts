import { join } from 'node:path';
import { createKafka } from '../lib/adapters/kafka/client';
import { startSupervisor, type SupervisorEvent } from '../lib/process/supervisor';
import { createSchemaRegistry } from '../lib/adapters/schema-registry';
import { endpointsToEnv, stackSettings } from '../stack/layout';
import { writeScrapeTargets } from '../stack/services/prometheus-config';
import { findInfrastructure } from '../stack/finder';
import { consoleProgress } from '../stack/progress';
import { topicNames } from '../topics/names';
import { eventsTopicConfigSpec, eventsTopicOverrides } from '../topics/events-topic-overrides';
import { envVar, readConfig, type ConfigOf } from '../lib/config/env';
import { loadLocalKeyPair } from '../lib/auth/local-key';
import { signToken } from '../lib/auth/sign-token';
import { initializeEventStore } from './init';
import { seedCatalogue } from './seed-catalogue';
import { catalogs } from '../schemas/catalogs';
import { PIPELINE_LAYOUTS, PIPELINE_PARTS } from '../processors/pipeline';

/**
 * `npm start`: find or start the servers (DESIGN §8), apply topics/ and schemas/, then run
 * every service as its own supervised process with logs prefixed by name: a child that exits
 * is restarted with backoff (lib/process/supervisor.ts), and a child that crash-loops stops
 * the whole run loudly rather than leaving it half alive. Ctrl-C stops the services; the stack
 * keeps running for a fast next start (`npm run stack -- down` stops it). Every port can be
 * moved with its variable, so a second copy can run beside the first (with its own
 * ORDERSTREAM_TOPIC_PREFIX).
 */
interface ServiceSpec {
  name: string;
  entry: string;
  /** Arguments after the entry (a pipeline part's name for bin/role.ts). */
  args?: readonly string[];
  env: Record<string, string>;
  url: string;
  ready: string;
}

const ROOT = join(__dirname, '..');
const TRACING_PRELOAD = join(ROOT, 'lib', 'observability', 'tracing-preload.ts');

/** What `npm start` reads from the environment, once, validated (a bad value names its variable). */
const startConfigSpec = {
  PAYMENT_GATEWAY_PORT: envVar.port({ default: 8091 }),
  CARRIER_PORT: envVar.port({ default: 8092 }),
  NOTIFICATIONS_PORT: envVar.port({ default: 8093 }),
  PROCESSORS_PORT: envVar.port({ default: 9100 }),
  PROJECTIONS_PORT: envVar.port({ default: 9101 }),
  // `one`: every pipeline part in the processors process. `per-part`: each part (processors/pipeline.ts)
  // in a process of its own, as a deployment runs them, on PIPELINE_PARTS_PORT and the ports after it.
  PIPELINE_PROCESSES: envVar.oneOf(PIPELINE_LAYOUTS)({ default: 'one' }),
  PIPELINE_PARTS_PORT: envVar.port({ default: 9110 }),
  QUERY_API_PORT: envVar.port({ default: 8080 }),
  COMMAND_API_PORT: envVar.port({ default: 8081 }),
  DELIVERY_AFTER_MS: envVar.int({ default: 5000, min: 0 }),
  SEED_STOCK: envVar.int({ default: 50, min: 0 }),
  RECEIPT_WEBHOOK_URL: envVar.string({ default: '' }),
  RECEIPT_WEBHOOK_TOKEN: envVar.string({ default: '' }),
  AUTH_JWKS_URL: envVar.string({ default: '' }),
  AUTH_PUBLIC_KEY_FILE: envVar.string({ default: '' }),
  ORDERSTREAM_CPU_PROFILE_DIR: envVar.string({ default: '' }),
  // V8 samples every 1 ms by default, which costs an idle process about 5 % of a core: twenty
  // processes on two cores would spend half the machine on it. Every 10 ms costs about 0.6 %.
  ORDERSTREAM_CPU_PROFILE_INTERVAL_US: envVar.int({ default: 10_000, min: 100 }),
  ORDERSTREAM_TOPIC_PREFIX: envVar.string({ default: '' }),
  ...eventsTopicConfigSpec,
};
type StartConfig = ConfigOf<typeof startConfigSpec>;

const services = (config: StartConfig, receiptToken: string | undefined): ServiceSpec[] => {
  const prefix = config.ORDERSTREAM_TOPIC_PREFIX;
  const gateway = String(config.PAYMENT_GATEWAY_PORT);
  const carrier = String(config.CARRIER_PORT);
  const notifications = String(config.NOTIFICATIONS_PORT);
  const processors = String(config.PROCESSORS_PORT);
  const projections = String(config.PROJECTIONS_PORT);
  const query = String(config.QUERY_API_PORT);
  const api = String(config.COMMAND_API_PORT);
  const clients = {
    PAYMENT_GATEWAY_URL: `http://127.0.0.1:${gateway}`,
    CARRIER_URL: `http://127.0.0.1:${carrier}`,
    NOTIFICATIONS_URL: `http://127.0.0.1:${notifications}`,
  };
  const pipelineProcesses: ServiceSpec[] =
    config.PIPELINE_PROCESSES === 'one'
      ? [
          {
            name: 'processors',
            entry: 'processors/main.ts',
            env: { HEALTH_PORT: processors, ORDERSTREAM_TOPIC_PREFIX: prefix, ...clients },
            url: `http://localhost:${processors}  (command processors, saga, deadlines, tracking: /health, /metrics, /api/resilience/state)`,
            ready: `http://127.0.0.1:${processors}/health/ready`,
          },
        ]
      : PIPELINE_PARTS.map((part, i) => {
          const at = String(config.PIPELINE_PARTS_PORT + i);
          return {
            name: part,
            entry: 'bin/role.ts',
            args: [part],
            env: { HEALTH_PORT: at, ORDERSTREAM_TOPIC_PREFIX: prefix, ...clients },
            url: `http://localhost:${at}  (${part}, alone: /health, /metrics, /api/resilience/state)`,
            ready: `http://127.0.0.1:${at}/health/ready`,
          };
        });
  const simulator = (
    name: string,
    entry: string,
    at: string,
    what: string,
    extra: Record<string, string> = {},
  ): ServiceSpec => ({
    name,
    entry,
    env: { PORT: at, DELIVERY_AFTER_MS: String(config.DELIVERY_AFTER_MS), ...extra },
    url: `http://localhost:${at}  (${what}, POST /admin/failures)`,
    ready: `http://127.0.0.1:${at}/health/ready`,
  });
  return [
    simulator('payment-gateway', 'simulators/payment-gateway/main.ts', gateway, 'payment gateway simulator'),
    simulator('carrier', 'simulators/carrier/main.ts', carrier, 'carrier simulator'),
    // The providers report each message's delivery to the command API's receipt route, as a real
    // provider's webhook would, with a service token of the operator role.
    simulator(
      'notifications',
      'simulators/notifications/main.ts',
      notifications,
      'email/SMS/push simulator',
      {
        RECEIPT_WEBHOOK_URL:
          config.RECEIPT_WEBHOOK_URL ||
          `http://127.0.0.1:${api}/api/commands/notifications/{reference}/receipt`,
        ...(receiptToken !== undefined ? { RECEIPT_WEBHOOK_TOKEN: receiptToken } : {}),
      },
    ),
    ...pipelineProcesses,
    {
      name: 'projections',
      entry: 'processors/projections/main.ts',
      env: { HEALTH_PORT: projections, ORDERSTREAM_TOPIC_PREFIX: prefix },
      url: `http://localhost:${projections}  (read models in MongoDB: /health, /metrics)`,
      ready: `http://127.0.0.1:${projections}/health/ready`,
    },
    {
      name: 'query-api',
      entry: 'query-api/main.ts',
      env: {
        PORT: query,
        PAYMENT_GATEWAY_URL: `http://127.0.0.1:${gateway}`,
        // The console (served by the query API) shows these processes' health, breakers and metrics.
        CONSOLE_SERVICES: [
          `query-api=http://127.0.0.1:${query}`,
          `command-api=http://127.0.0.1:${api}`,
          ...pipelineProcesses.map((p) => `${p.name}=${new URL(p.ready).origin}`),
          `projections=http://127.0.0.1:${projections}`,
        ].join(','),
      },
      url: `http://localhost:${query}  (GET /api/queries/orders/{id}, /api/products, /docs; the console at /console/)`,
      ready: `http://127.0.0.1:${query}/health/ready`,
    },
    {
      name: 'command-api',
      entry: 'producers/command-api/main.ts',
      env: { PORT: api },
      url: `http://localhost:${api}  (POST /api/commands/orders/create, /api/admin/events/{id}, /health, /metrics)`,
      ready: `http://127.0.0.1:${api}/health/ready`,
    },
  ];
};

/** The console line for a supervisor event, or undefined for the quiet ones. */
const consoleLine = (event: SupervisorEvent): string | undefined => {
  switch (event.type) {
    case 'restarting':
      return `${event.name} exited (${event.reason}); restarting in ${(event.delayMs / 1000).toFixed(1)} s (restart ${event.restart})\n`;
    case 'gave-up':
      return `✗ ${event.name} keeps crashing (${event.reason}) after ${event.restarts} restarts; giving up and stopping everything\n`;
    case 'started':
      return event.restarts > 0 ? `${event.name} restarted (pid ${event.pid})\n` : undefined;
    case 'exited':
    case 'stopped':
      return undefined;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
};

const main = async (): Promise<void> => {
  const t0 = Date.now();
  const progress = consoleProgress();
  const found = await findInfrastructure(progress);
  const env = endpointsToEnv(found.endpoints);
  const config = readConfig(process.env, startConfigSpec);
  const prefix = config.ORDERSTREAM_TOPIC_PREFIX;

  const kafka = createKafka({ brokers: found.endpoints.kafkaBrokers, clientId: 'orderstream-start' });
  const report = await initializeEventStore(
    kafka,
    createSchemaRegistry(found.endpoints.schemaRegistryUrl),
    prefix,
    // The processes read the same variables; a switched aggregate's schemas go to its new topic.
    eventsTopicOverrides(config),
  );
  progress.done(
    'topics',
    `${report.topics.created.length} created, ${report.topics.updated.length} updated, ${report.topics.unchanged.length} unchanged`,
    t0,
  );
  progress.done(
    'schemas',
    `${report.schemas} event types of ${Object.keys(catalogs).length} aggregates registered (BACKWARD_TRANSITIVE)`,
    t0,
  );

  // Made once here, before the services start, so they all read the same local key.
  const usesLocalKey = !config.AUTH_JWKS_URL && !config.AUTH_PUBLIC_KEY_FILE;
  if (usesLocalKey) progress.done('auth', `local signing key ${(await loadLocalKeyPair()).path}`, t0);

  const receiptToken =
    (config.RECEIPT_WEBHOOK_TOKEN || undefined) ??
    (usesLocalKey
      ? await signToken(await loadLocalKeyPair(), {
          subject: 'notification-provider',
          roles: ['operator'],
          ttlSeconds: 30 * 86_400,
        })
      : undefined);
  const specs = services(config, receiptToken);
  // Prometheus finds every process from this file (file-based discovery); removed on the way out.
  const forgetTargets = writeScrapeTargets(
    stackSettings().layout,
    prefix === '' ? 'npm-start' : prefix.replace(/\.$/, ''),
    specs.map((s) => ({ process: s.name, port: Number(new URL(s.ready).port) })),
  );
  // ORDERSTREAM_CPU_PROFILE_DIR=<dir>: every process writes a V8 CPU profile into <dir>/<process>
  // when it stops (Ctrl-C), to open in Chrome's DevTools or speedscope.
  const profileDir = config.ORDERSTREAM_CPU_PROFILE_DIR;
  // A folder per process, so the summary names each one (the pipeline's parts share an entry file).
  const profiling = (name: string): string[] =>
    profileDir
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${join(profileDir, name)}`,
          `--cpu-prof-interval=${config.ORDERSTREAM_CPU_PROFILE_INTERVAL_US}`,
        ]
      : [];
  let stopping = false;
  const supervisor = startSupervisor({
    children: specs.map((service) => ({
      name: service.name,
      command: process.execPath,
      // The preload starts tracing before the entry loads (lib/observability/tracing-preload.ts).
      args: [
        ...profiling(service.name),
        '--import',
        'tsx',
        '--import',
        TRACING_PRELOAD,
        join(ROOT, service.entry),
        ...(service.args ?? []),
      ],
      cwd: ROOT,
      env: {
        ...process.env,
        ...env,
        ORDERSTREAM_TOPIC_PREFIX: prefix,
        SERVICE_NAME: service.name,
        // The console at the query API's /console/ calls the other services from the browser.
        CONSOLE_ORIGIN: `http://localhost:${config.QUERY_API_PORT}`,
        ...service.env,
      },
    })),
    output: (name, stream, line) =>
      (stream === 'stdout' ? process.stdout : process.stderr).write(`${name.padEnd(17)}| ${line}\n`),
  });
  const stop = (code: number): void => {
    if (stopping) return;
    stopping = true;
    forgetTargets();
    void supervisor.stop().then(() => process.exit(code));
  };
  supervisor.on((event) => {
    const line = consoleLine(event);
    if (line) process.stderr.write(line);
    // A child that cannot stay up makes the whole run useless; say so and stop rather than limp on.
    if (event.type === 'gave-up') stop(1);
  });
  process.once('SIGINT', () => stop(0));
  process.once('SIGTERM', () => stop(0));

  await Promise.all(
    specs.map(async (s) => {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && !stopping) {
        const ok = await fetch(s.ready, { signal: AbortSignal.timeout(1_000) }).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) return progress.done(s.name, 'ready', t0);
        await new Promise((r) => setTimeout(r, 300));
      }
      progress.fail(s.name, `not ready after 60 s; its log lines above say why (${s.ready})`);
    }),
  );
  const seeded = await seedCatalogue(kafka, topicNames(prefix), config.SEED_STOCK);
  progress.done('catalogue', `${seeded} products registered in the inventory (seed:<sku>, idempotent)`, t0);
  process.stdout.write(`\norderstream is running (${((Date.now() - t0) / 1000).toFixed(1)}s):\n`);
  for (const s of specs) process.stdout.write(`  ${s.name.padEnd(17)} ${s.url}\n`);
  if (found.endpoints.prometheusUrl)
    process.stdout.write(
      `  ${'prometheus'.padEnd(17)} ${found.endpoints.prometheusUrl}  (scrapes all of the above)\n`,
    );
  if (found.endpoints.jaegerUrl)
    process.stdout.write(
      `  ${'jaeger'.padEnd(17)} ${found.endpoints.jaegerUrl}/api/traces?service=command-api  (one trace per order)\n`,
    );
  else
    process.stdout.write(
      `  ${'jaeger'.padEnd(17)} not running: \`npm run stack -- up jaeger\` builds it once (minutes); npm start then traces every order\n`,
    );
  for (const [k, v] of Object.entries(env)) process.stdout.write(`  ${k}=${v}\n`);
  if (usesLocalKey) {
    process.stdout.write(
      'Every API route but health, metrics, /docs and the catalogue needs a token (roles customer, operator, admin):\n' +
        '  TOKEN=$(npm run -s token -- --role customer --sub c-1)\n' +
        '  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:' +
        config.QUERY_API_PORT +
        '/api/queries/orders\n',
    );
  }
  process.stdout.write('Ctrl-C stops the services; `npm run stack -- down` stops the servers.\n\n');
};

main().catch((err: unknown) => {
  process.stderr.write(`✗ ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
