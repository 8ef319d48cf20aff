import pino from 'pino';
import { createKafka, type Kafka } from '../../lib/adapters/kafka/client';
import { createSchemaRegistry } from '../../lib/adapters/schema-registry';
import { createLogger, type Logger } from '../../lib/observability/logger';
import { createMetrics, type Metrics } from '../../lib/observability/metrics';
import {
  startCommandProcessor,
  type CommandProcessor,
} from '../../processors/command-side/command-processor';
import { createOrderEventCodec, type EventCodec } from '../../schemas/event-codec';
import { ordersModule } from '../../processors/command-side/orders-module';
import type { OrderEvent } from '../../domain/order/events';
import type { Endpoints } from '../../stack/layout';
import { findInfrastructure, type Source } from '../../stack/finder';
import { consoleProgress } from '../../stack/progress';
import { ensureTopics, topicDefinitions } from '../../topics/ensure-topics';
import { topicNames, type TopicNames } from '../../topics/names';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The servers, a Kafka client and a fresh set of topics, so a run never sees an earlier run's records. */
export interface BenchEnvironment {
  endpoints: Endpoints;
  sources: Record<keyof Endpoints, Source>;
  kafka: Kafka;
  topics: TopicNames;
  codec: EventCodec<OrderEvent>;
  logger: Logger;
  /** A new orders command processor instance; the same group every time, so a second one takes over. */
  startProcessor(snapshotEvery: number, metrics?: Metrics): Promise<CommandProcessor>;
  /**
   * Deletes this run's topics (kept with BENCH_KEEP_TOPICS=1, to look at them), then stops whatever
   * servers the finder started for this run (nothing when they were already up).
   */
  release(): Promise<void>;
}

/** Progress and results go to stdout; the services' own JSON logs to stderr, at `logLevel`. */
export const openBenchEnvironment = async (
  name: string,
  { logLevel, keepTopics }: { logLevel: LogLevel; keepTopics: boolean },
): Promise<BenchEnvironment> => {
  const found = await findInfrastructure(consoleProgress());
  try {
    const logger = createLogger({
      service: `bench-${name}`,
      level: logLevel,
      destination: pino.destination({ dest: 2, sync: false }),
    });
    const kafka = createKafka({
      brokers: found.endpoints.kafkaBrokers,
      clientId: `bench-${name}`,
      log: (level, message, extra) => logger[level](extra, message),
    });
    const topics = topicNames(`bench-${name}-${Date.now()}.`);
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, topicDefinitions(topics.prefix));
    } finally {
      await admin.disconnect();
    }
    const codec = await createOrderEventCodec(
      createSchemaRegistry(found.endpoints.schemaRegistryUrl),
      topics.events('orders'),
    );
    return {
      endpoints: found.endpoints,
      sources: found.sources,
      kafka,
      topics,
      codec,
      logger,
      startProcessor: (snapshotEvery, metrics) =>
        startCommandProcessor({
          kafka,
          module: ordersModule(codec),
          topics,
          groupId: `${topics.prefix}orders-command-processor`,
          snapshotEvery,
          logger,
          metrics: metrics ?? createMetrics({ service: 'orders-command-processor', defaultMetrics: false }),
        }),
      release: async () => {
        if (!keepTopics) {
          const cleaner = kafka.admin();
          await cleaner.connect();
          try {
            await cleaner.deleteTopics({ topics: topicDefinitions(topics.prefix).map((t) => t.name) });
          } catch (err) {
            logger.warn({ err }, 'could not delete the benchmark topics');
          } finally {
            await cleaner.disconnect();
          }
        }
        await found.release();
      },
    };
  } catch (err) {
    await found.release();
    throw err;
  }
};

/** Partitions of orders.commands, and so of its co-partitioned events and snapshots topics. */
export const ORDER_PARTITIONS =
  topicDefinitions().find((t) => t.name === topicNames().commands('orders'))?.partitions ?? 0;
