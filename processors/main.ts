import { createKafka } from '../lib/adapters/kafka/client';
import { createSchemaRegistry } from '../lib/adapters/schema-registry';
import { createCarrierClient } from '../lib/clients/carrier-client';
import { createNotificationClient } from '../lib/clients/notification-client';
import { createPaymentGatewayClient } from '../lib/clients/payment-gateway-client';
import { envVar, readConfig } from '../lib/config/env';
import { readGroupSettings } from '../lib/config/group-settings';
import { verifierFromConfig, authConfigSpec } from '../lib/auth/auth-config';
import { httpEdgeConfigSpec } from '../lib/http/security-headers';
import { createFailureInjector, failureInjectionConfigSpec } from '../lib/observability/failure-injector';
import { createResilienceRegistry } from '../lib/observability/resilience-registry';
import { eventsTopicConfigSpec, topicNamesFromConfig } from '../topics/events-topic-overrides';
import { startOpsServer } from './ops-server';
import { partitionsCheck } from './partition-readiness';
import { PIPELINE_PARTS, startPipeline, type PipelinePart } from './pipeline';
import { ConfigError } from '../lib/errors';
import { PROCESSOR_GROUPS, registerKafkaMetrics } from './kafka-metrics';
import { DEFAULT_AGGREGATE_CACHE_SIZE } from './command-side/aggregate-cache';
import { logLevelConfigSpec, serviceTelemetry, runService } from '../lib/process/service-process';

/**
 * The processors behind the command API: by default all of them in one process (the five command
 * processors, the saga, the deadline watcher, the tracking poller, the compensation retrier), or
 * the parts named in PROCESSOR_PARTS (one role of a deployment, bin/role.ts). Health, metrics,
 * diagnostics and the breakers' state are served on one port (default 9100).
 */
const main = async (): Promise<void> => {
  const config = readConfig(process.env, {
    KAFKA_BROKERS: envVar.string({ required: true }),
    SCHEMA_REGISTRY_URL: envVar.url({ required: true }),
    ORDERSTREAM_TOPIC_PREFIX: envVar.string({ default: '' }),
    ...eventsTopicConfigSpec,
    PAYMENT_GATEWAY_URL: envVar.url({ default: 'http://127.0.0.1:8091' }),
    CARRIER_URL: envVar.url({ default: 'http://127.0.0.1:8092' }),
    NOTIFICATIONS_URL: envVar.url({ default: 'http://127.0.0.1:8093' }),
    SNAPSHOT_EVERY: envVar.int({ default: 100, min: 1 }),
    AGGREGATE_CACHE_SIZE: envVar.int({ default: DEFAULT_AGGREGATE_CACHE_SIZE, min: 1 }),
    SAGA_DEADLINE_MS: envVar.int({ default: 120_000, min: 1_000 }),
    TRACKING_POLL_MS: envVar.int({ default: 500, min: 50 }),
    EXTERNAL_TIMEOUT_MS: envVar.int({ default: 2_000, min: 50 }),
    EXTERNAL_RETRIES: envVar.int({ default: 3, min: 0, max: 10 }),
    HEALTH_PORT: envVar.int({ default: 9100, min: 0, max: 65535 }),
    ...httpEdgeConfigSpec,
    ...authConfigSpec,
    ...failureInjectionConfigSpec,
    // One role of a deployment (bin/role.ts) runs one part; npm start runs them all in one process.
    PROCESSOR_PARTS: envVar.list({ default: [...PIPELINE_PARTS] }),
    SERVICE_NAME: envVar.string({ default: 'processors', pattern: /^[a-z][a-z0-9-]{0,62}$/ }),
    ...logLevelConfigSpec,
  });
  const parts = config.PROCESSOR_PARTS.map((part) => {
    if (!(PIPELINE_PARTS as readonly string[]).includes(part)) {
      throw new ConfigError(
        'PROCESSOR_PARTS',
        `unknown part '${part}'; the parts are ${PIPELINE_PARTS.join(', ')}`,
      );
    }
    return part as PipelinePart;
  });
  const SERVICE = config.SERVICE_NAME;
  const groupSettings = readGroupSettings(process.env);
  const { recentLogs, logger, metrics } = serviceTelemetry(SERVICE, config.LOG_LEVEL);
  const resilience = createResilienceRegistry({ metrics });
  const failures = createFailureInjector({ enabled: config.FAILURE_INJECTION === 'enabled' });
  const { verifier } = await verifierFromConfig(config);
  const topics = topicNamesFromConfig(config);
  // A consumer kafkajs will not restart (e.g. after a broker restart) leaves a process that looks
  // alive but consumes nothing. Exiting hands the restart to the supervisor: a fresh process
  // rebuilds every consumer, producer and partition from the log, the path a SIGKILL already
  // takes, rather than re-running one consumer beside producers in an unknown state.
  const fatal = (err: Error, what: string): never => {
    logger.fatal({ err }, `${what}; exiting so the supervisor restarts the process`);
    process.exit(1);
  };
  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: SERVICE,
    log: (level, message, extra) => logger[level](extra, message),
    groupSettings,
    onConsumerCrash: (err, groupId) => fatal(err, `consumer of group ${groupId} stopped for good`),
  });
  logger.info({ groupSettings }, 'consumer group settings');
  const client = {
    metrics,
    resilience,
    failures,
    logger,
    timeoutMs: config.EXTERNAL_TIMEOUT_MS,
    retries: config.EXTERNAL_RETRIES,
  };
  const pipeline = await startPipeline({
    kafka,
    registry: createSchemaRegistry(config.SCHEMA_REGISTRY_URL),
    topics,
    clients: {
      gateway: createPaymentGatewayClient({ ...client, baseUrl: config.PAYMENT_GATEWAY_URL }),
      carrier: createCarrierClient({ ...client, baseUrl: config.CARRIER_URL }),
      notifications: createNotificationClient({ ...client, baseUrl: config.NOTIFICATIONS_URL }),
    },
    logger,
    metrics,
    snapshotEvery: config.SNAPSHOT_EVERY,
    aggregateCacheSize: config.AGGREGATE_CACHE_SIZE,
    sagaDeadlineMs: config.SAGA_DEADLINE_MS,
    trackingPollMs: config.TRACKING_POLL_MS,
    onFatal: (err) => fatal(err, 'a command processor stopped for good'),
    parts,
  });
  registerKafkaMetrics({ kafka, topics, metrics, logger, groups: PROCESSOR_GROUPS, deadLetters: true });

  await startOpsServer({
    service: SERVICE,
    kafka,
    logger,
    metrics,
    recentLogs,
    failures,
    resilience,
    checks: [partitionsCheck(pipeline.processors)],
    state: () =>
      Object.fromEntries(
        Object.entries(pipeline.processors).map(([name, p]) => [
          name,
          { ownedPartitions: p.ownedPartitions() },
        ]),
      ),
    port: config.HEALTH_PORT,
    host: config.HOST,
    verifier,
    corsOrigin: config.CONSOLE_ORIGIN,
    stop: () => pipeline.stop(),
  });
};

// The service name is its config's (SERVICE_NAME), read inside main; a failed start says "processors".
runService('processors', main);
