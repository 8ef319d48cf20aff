import { authConfigSpec } from '../lib/auth/auth-config';
import { rateLimitConfigSpec } from '../lib/http/rate-limit';
import { httpEdgeConfigSpec } from '../lib/http/security-headers';
import { failureInjectionConfigSpec } from '../lib/observability/failure-injector';
import { eventsTopicConfigSpec } from '../topics/events-topic-overrides';
import { envVar, readConfig, type ConfigOf, type Env } from '../lib/config/env';
import { logLevelConfigSpec } from '../lib/process/service-process';

/** Every variable the query API reads; read once at start-up, all problems reported together. */
export const queryApiConfigSpec = {
  // Optional: with both, POST /api/admin/projections/replay rebuilds the views from Kafka.
  KAFKA_BROKERS: envVar.string({ required: false }),
  SCHEMA_REGISTRY_URL: envVar.url({ protocols: ['http:', 'https:'], required: false }),
  ORDERSTREAM_TOPIC_PREFIX: envVar.string({ default: '', pattern: /^[A-Za-z0-9._-]*$/ }),
  ...eventsTopicConfigSpec,
  PORT: envVar.port({ default: 8080 }),
  // May carry credentials (and may list several hosts), so it is read as a secret string.
  MONGODB_URI: envVar.string({ pattern: /^mongodb(\+srv)?:\/\//, secret: true }),
  MONGODB_DATABASE: envVar.string({ default: 'orderstream', pattern: /^[A-Za-z0-9_-]{1,63}$/ }),
  REDIS_URL: envVar.url({ protocols: ['redis:', 'rediss:'], secret: true }),
  /** Redis cache-aside TTL of a single-document view. */
  QUERY_CACHE_TTL_SECONDS: envVar.int({ default: 30, min: 1, max: 86_400 }),
  /** How long the stale copy served during a MongoDB outage is kept. */
  QUERY_CACHE_STALE_TTL_SECONDS: envVar.int({ default: 86_400, min: 1, max: 30 * 86_400 }),
  /** In-process LRU in front of Redis: short, so other instances' invalidations cannot be missed for long. */
  QUERY_LOCAL_CACHE_TTL_MS: envVar.int({ default: 1000, min: 0, max: 60_000 }),
  QUERY_LOCAL_CACHE_ENTRIES: envVar.int({ default: 5000, min: 1, max: 1_000_000 }),
  SSE_HEARTBEAT_MS: envVar.int({ default: 15_000, min: 100, max: 300_000 }),
  /** Open order streams per client on one instance; 429 beyond. */
  SSE_MAX_STREAMS_PER_CLIENT: envVar.int({ default: 4, min: 1, max: 1000 }),
  /** The payment-gateway simulator, whose fault knobs the console's admin route sets. */
  PAYMENT_GATEWAY_URL: envVar.url({ protocols: ['http:', 'https:'], required: false }),
  /** The processes the console shows: `name=url,name=url` (console-routes.ts). */
  CONSOLE_SERVICES: envVar.string({
    required: false,
    pattern: /^[a-z0-9-]+=https?:\/\/[^\s,]+(,[a-z0-9-]+=https?:\/\/[^\s,]+)*$/,
  }),
  /** Prometheus, when it runs: the console's charts read from it, else from the services' /metrics. */
  PROMETHEUS_URL: envVar.url({ protocols: ['http:', 'https:'], required: false }),
  ...httpEdgeConfigSpec,
  ...authConfigSpec,
  ...rateLimitConfigSpec,
  ...failureInjectionConfigSpec,
  ...logLevelConfigSpec,
};

export type QueryApiConfig = ConfigOf<typeof queryApiConfigSpec>;

export const readQueryApiConfig = (env: Env): QueryApiConfig => readConfig(env, queryApiConfigSpec);
