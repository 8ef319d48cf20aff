import { createKafka } from '../lib/adapters/kafka/client';
import { createSchemaRegistry } from '../lib/adapters/schema-registry';
import { envVar, readConfig } from '../lib/config/env';
import { authConfigSpec, verifierFromConfig } from '../lib/auth/auth-config';
import { httpEdgeConfigSpec } from '../lib/http/security-headers';
import { createFailureInjector, failureInjectionConfigSpec } from '../lib/observability/failure-injector';
import { createResilienceRegistry } from '../lib/observability/resilience-registry';
import { eventsTopicConfigSpec, topicNamesFromConfig } from '../topics/events-topic-overrides';
import { startOpsServer } from './ops-server';
import { startCommandProcessor } from './command-side/command-processor';
import { createOrderEventCodec } from '../schemas/event-codec';
import { ordersModule } from './command-side/orders-module';
import { DEFAULT_AGGREGATE_CACHE_SIZE } from './command-side/aggregate-cache';
import { logLevelConfigSpec, serviceTelemetry, runService } from '../lib/process/service-process';

const SERVICE = 'orders-command-processor';

/**
 * The Order command processor as a process: owns partitions of orders.commands, exposes
 * health and metrics on its own port (default 9100).
 */
const main = async (): Promise<void> => {
  const config = readConfig(process.env, {
    KAFKA_BROKERS: envVar.string({ required: true }),
    SCHEMA_REGISTRY_URL: envVar.url({ required: true }),
    ORDERSTREAM_TOPIC_PREFIX: envVar.string({ default: '' }),
    ...eventsTopicConfigSpec,
    SNAPSHOT_EVERY: envVar.int({ default: 100, min: 1 }),
    AGGREGATE_CACHE_SIZE: envVar.int({ default: DEFAULT_AGGREGATE_CACHE_SIZE, min: 1 }),
    CONSUMER_SESSION_TIMEOUT_MS: envVar.int({ default: 30_000, min: 6_000 }),
    HEALTH_PORT: envVar.int({ default: 9100, min: 0, max: 65535 }),
    ...httpEdgeConfigSpec,
    ...authConfigSpec,
    ...failureInjectionConfigSpec,
    ...logLevelConfigSpec,
  });
  const { recentLogs, logger, metrics } = serviceTelemetry(SERVICE, config.LOG_LEVEL);
  const topics = topicNamesFromConfig(config);
  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: SERVICE,
    log: (level, message, extra) => logger[level](extra, message),
  });
  const registry = createSchemaRegistry(config.SCHEMA_REGISTRY_URL);
  const codec = await createOrderEventCodec(registry, topics.events('orders'));

  const processor = await startCommandProcessor({
    kafka,
    module: ordersModule(codec),
    topics,
    groupId: `${topics.prefix}orders-command-processor`,
    snapshotEvery: config.SNAPSHOT_EVERY,
    aggregateCacheSize: config.AGGREGATE_CACHE_SIZE,
    sessionTimeoutMs: config.CONSUMER_SESSION_TIMEOUT_MS,
    onFatal: () => process.exit(1),
    logger,
    metrics,
  });

  await startOpsServer({
    service: SERVICE,
    kafka,
    logger,
    metrics,
    recentLogs,
    failures: createFailureInjector({ enabled: config.FAILURE_INJECTION === 'enabled' }),
    resilience: createResilienceRegistry({ metrics }),
    state: () => ({ ownedPartitions: processor.ownedPartitions() }),
    port: config.HEALTH_PORT,
    host: config.HOST,
    verifier: (await verifierFromConfig(config)).verifier,
    corsOrigin: config.CONSOLE_ORIGIN,
    stop: () => processor.stop(),
  });
};

runService(SERVICE, main);
