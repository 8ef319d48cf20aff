import type { Kafka } from '../lib/adapters/kafka/types';
import { createKafka } from '../lib/adapters/kafka/client';
import { createSchemaRegistry, type SchemaRegistryAdapter } from '../lib/adapters/schema-registry';
import { envVar, readConfig } from '../lib/config/env';
import { catalogs } from '../schemas/catalogs';
import { registerEventSchemas } from '../schemas/register-schemas';
import { ensureTopics, topicDefinitions, type EnsureReport } from '../topics/ensure-topics';
import { eventsTopicConfigSpec, eventsTopicOverrides } from '../topics/events-topic-overrides';
import { topicNames, type AggregateType, type EventsTopicOverrides } from '../topics/names';

export interface InitReport {
  topics: EnsureReport;
  /** Event types registered, over every aggregate's events topic. */
  schemas: number;
}

/**
 * What must exist before any role starts: the topics of topics/topics.json (created or brought
 * to their settings) and every shipped schema version, registered oldest first under
 * BACKWARD_TRANSITIVE. Idempotent, so `npm start`, a compose init service and a Kubernetes Job
 * all run it on every deploy.
 */
export const initializeEventStore = async (
  kafka: Kafka,
  registry: SchemaRegistryAdapter,
  prefix: string,
  eventsTopics: EventsTopicOverrides = {},
): Promise<InitReport> => {
  const admin = kafka.admin();
  await admin.connect();
  let topics: EnsureReport;
  try {
    topics = await ensureTopics(admin, topicDefinitions(prefix));
  } finally {
    await admin.disconnect();
  }
  let schemas = 0;
  for (const [aggregate, schemaSet] of Object.entries(catalogs)) {
    const events = topicNames(prefix, eventsTopics).events(aggregate as AggregateType);
    schemas += (await registerEventSchemas(registry, events, schemaSet.catalog.entries)).size;
  }
  return { topics, schemas };
};

/** The `init` role: run once, print what it did, exit 0 (or 1 with the reason). */
export const main = async (env: NodeJS.ProcessEnv = process.env): Promise<void> => {
  const config = readConfig(env, {
    KAFKA_BROKERS: envVar.string({ required: true }),
    SCHEMA_REGISTRY_URL: envVar.url({ required: true }),
    ORDERSTREAM_TOPIC_PREFIX: envVar.string({ default: '' }),
    ...eventsTopicConfigSpec,
  });
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'orderstream-init' });
  const report = await initializeEventStore(
    kafka,
    createSchemaRegistry(config.SCHEMA_REGISTRY_URL),
    config.ORDERSTREAM_TOPIC_PREFIX,
    eventsTopicOverrides(config),
  );
  process.stdout.write(
    `${JSON.stringify({
      msg: 'event store initialized',
      topics: {
        created: report.topics.created.length,
        updated: report.topics.updated.length,
        unchanged: report.topics.unchanged.length,
      },
      schemas: report.schemas,
    })}\n`,
  );
};

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`init failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
