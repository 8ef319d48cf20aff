import { connectMongo } from '../lib/adapters/mongo';
import { createRedis } from '../lib/adapters/redis';
import { verifierFromConfig } from '../lib/auth/auth-config';
import { ConfigError } from '../lib/errors';
import { rateLimitsFromConfig } from '../lib/http/rate-limit';
import { listen } from '../lib/http/app';
import { createLogRingBuffer } from '../lib/observability/log-ring-buffer';
import { createLogger } from '../lib/observability/logger';
import { createMetrics } from '../lib/observability/metrics';
import { readQueryApiConfig } from './config';
import { createQueryApi, SERVICE } from './query-api';
import type { ReplayControl } from './replay-routes';
import { createKafka } from '../lib/adapters/kafka/client';
import { createSchemaRegistry } from '../lib/adapters/schema-registry';
import { createReplayTracker } from '../lib/read-models/replay/replay-tracker';
import { topicNamesFromConfig } from '../topics/events-topic-overrides';
import { exitWithParent } from '../lib/process/exit-with-parent';
import definitions from '../topics/topics.json';
import { parseConsoleServices } from './console-routes';
import { createDeadLetterControl } from './dead-letter-control';
import { httpGatewayFaults } from './gateway-fault-routes';
import { stopOnSignal } from '../lib/process/service-process';

/**
 * Process entry of the query API: config once, clients from the adapters, subscribed, port
 * bound, then "started". SIGTERM/SIGINT drain in-flight requests (SSE streams are cut after the
 * grace period; browsers reconnect) before the clients close.
 */
export async function main(
  env: NodeJS.ProcessEnv = process.env,
  { replay }: { replay?: ReplayControl } = {},
): Promise<void> {
  let config;
  try {
    config = readQueryApiConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${SERVICE}: ${err.message}\n`);
    process.exitCode = 1;
    return;
  }

  const recentLogs = createLogRingBuffer();
  const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL, recentLogs });
  const redis = createRedis(config.REDIS_URL, SERVICE);
  const subscriber = createRedis(config.REDIS_URL, `${SERVICE}-subscriber`);
  // ioredis reconnects by itself; without a listener each failed attempt is printed to stderr.
  for (const client of [redis, subscriber]) {
    client.on('error', (err: unknown) => logger.warn({ err }, 'redis connection error'));
  }
  let mongo: Awaited<ReturnType<typeof connectMongo>> | undefined;
  // Made here rather than by the API, so the MongoDB client's command timings land in it too.
  const metrics = createMetrics({ service: SERVICE });

  try {
    mongo = await connectMongo(config.MONGODB_URI, config.MONGODB_DATABASE, { metrics });
    const topics = topicNamesFromConfig(config);
    const replayControl =
      replay ??
      (config.KAFKA_BROKERS && config.SCHEMA_REGISTRY_URL
        ? createReplayTracker({
            kafka: createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${SERVICE}-replay` }),
            registry: createSchemaRegistry(config.SCHEMA_REGISTRY_URL),
            topics,
            db: mongo.db,
            redis,
            projectionsGroupId: `${topics.prefix}projections`,
            logger,
          })
        : undefined);
    const deadLetterKafka = config.KAFKA_BROKERS
      ? createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${SERVICE}-deadletters` })
      : undefined;
    const auth = await verifierFromConfig(config, env);
    logger.info({ keys: auth.source }, 'bearer tokens verified with');
    const api = await createQueryApi({
      verifier: auth.verifier,
      rateLimits: rateLimitsFromConfig(config),
      rateLimitNamespace: topics.prefix,
      failureInjection: config.FAILURE_INJECTION === 'enabled',
      corsOrigin: config.CONSOLE_ORIGIN,
      sseMaxStreamsPerClient: config.SSE_MAX_STREAMS_PER_CLIENT,
      db: mongo.db,
      metrics,
      redis,
      subscriber,
      cache: {
        ttlSeconds: config.QUERY_CACHE_TTL_SECONDS,
        staleTtlSeconds: config.QUERY_CACHE_STALE_TTL_SECONDS,
        localTtlMs: config.QUERY_LOCAL_CACHE_TTL_MS,
        localEntries: config.QUERY_LOCAL_CACHE_ENTRIES,
      },
      sseHeartbeatMs: config.SSE_HEARTBEAT_MS,
      replay: replayControl,
      deadLetters:
        deadLetterKafka &&
        createDeadLetterControl({ kafka: deadLetterKafka, topics, groups: definitions.deadLetters.groups }),
      gateway: config.PAYMENT_GATEWAY_URL ? httpGatewayFaults(config.PAYMENT_GATEWAY_URL) : undefined,
      console: {
        services: parseConsoleServices(config.CONSOLE_SERVICES),
        ...(config.PROMETHEUS_URL ? { prometheusUrl: config.PROMETHEUS_URL } : {}),
      },
      logger,
      recentLogs,
      version: env.npm_package_version,
    });
    const server = await listen(api.app, config.PORT, config.HOST);
    api.health.markStarted();
    logger.info({ url: server.url, database: config.MONGODB_DATABASE }, 'query API started');

    const connected = mongo;
    stopOnSignal(logger, async () => {
      await server.close();
      await api.stop();
      await Promise.allSettled([redis.quit(), subscriber.quit(), connected.close()]);
    });
  } catch (err) {
    logger.fatal({ err }, 'query API failed to start');
    redis.disconnect();
    subscriber.disconnect();
    await mongo?.close().catch(() => undefined);
    // A client left retrying in the background (a Kafka consumer that never joined) would keep a
    // process that never became healthy alive forever; exit so its supervisor starts it again.
    process.exit(1);
  }
}

if (require.main === module) {
  exitWithParent();
  void main();
}
