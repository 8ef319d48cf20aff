import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createKafka } from '../lib/adapters/kafka';
import { createSchemaRegistry } from '../lib/adapters/schema-registry';
import { registerEventSchemas } from '../schemas/register-schemas';
import { endpointsToEnv } from '../stack/layout';
import { findInfrastructure } from '../stack/finder';
import { consoleProgress } from '../stack/progress';
import { ensureTopics, topicDefinitions } from '../topics/ensure-topics';
import { topicNames, type AggregateType } from '../topics/names';
import { catalogs } from '../schemas/catalogs';
import { seedCatalogue } from './seed-catalogue';

/**
 * `npm start`: find or start the servers (DESIGN §8), apply topics/ and schemas/, then run
 * every service as its own process with logs prefixed by name. Ctrl-C stops the services;
 * the stack keeps running for a fast next start (`npm run stack -- down` stops it).
 */
interface ServiceSpec {
  name: string;
  entry: string;
  env: Record<string, string>;
  url: string;
  ready: string;
}

const ROOT = join(__dirname, '..');

const setting = (name: string, fallback: string): string => process.env[name] ?? fallback;

const services = (prefix: string): ServiceSpec[] => {
  const api = setting('COMMAND_API_PORT', '8081');
  const simulator = (name: string, entry: string, port: string, what: string): ServiceSpec => ({
    name,
    entry,
    env: { PORT: port, DELIVERY_AFTER_MS: setting('DELIVERY_AFTER_MS', '5000') },
    url: `http://localhost:${port}  (${what}, POST /admin/failures)`,
    ready: `http://127.0.0.1:${port}/health/ready`,
  });
  return [
    simulator('payment-gateway', 'simulators/payment-gateway/main.ts', '8091', 'payment gateway simulator'),
    simulator('carrier', 'simulators/carrier/main.ts', '8092', 'carrier simulator'),
    simulator('notifications', 'simulators/notifications/main.ts', '8093', 'email/SMS/push simulator'),
    {
      name: 'processors',
      entry: 'processors/main.ts',
      env: { HEALTH_PORT: '9100', ORDERSTREAM_TOPIC_PREFIX: prefix },
      url: 'http://localhost:9100  (command processors, saga, deadlines, tracking: /health, /metrics, /api/resilience/state)',
      ready: 'http://127.0.0.1:9100/health/ready',
    },
    {
      name: 'projections',
      entry: 'processors/projections/main.ts',
      env: { HEALTH_PORT: '9101', ORDERSTREAM_TOPIC_PREFIX: prefix },
      url: 'http://localhost:9101  (read models in MongoDB: /health, /metrics)',
      ready: 'http://127.0.0.1:9101/health/ready',
    },
    {
      name: 'query-api',
      entry: 'query-api/main.ts',
      env: { PORT: setting('QUERY_API_PORT', '8080') },
      url: `http://localhost:${setting('QUERY_API_PORT', '8080')}  (GET /api/queries/orders/{id}, /api/products, /docs)`,
      ready: `http://127.0.0.1:${setting('QUERY_API_PORT', '8080')}/health/ready`,
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

const prefixLines = (name: string, stream: NodeJS.ReadableStream, out: NodeJS.WritableStream): void => {
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) out.write(`${name.padEnd(17)}| ${line}\n`);
  });
};

const main = async (): Promise<void> => {
  const t0 = Date.now();
  const progress = consoleProgress();
  const found = await findInfrastructure(progress);
  const env = endpointsToEnv(found.endpoints);
  const prefix = process.env.ORDERSTREAM_TOPIC_PREFIX ?? '';

  const kafka = createKafka({ brokers: found.endpoints.kafkaBrokers, clientId: 'orderstream-start' });
  const admin = kafka.admin();
  await admin.connect();
  const report = await ensureTopics(admin, topicDefinitions(prefix));
  await admin.disconnect();
  progress.done(
    'topics',
    `${report.created.length} created, ${report.updated.length} updated, ${report.unchanged.length} unchanged`,
    t0,
  );
  const registry = createSchemaRegistry(found.endpoints.schemaRegistryUrl);
  let registered = 0;
  for (const [aggregate, schemas] of Object.entries(catalogs)) {
    registered += (
      await registerEventSchemas(
        registry,
        topicNames(prefix).events(aggregate as AggregateType),
        schemas.catalog.entries,
      )
    ).size;
  }
  progress.done('schemas', `${registered} event types of 5 aggregates registered (BACKWARD_TRANSITIVE)`, t0);

  const children: ChildProcess[] = [];
  let stopping = false;
  for (const service of services(prefix)) {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, service.entry)], {
      cwd: ROOT,
      env: { ...process.env, ...env, ORDERSTREAM_TOPIC_PREFIX: prefix, ...service.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    prefixLines(service.name, child.stdout as NodeJS.ReadableStream, process.stdout);
    prefixLines(service.name, child.stderr as NodeJS.ReadableStream, process.stderr);
    child.on('exit', (code, signal) => {
      if (!stopping)
        process.stderr.write(`${service.name} exited (${signal ?? code}); see its lines above\n`);
    });
    children.push(child);
  }

  await Promise.all(
    services(prefix).map(async (s) => {
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
  const seeded = await seedCatalogue(kafka, topicNames(prefix), Number(setting('SEED_STOCK', '50')));
  progress.done('catalogue', `${seeded} products registered in the inventory (seed:<sku>, idempotent)`, t0);
  process.stdout.write(`\norderstream is running (${((Date.now() - t0) / 1000).toFixed(1)}s):\n`);
  for (const s of services(prefix)) process.stdout.write(`  ${s.name.padEnd(17)} ${s.url}\n`);
  for (const [k, v] of Object.entries(env)) process.stdout.write(`  ${k}=${v}\n`);
  process.stdout.write('Ctrl-C stops the services; `npm run stack -- down` stops the servers.\n\n');

  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    for (const child of children) child.kill('SIGTERM');
    setTimeout(() => process.exit(0), 10_000).unref();
    Promise.all(
      children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))),
    ).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
};

main().catch((err: unknown) => {
  process.stderr.write(`✗ ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
