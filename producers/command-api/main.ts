import { createKafka } from '../../lib/adapters/kafka/client';
import { createRedis } from '../../lib/adapters/redis';
import { createSchemaRegistry } from '../../lib/adapters/schema-registry';
import { createOrderEventCodec } from '../../schemas/event-codec';
import { readAggregateEvents } from '../../lib/adapters/kafka/event-reader';
import { verifierFromConfig } from '../../lib/auth/auth-config';
import { ConfigError } from '../../lib/errors';
import { rateLimitsFromConfig } from '../../lib/http/rate-limit';
import { listen } from '../../lib/http/app';
import { createLogRingBuffer } from '../../lib/observability/log-ring-buffer';
import { createLogger } from '../../lib/observability/logger';
import { ensureTopics, topicDefinitions } from '../../topics/ensure-topics';
import { topicNamesFromConfig } from '../../topics/events-topic-overrides';
import { codecFor } from '../../schemas/event-codec';
import { catalogs } from '../../schemas/catalogs';
import { createCommandApi, SERVICE } from './command-api';
import { createUpcastMigrations } from '../../lib/migrations/upcast-migrations';
import { startLiveCatalog, type LiveCatalog } from './live-catalog';
import { readCommandApiConfig } from './config';
import { exitWithParent } from '../../lib/process/exit-with-parent';
import { stopOnSignal } from '../../lib/process/service-process';

/**
 * Process entry of the command API: config once, clients from the adapters, topics ensured,
 * bus started, port bound, then "started". SIGTERM/SIGINT drain in-flight requests before the
 * clients close, so a rolling deploy answers every request it accepted.
 */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config;
  try {
    config = readCommandApiConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${SERVICE}: ${err.message}\n`);
    process.exitCode = 1;
    return;
  }

  const recentLogs = createLogRingBuffer();
  const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL, recentLogs });
  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS.join(','),
    clientId: SERVICE,
    log: (level, message, extra) => logger[level](extra, message),
  });
  const redis = createRedis(config.REDIS_URL, SERVICE);
  const topics = topicNamesFromConfig(config);
  let catalog: LiveCatalog | undefined;

  try {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, topicDefinitions(topics.prefix));
    } finally {
      await admin.disconnect();
    }
    const registry = createSchemaRegistry(config.SCHEMA_REGISTRY_URL);
    const codec = await createOrderEventCodec(registry, topics.events('orders'));
    const inventoryCodec = await codecFor(registry, topics, 'inventory', catalogs.inventory);
    // New order lines are priced from the products the inventory events describe, not a file.
    catalog = await startLiveCatalog({
      kafka,
      topics,
      decode: async (type, value) => (await inventoryCodec.decode(type, value)).event,
      logger,
      onFatal: () => process.exit(1),
    });
    const auth = await verifierFromConfig(config, env);
    logger.info({ keys: auth.source }, 'bearer tokens verified with');
    const api = await createCommandApi({
      verifier: auth.verifier,
      rateLimits: rateLimitsFromConfig(config),
      failureInjection: config.FAILURE_INJECTION === 'enabled',
      corsOrigin: config.CONSOLE_ORIGIN,
      kafka,
      redis,
      topics,
      catalog,
      migrations: createUpcastMigrations({ kafka, registry, topics, redis, logger }),
      readEvents: (aggregateId) => readAggregateEvents(kafka, codec, topics.events('orders'), aggregateId),
      replyTimeoutMs: config.COMMAND_REPLY_TIMEOUT_MS,
      admission: {
        maxLag: config.ADMISSION_MAX_LAG,
        maxWaitMs: config.ADMISSION_MAX_WAIT_MS,
        checkEveryMs: config.ADMISSION_CHECK_MS,
      },
      logger,
      recentLogs,
      version: env.npm_package_version,
    });
    const server = await listen(api.app, config.PORT, config.HOST);
    api.health.markStarted();
    logger.info(
      { url: server.url, commandTopics: [topics.commands('orders'), topics.commands('inventory')] },
      'command API started',
    );

    stopOnSignal(logger, async () => {
      await server.close();
      await api.stop();
      await catalog?.stop();
      await redis.quit();
    });
  } catch (err) {
    logger.fatal({ err }, 'command API failed to start');
    redis.disconnect();
    // A client left retrying in the background (a reply consumer that never joined) would keep a
    // process that never became healthy alive forever; exit so its supervisor starts it again.
    process.exit(1);
  }
}

if (require.main === module) {
  exitWithParent();
  void main();
}
