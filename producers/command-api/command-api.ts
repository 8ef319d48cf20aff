import type Koa from 'koa';
import { catalog as seedCatalog, type Catalog } from '../../domain/catalog/catalog';
import type { Kafka } from '../../lib/adapters/kafka/client';
import type { Redis } from '../../lib/adapters/redis';
import type { TokenVerifier } from '../../lib/auth/token-verifier';
import { createHttpApp } from '../../lib/http/app';
import type { RateLimits } from '../../lib/http/rate-limit';
import { createHealth, type Health } from '../../lib/http/health';
import { createFailureInjector } from '../../lib/observability/failure-injector';
import { createLogRingBuffer, type LogRingBuffer } from '../../lib/observability/log-ring-buffer';
import { createLogger, type Logger } from '../../lib/observability/logger';
import { createMetrics, type Metrics } from '../../lib/observability/metrics';
import { createResilienceRegistry } from '../../lib/observability/resilience-registry';
import { AGGREGATE_TYPES, type AggregateType, type TopicNames } from '../../topics/names';
import { createAdminRouter, type ReadEvents } from './admin-routes';
import { createMigrationRouter } from './migration-routes';
import type { UpcastMigrations } from '../../lib/migrations/upcast-migrations';
import { createCommandBus, type CommandBus } from './command-bus';
import { createRedisIdempotencyStore } from './idempotency';
import { createInventoryRouter } from './inventory-routes';
import { createPreferencesRouter } from './preferences-routes';
import { createReceiptRouter } from './receipt-routes';
import { createReplyListener, type ReplyListener } from './reply-listener';
import { processorOwnershipCheck, type OwnedTopic } from './processor-ownership';
import { admissionControl, createAdmission } from './admission';
import { commandProcessorGroupId, sagaGroupId } from '../../lib/adapters/kafka/group-ids';
import { createCommandRouter } from './routes';
import { commandApiDocument } from './openapi-document';
import { openApiRouter } from '../../lib/http/openapi/router';

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
  /** Upcast migrations (`/api/admin/migrations`); 501 without them. */
  migrations?: UpcastMigrations;
  /** The event store reader for `GET /api/admin/events/{id}`; 501 without it. */
  readEvents?: ReadEvents;
  catalog?: Catalog;
  version?: string;
  /**
   * The consumer groups that must own the command topics for the API to be ready; the command
   * processors' groups by default (a test's stand-in processor names its own).
   */
  processorGroups?: OwnedTopic[];
  /** Verifies bearer tokens: every route but health, metrics and the documents needs one. */
  verifier: TokenVerifier;
  /** Per-client budgets, counted in `redis`; without them requests are not limited. */
  rateLimits?: RateLimits;
  /** FAILURE_INJECTION=enabled; off by default. */
  failureInjection?: boolean;
  corsOrigin?: string;
  /**
   * Admission control: new work is refused with 429 while the write side (every command
   * processor's group on its commands, the saga's on the events, by default) is more than
   * `maxLag` records or `maxWaitMs` of work behind. Off without it.
   */
  admission?: { maxLag: number; maxWaitMs?: number; checkEveryMs?: number; owned?: OwnedTopic[] };
}

/** The aggregates whose command processors and saga input admission control watches: the write side. */
const WRITE_SIDE: readonly AggregateType[] = AGGREGATE_TYPES;

/** The aggregates the API sends commands to, one bus each. */
export type CommandApiAggregate = 'orders' | 'inventory' | 'preferences' | 'notifications';

export interface CommandApi {
  app: Koa;
  buses: Readonly<Record<CommandApiAggregate, CommandBus>>;
  /** The one reply consumer the buses share. */
  replies: ReplyListener;
  health: Health;
  logger: Logger;
  metrics: Metrics;
  /** Stops the buses, the reply listener and the health probe's admin client; close the HTTP server first. */
  stop(): Promise<void>;
}

/**
 * The command API, ready to serve: the buses are connected and their shared reply listener has
 * joined the reply topic when this resolves. Listen with lib/http/app `listen(api.app, port)`,
 * then `api.health.markStarted()`.
 */
export async function createCommandApi(deps: CommandApiDeps): Promise<CommandApi> {
  const { kafka, redis, topics, readEvents, version } = deps;
  const recentLogs = deps.recentLogs ?? createLogRingBuffer();
  const logger = deps.logger ?? createLogger({ service: SERVICE, recentLogs });
  const metrics = deps.metrics ?? createMetrics({ service: SERVICE });
  const failures = createFailureInjector({ enabled: deps.failureInjection ?? false });
  const resilience = createResilienceRegistry({ metrics });

  // Every processor replies on the one reply topic, so one consumer (and one reply cache) serves
  // both buses; a consumer per bus would read every reply twice and join two groups per instance.
  const replies = createReplyListener({ kafka, replyTopic: topics.replies, logger });
  const busFor = (aggregate: CommandApiAggregate) =>
    createCommandBus({
      kafka,
      topics,
      replies,
      aggregate,
      replyTimeoutMs: deps.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS,
      logger,
      metrics,
      failures,
    });
  const buses = {
    orders: busFor('orders'),
    inventory: busFor('inventory'),
    preferences: busFor('preferences'),
    notifications: busFor('notifications'),
  };
  const allBuses = Object.values(buses);
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
          const { replyConsumer } = replies.state();
          if (replyConsumer !== 'running') throw new Error(`reply consumer is ${replyConsumer}`);
        },
      },
      {
        name: 'command-buses',
        async check() {
          const stopped = allBuses.filter((b) => !b.state().running).map((b) => b.state().aggregate);
          if (stopped.length > 0) throw new Error(`command bus not running for ${stopped.join(', ')}`);
          return { detail: allBuses.map((b) => b.state().commandTopic).join(', ') };
        },
      },
      // Without a processor owning the command partitions every command would answer 202
      // "pending" forever: the API is not ready then, and says which topic has no owner.
      processorOwnershipCheck({
        admin,
        owned:
          deps.processorGroups ??
          (['orders', 'inventory'] as const).map((aggregate) => ({
            groupId: commandProcessorGroupId(topics, aggregate),
            topic: topics.commands(aggregate),
          })),
      }),
    ],
  });

  await admin.connect();
  const admission = createAdmission({
    admin,
    owned: deps.admission?.owned ?? [
      ...WRITE_SIDE.map((aggregate) => ({
        groupId: commandProcessorGroupId(topics, aggregate),
        topic: topics.commands(aggregate),
      })),
      // Orders waiting for their next step are the saga's backlog on the events topics.
      ...WRITE_SIDE.map((aggregate) => ({ groupId: sagaGroupId(topics), topic: topics.events(aggregate) })),
    ],
    maxLag: deps.admission?.maxLag ?? 0,
    ...(deps.admission?.maxWaitMs !== undefined ? { maxWaitMs: deps.admission.maxWaitMs } : {}),
    ...(deps.admission?.checkEveryMs !== undefined ? { checkEveryMs: deps.admission.checkEveryMs } : {}),
    logger,
    metrics,
  });
  const started = await Promise.allSettled([replies.start(), ...allBuses.map((b) => b.start())]);
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // Half an API would hold connections open and keep the process alive; close what did start.
    admission.stop();
    await Promise.allSettled([...allBuses.map((b) => b.stop()), replies.stop(), admin.disconnect()]);
    throw failed.reason;
  }

  // One store for both routers: a key reused across them is a different request, refused with 422.
  const idempotency = createRedisIdempotencyStore({
    redis,
    // The topic prefix namespaces a deployment (and a test) in Redis as it does in Kafka.
    namespace: `orderstream:${topics.prefix}${SERVICE}:idempotency:`,
    failures,
  });
  const app = createHttpApp({
    service: SERVICE,
    logger,
    metrics,
    health,
    access: {
      verifier: deps.verifier,
      rateLimit: deps.rateLimits && {
        redis,
        limits: deps.rateLimits,
        keyPrefix: `orderstream:${topics.prefix}${SERVICE}:ratelimit:`,
      },
    },
    corsOrigin: deps.corsOrigin,
    loadShedding: [admissionControl(admission)],
    diagnostics: {
      version,
      recentLogs,
      failures,
      resilience,
      state: () => ({
        replies: replies.state(),
        buses: {
          orders: buses.orders.state(),
          inventory: buses.inventory.state(),
          preferences: buses.preferences.state(),
          notifications: buses.notifications.state(),
        },
        admission: admission.state(),
      }),
    },
    routers: [
      openApiRouter(commandApiDocument(version)),
      createCommandRouter({
        bus: buses.orders,
        idempotency,
        catalog: deps.catalog ?? seedCatalog,
      }),
      createInventoryRouter({ bus: buses.inventory, idempotency }),
      createPreferencesRouter({ bus: buses.preferences, idempotency }),
      createReceiptRouter({ bus: buses.notifications, idempotency }),
      createAdminRouter({ bus: buses.orders, readEvents }),
      createMigrationRouter({ migrations: deps.migrations }),
    ],
  });

  return {
    app,
    buses,
    replies,
    health,
    logger,
    metrics,
    async stop() {
      admission.stop();
      // Buses first: their waiting requests answer pending before the consumer goes.
      await Promise.allSettled(allBuses.map((b) => b.stop()));
      await replies.stop();
      await admin.disconnect();
    },
  };
}
