import { createKafka } from '../lib/adapters/kafka/client';
import { connectMongo } from '../lib/adapters/mongo';
import { createRedis } from '../lib/adapters/redis';
import { createSchemaRegistry } from '../lib/adapters/schema-registry';
import { replayProjections } from '../lib/read-models/replay/replay';
import type { ReplayProgress } from '../lib/read-models/replay/replay-progress';
import { findInfrastructure } from '../stack/finder';
import { consoleProgress } from '../stack/progress';
import { topicNames } from '../topics/names';
import { envVar, readConfig } from '../lib/config/env';
import { eventsTopicConfigSpec, eventsTopicOverrides } from '../topics/events-topic-overrides';

/**
 * `npm run replay`: rebuilds every read model from offset 0 beside the live ones (G4), swaps
 * the aliases, and shows a progress bar on stderr. Safe beside a running system; a second
 * replay started meanwhile is refused.
 */
const bar = (p: ReplayProgress): string => {
  const width = 30;
  const filled = Math.round((p.percent / 100) * width);
  const eta = p.etaSeconds === null ? '–' : `${p.etaSeconds}s`;
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${p.percent.toFixed(1).padStart(5)}%  ${p.eventsDone}/${p.eventsTotal} events  ${p.eventsPerSecond} ev/s  ETA ${eta}  ${p.status}`;
};

const main = async (): Promise<void> => {
  const config = readConfig(process.env, {
    MONGODB_DATABASE: envVar.string({ default: 'orderstream' }),
    ORDERSTREAM_TOPIC_PREFIX: envVar.string({ default: '' }),
    ...eventsTopicConfigSpec,
  });
  const found = await findInfrastructure(consoleProgress());
  const { endpoints } = found;
  const kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'orderstream-replay' });
  const mongo = await connectMongo(endpoints.mongodbUri, config.MONGODB_DATABASE);
  const redis = createRedis(endpoints.redisUrl, 'orderstream-replay');
  const tty = process.stderr.isTTY;
  try {
    const result = await replayProjections({
      kafka,
      registry: createSchemaRegistry(endpoints.schemaRegistryUrl),
      topics: topicNames(config.ORDERSTREAM_TOPIC_PREFIX, eventsTopicOverrides(config)),
      db: mongo.db,
      redis,
      onProgress: (p) => process.stderr.write(tty ? `\r${bar(p)}\x1b[K` : `${bar(p)}\n`),
    });
    process.stderr.write('\n');
    process.stdout.write(
      `replayed ${result.events} events in ${result.seconds.toFixed(1)}s (${result.eventsPerSecond} events/s)\n` +
        Object.entries(result.collections)
          .map(([view, name]) => `  ${view.padEnd(13)} → ${name}\n`)
          .join('') +
        `  dropped: ${result.dropped.join(', ') || 'nothing'}\n`,
    );
  } finally {
    await mongo.close();
    redis.disconnect();
  }
};

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`\n✗ replay failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
