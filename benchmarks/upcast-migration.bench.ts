import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Message } from '../lib/adapters/kafka/types';
import { createRedis } from '../lib/adapters/redis';
import { createSchemaRegistry } from '../lib/adapters/schema-registry';
import { envVar, readConfig } from '../lib/config/env';
import { HEADERS } from '../lib/adapters/kafka/headers';
import { partitionForKey } from '../lib/adapters/kafka/murmur2';
import { createUpcastMigrations, type MigrationJob } from '../lib/migrations/upcast-migrations';
import { watermarks } from '../lib/adapters/kafka/event-range-reader';
import { findSchema } from '../schemas/catalog';
import { subjectFor } from '../schemas/register-schemas';
import { ORDER_PARTITIONS, openBenchEnvironment } from './lib/bench-environment';
import { provenance, writeResult } from './lib/results';

/**
 * The copy-and-replace upcast migration (lib/migrations/) over an orders history written
 * with v1 schemas, as a writer from before v2 stored it: every record decoded, resolved and
 * upcast, re-encoded at the latest version and written to the new topic in one transaction per
 * fetched batch. Records copied per second, end to end (the counting read included).
 */
const EVENTS_PER_ORDER = 2;
const config = readConfig(process.env, {
  BENCH_EVENTS: envVar.int({ default: 200_000, min: EVENTS_PER_ORDER, max: 10_000_000 }),
  BENCH_SEND_BATCH: envVar.int({ default: 5_000, min: 1 }),
  BENCH_LOG_LEVEL: envVar.oneOf(['debug', 'info', 'warn', 'error'] as const)({ default: 'error' }),
  BENCH_KEEP_TOPICS: envVar.bool({ default: false }),
});
const ORDERS = Math.floor(config.BENCH_EVENTS / EVENTS_PER_ORDER);
const EVENTS = ORDERS * EVENTS_PER_ORDER;
const log = (line: string): void => void process.stdout.write(`${line}\n`);

const wire = (schemaId: number, payload: Buffer): Buffer => {
  const header = Buffer.alloc(5);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, payload]);
};

const main = async (): Promise<void> => {
  const loadAtStart = Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
  const env = await openBenchEnvironment('upcast', {
    logLevel: config.BENCH_LOG_LEVEL,
    keepTopics: config.BENCH_KEEP_TOPICS,
  });
  const registry = createSchemaRegistry(env.endpoints.schemaRegistryUrl);
  const redis = createRedis(env.endpoints.redisUrl, 'bench-upcast');
  const source = env.topics.events('orders');
  let target: string | undefined;
  try {
    // 1. Write v1 histories: created, then cancelled with a v1 free-text reason.
    const createdV1 = findSchema('OrderCreated', 1);
    const cancelledV1 = findSchema('OrderCancelled', 1);
    if (!createdV1 || !cancelledV1) throw new Error('v1 schemas are missing');
    const createdId = (await registry.register(subjectFor(source, createdV1), createdV1.schema)).id;
    const cancelledId = (await registry.register(subjectFor(source, cancelledV1), cancelledV1.schema)).id;
    const producer = env.kafka.producer({ allowAutoTopicCreation: false, idempotent: true });
    await producer.connect();
    const writeStarted = performance.now();
    for (let from = 0; from < ORDERS; from += config.BENCH_SEND_BATCH / EVENTS_PER_ORDER) {
      const messages: Message[] = [];
      for (let n = from; n < Math.min(ORDERS, from + config.BENCH_SEND_BATCH / EVENTS_PER_ORDER); n++) {
        const orderId = `bo${n}`;
        const partition = partitionForKey(orderId, ORDER_PARTITIONS);
        const headers = (type: string, id: number, version: number) => ({
          [HEADERS.eventType]: type,
          [HEADERS.schemaId]: String(id),
          [HEADERS.schemaVersion]: '1',
          [HEADERS.aggregateId]: orderId,
          [HEADERS.aggregateVersion]: String(version),
          [HEADERS.correlationId]: `${orderId}-corr`,
        });
        const at = new Date(Date.UTC(2025, 0, 1) + n * 1_000).toISOString();
        messages.push(
          {
            key: `${orderId}:1`,
            partition,
            headers: headers('OrderCreated', createdId, 1),
            value: wire(
              createdId,
              createdV1.avscType.toBuffer({
                customerId: `c-${n % 1_000}`,
                currency: 'EUR',
                items: [{ sku: 'SKU-1', quantity: 1 + (n % 3), unitPrice: 1_000 }],
                occurredAt: at,
              }),
            ),
          },
          {
            key: `${orderId}:2`,
            partition,
            headers: headers('OrderCancelled', cancelledId, 2),
            value: wire(
              cancelledId,
              cancelledV1.avscType.toBuffer({
                reason: n % 2 === 0 ? 'item out of stock' : 'customer changed their mind',
                cancelledFromStatus: 'Draft',
                occurredAt: at,
              }),
            ),
          },
        );
      }
      await producer.send({ topic: source, acks: -1, messages });
    }
    await producer.disconnect();
    const writeMs = performance.now() - writeStarted;
    log(`wrote ${EVENTS} v1 events (${ORDERS} orders) to ${source} in ${Math.round(writeMs)} ms`);

    // 2. Migrate, as the route does, and wait for the pass to end.
    const migrations = createUpcastMigrations({
      kafka: env.kafka,
      registry,
      topics: env.topics,
      redis,
      logger: env.logger,
    });
    const started = performance.now();
    const job = await migrations.start({ aggregateType: 'orders' });
    target = job.targetTopic;
    const ticker = setInterval(() => {
      void migrations.job(job.jobId).then((j) => j && log(`  ${j.state}: ${j.copied} / ${j.total}`));
    }, 5_000);
    await migrations.stop();
    clearInterval(ticker);
    const migrateMs = performance.now() - started;
    const done = (await migrations.job(job.jobId)) as MigrationJob;
    const { high, low } = await watermarks(env.kafka, [target]);
    const offsets = [...high].reduce((n, [key, end]) => n + Number(end - (low.get(key) ?? 0n)), 0);
    const rate = Math.round((done.copied * 1000) / migrateMs);
    const verified = done.state === 'finished' && done.copied === EVENTS && done.undecodable === 0;
    log(`migrated ${done.copied} events in ${Math.round(migrateMs)} ms: ${rate} events/s; ${done.state}`);

    const file = writeResult({
      name: `upcast-migration-events-${EVENTS}`,
      description:
        `The upcast migration (lib/migrations/) of ${EVENTS} order events written with v1 schemas ` +
        `(${ORDERS} orders × OrderCreated v1 + OrderCancelled v1) into a new topic at the latest versions: ` +
        'counting read, then decode + resolve + upcast + encode + transactional write per fetched batch.',
      ...provenance(),
      settings: {
        events: EVENTS,
        orders: ORDERS,
        partitions: ORDER_PARTITIONS,
        sendBatch: config.BENCH_SEND_BATCH,
        logLevel: config.BENCH_LOG_LEVEL,
        loadAverage1mAtStart: loadAtStart,
        servers: Object.entries(env.sources)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
      },
      figures: {
        migratedEventsPerSecond: rate,
        migrateMs: Math.round(migrateMs),
        eventsCopied: done.copied,
        targetOffsets: offsets,
        writeMs: Math.round(writeMs),
        verified: verified ? 'yes' : JSON.stringify(done),
      },
      tables: [],
    });
    log(`result: ${file}`);
    if (!verified) process.exitCode = 1;
  } finally {
    if (target !== undefined && !config.BENCH_KEEP_TOPICS) {
      const admin = env.kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [target] }).catch(() => undefined);
      await admin.disconnect();
    }
    await redis.quit().catch(() => undefined);
    await env.release();
  }
};

void main();
