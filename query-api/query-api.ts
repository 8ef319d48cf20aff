import type Koa from 'koa';
import type { Db } from '../lib/adapters/mongo';
import type { Redis } from '../lib/adapters/redis';
import type { TokenVerifier } from '../lib/auth/token-verifier';
import { createHttpApp } from '../lib/http/app';
import type { RateLimits } from '../lib/http/rate-limit';
import { createHealth, type Health } from '../lib/http/health';
import { queryApiDocument } from './openapi-document';
import { openApiRouter } from '../lib/http/openapi/router';
import { createFailureInjector, type FailureInjector } from '../lib/observability/failure-injector';
import { createLogRingBuffer, type LogRingBuffer } from '../lib/observability/log-ring-buffer';
import { createLogger, type Logger } from '../lib/observability/logger';
import { createMetrics, type Metrics } from '../lib/observability/metrics';
import { createResilienceRegistry } from '../lib/observability/resilience-registry';
import { createChangeFeed, type ChangeFeed } from './change-feed';
import { createConsoleRouter, type ConsoleSettings } from './console-routes';
import type { DeadLetterControl } from './dead-letter-control';
import { createDeadLetterRouter } from './dead-letter-routes';
import { createFeedRouter } from './feed-stream';
import { createGatewayFaultRouter, type GatewayFaults } from './gateway-fault-routes';
import { createJourneyRouter } from './journey-route';
import { createCustomerRouter } from './customer-routes';
import { createOrderPartRouter } from './order-part-routes';
import { createOrderStreamRouter } from './order-stream';
import { createReplayRouter, type ReplayControl } from './replay-routes';
import { createTemplateRouter } from './template-routes';
import { createViewCache, type ViewCache } from './view-cache';
import { createViewCollections } from './view-collections';
import { createViewReader } from './view-reader';
import { createViewRouter } from './view-routes';

export const SERVICE = 'query-api';

export interface QueryApiDeps {
  /** Clients built by lib/adapters; the caller owns them and closes them after `stop()`. */
  db: Db;
  /** Cache reads and writes. */
  redis: Redis;
  /** A connection of its own: once subscribed it can run no other command. */
  subscriber: Redis;
  cache?: {
    ttlSeconds?: number;
    staleTtlSeconds?: number;
    localTtlMs?: number;
    localEntries?: number;
  };
  /** How long a `view_aliases` lookup is reused (default 1 s). */
  aliasTtlMs?: number;
  sseHeartbeatMs?: number;
  compressionThresholdBytes?: number;
  /** The projection replay engine; its admin routes answer 501 without it. */
  replay?: ReplayControl;
  /** The dead-letter topics; their admin routes answer 501 without them. */
  deadLetters?: DeadLetterControl;
  /** The payment-gateway simulator's fault knobs; their admin route answers 501 without them. */
  gateway?: GatewayFaults;
  /** Where the console finds the other services; none by default. */
  console?: ConsoleSettings;
  logger?: Logger;
  recentLogs?: LogRingBuffer;
  metrics?: Metrics;
  version?: string;
  /** Verifies bearer tokens: everything but health, metrics, documents and the catalogue needs one. */
  verifier: TokenVerifier;
  /** Per-client budgets, counted in `redis`; without them requests are not limited. */
  rateLimits?: RateLimits;
  /** FAILURE_INJECTION=enabled; off by default. */
  failureInjection?: boolean;
  corsOrigin?: string;
  sseMaxStreamsPerClient?: number;
  /** Separates this deployment's (or test's) rate-limit counters in a shared Redis. */
  rateLimitNamespace?: string;
}

export interface QueryApi {
  app: Koa;
  cache: ViewCache;
  feed: ChangeFeed;
  health: Health;
  failures: FailureInjector;
  logger: Logger;
  metrics: Metrics;
  /** Unsubscribes from Redis; close the HTTP server first. */
  stop(): Promise<void>;
}

/**
 * The query API, ready to serve: subscribed to the change channel when this resolves, so no
 * invalidation published after it can be missed. Listen with lib/http/app
 * `listen(api.app, port)`, then `api.health.markStarted()`.
 */
export async function createQueryApi(deps: QueryApiDeps): Promise<QueryApi> {
  const { db, redis, subscriber, version } = deps;
  const recentLogs = deps.recentLogs ?? createLogRingBuffer();
  const logger = deps.logger ?? createLogger({ service: SERVICE, recentLogs });
  const metrics = deps.metrics ?? createMetrics({ service: SERVICE });
  const failures = createFailureInjector({ enabled: deps.failureInjection ?? false });
  const resilience = createResilienceRegistry({ metrics });

  const collections = createViewCollections({ db, ttlMs: deps.aliasTtlMs ?? 1000 });
  const reader = createViewReader({ collections, failures });
  const cache = createViewCache({
    redis,
    metrics,
    logger,
    ttlSeconds: deps.cache?.ttlSeconds ?? 30,
    staleTtlSeconds: deps.cache?.staleTtlSeconds ?? 86_400,
    localTtlMs: deps.cache?.localTtlMs ?? 1000,
    localEntries: deps.cache?.localEntries ?? 5000,
  });
  const feed = createChangeFeed({ subscriber, logger });
  feed.onChange((change) => cache.invalidate(change));
  feed.onReplay(() => cache.clearLocal());
  await feed.start();

  const health = createHealth({
    checks: [
      {
        name: 'mongodb',
        async check() {
          await db.command({ ping: 1 });
        },
      },
      {
        // Without Redis every read goes to MongoDB and SSE streams get no updates: degraded, not down.
        name: 'redis',
        critical: false,
        async check() {
          await redis.ping();
          if (subscriber.status !== 'ready') throw new Error(`subscriber is ${subscriber.status}`);
        },
      },
    ],
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
        keyPrefix: `orderstream:${deps.rateLimitNamespace ?? ''}${SERVICE}:ratelimit:`,
      },
    },
    corsOrigin: deps.corsOrigin,
    diagnostics: { version, recentLogs, failures, resilience, state: () => ({ cache: cache.state() }) },
    routers: [
      createViewRouter({ reader, cache, compressionThresholdBytes: deps.compressionThresholdBytes }),
      createOrderPartRouter({ reader, cache, compressionThresholdBytes: deps.compressionThresholdBytes }),
      createJourneyRouter({ reader, cache }),
      createCustomerRouter({ reader, cache }),
      createOrderStreamRouter({
        reader,
        cache,
        feed,
        logger,
        heartbeatMs: deps.sseHeartbeatMs,
        maxStreamsPerClient: deps.sseMaxStreamsPerClient,
      }),
      createFeedRouter({
        feed,
        heartbeatMs: deps.sseHeartbeatMs,
        maxStreamsPerClient: deps.sseMaxStreamsPerClient,
      }),
      createReplayRouter({ replay: deps.replay }),
      createDeadLetterRouter({ control: deps.deadLetters }),
      createGatewayFaultRouter({ gateway: deps.gateway }),
      createConsoleRouter({ settings: deps.console ?? { services: [] } }),
      createTemplateRouter(),
      openApiRouter(queryApiDocument(version)),
    ],
  });

  return {
    app,
    cache,
    feed,
    health,
    failures,
    logger,
    metrics,
    stop: () => feed.stop(),
  };
}
