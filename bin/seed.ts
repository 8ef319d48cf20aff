import { createKafka } from '../lib/adapters/kafka/client';
import { envVar, readConfig } from '../lib/config/env';
import { topicNames } from '../topics/names';
import { seedCatalogue } from './seed-catalogue';

/**
 * One-shot, after `init`: registers the catalogue's products in the inventory with SEED_STOCK
 * units each, as `npm start` does, so a composed or deployed system can take orders at once.
 * Idempotent (command ids `seed:<sku>`), so it runs on every `docker compose up`.
 */
export const main = async (env: NodeJS.ProcessEnv = process.env): Promise<void> => {
  const config = readConfig(env, {
    KAFKA_BROKERS: envVar.string({ required: true }),
    ORDERSTREAM_TOPIC_PREFIX: envVar.string({ default: '' }),
    SEED_STOCK: envVar.int({ default: 50, min: 0 }),
  });
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'orderstream-seed' });
  const seeded = await seedCatalogue(kafka, topicNames(config.ORDERSTREAM_TOPIC_PREFIX), config.SEED_STOCK);
  process.stdout.write(
    `${JSON.stringify({ msg: 'catalogue seeded', products: seeded, stock: config.SEED_STOCK })}\n`,
  );
};

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`seed failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
