import { exitWithParent } from '../lib/process/exit-with-parent';
import { startTracing } from '../lib/observability/tracing';
import { PIPELINE_PARTS, type PipelinePart } from '../processors/pipeline';

/**
 * One entry point per role (DESIGN §10): `node --import tsx bin/role.ts <role>` or `ROLE=<role>`.
 * The image runs this; `npm start` runs the same code with the processors in one process.
 * Every role serves /health/{live,ready,startup} and /metrics (the HTTP APIs on PORT, the Kafka
 * roles on HEALTH_PORT) and stops gracefully on SIGTERM.
 */
interface Role {
  summary: string;
  run(): Promise<unknown>;
}

/** A part of the pipeline alone: the processors' entry with only that part, named after it. */
const pipelinePart = (part: PipelinePart): Role => ({
  summary:
    part === 'saga'
      ? 'the saga: turns events into the next commands (Kafka consumer, HEALTH_PORT)'
      : `the ${part.replace('-', ' ')} (Kafka consumer, HEALTH_PORT)`,
  run: async () => {
    process.env.PROCESSOR_PARTS = part;
    process.env.SERVICE_NAME ??= part;
    return import('../processors/main');
  },
});

export const ROLES: Record<string, Role> = {
  'command-api': {
    summary: 'the command API (HTTP on PORT, default 8081)',
    run: async () => (await import('../producers/command-api/main')).main(),
  },
  'query-api': {
    summary: 'the query API with SSE (HTTP on PORT, default 8080)',
    run: async () => (await import('../query-api/main')).main(),
  },
  projections: {
    summary: 'the read-model projections into MongoDB (Kafka consumer, HEALTH_PORT, default 9101)',
    run: () => import('../processors/projections/main'),
  },
  processors: {
    summary: 'every pipeline part in one process, as npm start runs them (HEALTH_PORT, default 9100)',
    run: () => import('../processors/main'),
  },
  ...Object.fromEntries(PIPELINE_PARTS.map((part) => [part, pipelinePart(part)])),
  'payment-gateway': {
    summary: 'payment gateway simulator (HTTP on PORT, default 8091)',
    run: async () => (await import('../simulators/payment-gateway/main')).main(),
  },
  carrier: {
    summary: 'carrier simulator (HTTP on PORT, default 8092)',
    run: async () => (await import('../simulators/carrier/main')).main(),
  },
  'notification-provider': {
    summary: 'email/SMS/push provider simulator (HTTP on PORT, default 8093)',
    run: async () => (await import('../simulators/notifications/main')).main(),
  },
  init: {
    summary: 'one-shot: create the topics and register the schemas, then exit',
    run: async () => (await import('./init')).main(),
  },
};

export const usage = (): string =>
  [
    'usage: role <name>   (or ROLE=<name>)',
    '',
    ...Object.entries(ROLES).map(([name, role]) => `  ${name.padEnd(24)}${role.summary}`),
    '',
  ].join('\n');

if (require.main === module) {
  const name = process.argv[2] ?? process.env.ROLE;
  const role = name === undefined ? undefined : ROLES[name];
  if (name === undefined || !role) {
    process.stderr.write(`${name === undefined ? 'no role given' : `unknown role '${name}'`}\n${usage()}`);
    process.exit(2);
  }
  exitWithParent();
  // Before the role's modules load, so HTTP, Koa and MongoDB are instrumented (off without an endpoint).
  startTracing(process.env.SERVICE_NAME ?? name);
  role.run().catch((err: unknown) => {
    process.stderr.write(`${name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
