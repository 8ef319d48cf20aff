import type Koa from 'koa';
import { catalog as seedCatalog, type Catalog } from '../../domain/catalog/catalog';
import type { Kafka } from '../../lib/adapters/kafka';
import type { Redis } from '../../lib/adapters/redis';
import { createHttpApp } from '../../lib/http/app';
import { createHealth, type Health } from '../../lib/http/health';
import { createFailureInjector } from '../../lib/observability/failure-injector';
import { createLogRingBuffer, type LogRingBuffer } from '../../lib/observability/log-ring-buffer';
import { createLogger, type Logger } from '../../lib/observability/logger';
import { createMetrics, type Metrics } from '../../lib/observability/metrics';
import { createResilienceRegistry } from '../../lib/observability/resilience-registry';
import type { TopicNames } from '../../topics/names';
import { createAdminRouter, type ReadEvents } from './admin-routes';
import { createCommandBus, type CommandBus } from './command-bus';
import { createRedisIdempotencyStore } from './idempotency';
import { createCommandRouter } from './routes';

export const SERVICE = 'command-api';
export const DEFAULT_REPLY_TIMEOUT_MS = 5000;

export interface CommandApiDeps {
  /** Clients built by lib/adapters; the caller owns them and closes them after `stop()`. */
  kafka: Kafka;
  redis: Redis;
  topics: TopicNames;
  replyTimeoutMs?: number;
  /** Defaults to a JSON logger on stdout that also feeds `recentLogs`. */
  logger?: Logger;
  recentLogs?: LogRingBuffer;
  metrics?: Metrics;
  /** The event store reader for `GET /api/admin/events/{id}`; 501 without it. */
  readEvents?: ReadEvents;
  catalog?: Catalog;
  version?: string;
}

export interface CommandApi {
  app: Koa;
  bus: CommandBus;
  health: Health;
  logger: Logger;
  metrics: Metrics;
  /** Stops the bus and the health probe's admin client; the HTTP server is the caller's to close first. */
  stop(): Promise<void>;
}

/**
 * The command API, ready to serve: the bus has joined the reply topic when this resolves. Listen
 * with lib/http/app `listen(api.app, port)`, then `api.health.markStarted()`.
 */
export async function createCommandApi(deps: CommandApiDeps): Promise<CommandApi> {
  const { kafka, redis, topics, readEvents, version } = deps;
  const recentLogs = deps.recentLogs ?? createLogRingBuffer();
  const logger = deps.logger ?? createLogger({ service: SERVICE, recentLogs });
  const metrics = deps.metrics ?? createMetrics({ service: SERVICE });
  const failures = createFailureInjector();
  const resilience = createResilienceRegistry({ metrics });

  const bus = createCommandBus({
    kafka,
    topics,
    replyTimeoutMs: deps.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS,
    logger,
    metrics,
    failures,
  });
  const admin = kafka.admin();
  const health = createHealth({
    checks: [
      {
        name: 'kafka',
        async check() {
          const cluster = await admin.describeCluster();
          return {
            detail: `${cluster.brokers.length} broker(s), controller ${cluster.controller ?? 'unknown'}`,
          };
        },
      },
      {
        // Only requests with an Idempotency-Key need Redis; without it the API still takes commands.
        name: 'redis',
        critical: false,
        async check() {
          await redis.ping();
        },
      },
      {
        name: 'command-replies',
        async check() {
          const { replyConsumer } = bus.state();
          if (replyConsumer !== 'running') throw new Error(`reply consumer is ${replyConsumer}`);
        },
      },
    ],
  });

  await admin.connect();
  try {
    await bus.start();
  } catch (err) {
    await admin.disconnect();
    throw err;
  }

  const app = createHttpApp({
    service: SERVICE,
    logger,
    metrics,
    health,
    diagnostics: { version, recentLogs, failures, resilience, state: () => ({ bus: bus.state() }) },
    routers: [
      createCommandRouter({
        bus,
        idempotency: createRedisIdempotencyStore({
          redis,
          // The topic prefix namespaces a deployment (and a test) in Redis as it does in Kafka.
          namespace: `orderstream:${topics.prefix}${SERVICE}:idempotency:`,
          failures,
        }),
        catalog: deps.catalog ?? seedCatalog,
      }),
      createAdminRouter({ bus, readEvents }),
    ],
  });

  return {
    app,
    bus,
    health,
    logger,
    metrics,
    async stop() {
      await bus.stop();
      await admin.disconnect();
    },
  };
}
