import { createKafka } from '../../lib/adapters/kafka/client';
import { connectMongo, watchForWedgedClient } from '../../lib/adapters/mongo';
import { createRedis } from '../../lib/adapters/redis';
import { createSchemaRegistry } from '../../lib/adapters/schema-registry';
import { envVar, readConfig } from '../../lib/config/env';
import { readGroupSettings } from '../../lib/config/group-settings';
import { createHttpApp, listen } from '../../lib/http/app';
import { createHealth } from '../../lib/http/health';
import { authConfigSpec, verifierFromConfig } from '../../lib/auth/auth-config';
import { httpEdgeConfigSpec } from '../../lib/http/security-headers';
import { createFailureInjector, failureInjectionConfigSpec } from '../../lib/observability/failure-injector';
import { createResilienceRegistry } from '../../lib/observability/resilience-registry';
import { eventsTopicConfigSpec, topicNamesFromConfig } from '../../topics/events-topic-overrides';
import { startProjections } from './projection-runner';
import { PROJECTION_GROUPS, registerKafkaMetrics } from '../kafka-metrics';
import {
  logLevelConfigSpec,
  serviceTelemetry,
  stopOnSignal,
  runService,
} from '../../lib/process/service-process';

const SERVICE = 'projections';

/**
 * The read-model writer as its own process: the projections consumer group, with health,
 * metrics and diagnostics on HEALTH_PORT (default 9101).
 */
const main = async (): Promise<void> => {
  const config = readConfig(process.env, {
    KAFKA_BROKERS: envVar.string({ required: true }),
    SCHEMA_REGISTRY_URL: envVar.url({ required: true }),
    MONGODB_URI: envVar.string({ required: true }),
    MONGODB_DATABASE: envVar.string({ default: 'orderstream', pattern: /^[A-Za-z0-9_-]{1,63}$/ }),
    REDIS_URL: envVar.string({ required: true }),
    ORDERSTREAM_TOPIC_PREFIX: envVar.string({ default: '' }),
    ...eventsTopicConfigSpec,
    HEALTH_PORT: envVar.int({ default: 9101, min: 0, max: 65535 }),
    ...httpEdgeConfigSpec,
    ...authConfigSpec,
    ...failureInjectionConfigSpec,
    ...logLevelConfigSpec,
  });
  const groupSettings = readGroupSettings(process.env);
  const { recentLogs, logger, metrics } = serviceTelemetry(SERVICE, config.LOG_LEVEL);
  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: SERVICE,
    log: (level, message, extra) => logger[level](extra, message),
    groupSettings,
    // A consumer kafkajs will not restart consumes nothing while the process looks alive; a fresh
    // process resumes from the committed offsets, so exiting to the supervisor loses nothing.
    onConsumerCrash: (err, groupId) => {
      logger.fatal(
        { err, groupId },
        'consumer stopped for good; exiting so the supervisor restarts the process',
      );
      process.exit(1);
    },
  });
  const mongo = await connectMongo(config.MONGODB_URI, config.MONGODB_DATABASE, { metrics });
  // A fresh process resumes from the committed offsets (version-guarded writes): exiting loses nothing.
  const wedgeWatch = watchForWedgedClient(mongo, {
    uri: config.MONGODB_URI,
    onWedged: (detail) => {
      logger.fatal({ detail }, 'MongoDB client wedged; exiting so the supervisor restarts the process');
      process.exit(1);
    },
  });
  const redis = createRedis(config.REDIS_URL, SERVICE);
  // ioredis reconnects by itself; without a listener each failed attempt is printed to stderr.
  redis.on('error', (err: unknown) => logger.warn({ err }, 'redis connection error'));
  const registry = createSchemaRegistry(config.SCHEMA_REGISTRY_URL);
  const topics = topicNamesFromConfig(config);
  const projections = await startProjections({
    kafka,
    registry,
    topics,
    db: mongo.db,
    redis,
    logger,
    metrics,
  });
  registerKafkaMetrics({
    kafka,
    topics,
    metrics,
    logger,
    groups: PROJECTION_GROUPS,
  });

  const admin = kafka.admin();
  await admin.connect();
  const health = createHealth({
    checks: [
      { name: 'kafka', check: async () => void (await admin.describeCluster()) },
      { name: 'mongodb', check: async () => void (await mongo.db.command({ ping: 1 })) },
      { name: 'redis', check: async () => void (await redis.ping()) },
      // Decoders keep every schema they have seen, so a registry outage only matters for new ones.
      {
        name: 'schema-registry',
        critical: false,
        check: async (signal) => {
          const res = await fetch(`${registry.url}/subjects`, { signal });
          if (!res.ok) throw new Error(`GET /subjects answered ${res.status}`);
        },
      },
      // What the consumer itself is stuck on: names the dependency a batch waits for, and since when.
      {
        name: 'projection-writes',
        check: async () => {
          const { stalled, crashes } = projections.health();
          if (stalled.length > 0) {
            const first = stalled[0] as (typeof stalled)[number];
            const deps = [...new Set(stalled.map((s) => s.dependency))].join(', ');
            throw new Error(
              `${stalled.length} partition(s) waiting for ${deps} since ${first.since}: ${first.error}`,
            );
          }
          return crashes > 0
            ? { status: 'degraded', detail: `consumer crashed ${crashes} time(s)` }
            : undefined;
        },
      },
    ],
  });
  const app = createHttpApp({
    service: SERVICE,
    logger,
    metrics,
    health,
    routers: [],
    access: { verifier: (await verifierFromConfig(config)).verifier },
    corsOrigin: config.CONSOLE_ORIGIN,
    diagnostics: {
      recentLogs,
      failures: createFailureInjector({ enabled: config.FAILURE_INJECTION === 'enabled' }),
      resilience: createResilienceRegistry({ metrics }),
      state: () => ({ groupId: projections.groupId, database: config.MONGODB_DATABASE }),
    },
  });
  const server = await listen(app, config.HEALTH_PORT, config.HOST);
  health.markStarted();
  logger.info({ url: server.url }, 'projections running');

  stopOnSignal(logger, async () => {
    await projections.stop().catch((err: unknown) => logger.error({ err }, 'projections stop failed'));
    await admin.disconnect().catch(() => {});
    wedgeWatch.stop();
    await mongo.close().catch(() => {});
    redis.disconnect();
    await server.close();
  });
};

runService(SERVICE, main);
