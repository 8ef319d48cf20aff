import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Message } from '../lib/adapters/kafka/types';
import { catalog } from '../domain/catalog/catalog';
import type { OrderEvent } from '../domain/order/events';
import { connectMongo } from '../lib/adapters/mongo';
import { createRedis } from '../lib/adapters/redis';
import { createSchemaRegistry } from '../lib/adapters/schema-registry';
import { envVar, readConfig } from '../lib/config/env';
import { partitionForKey } from '../lib/adapters/kafka/murmur2';
import type { OrderView } from '../lib/read-models/views';
import { replayProjections } from '../lib/read-models/replay/replay';
import type { ReplayProgress, ReplayStatus } from '../lib/read-models/replay/replay-progress';
import { ORDER_PARTITIONS, openBenchEnvironment } from './lib/bench-environment';
import { provenance, writeResult } from './lib/results';
import { eventRecord } from '../processors/command-side/event-record';

/**
 * A full projection replay (G4) over real order events written straight to `<prefix>orders.events`
 * as the command processor writes them (key `<orderId>:<version>`, murmur2 partition, headers,
 * Confluent-framed Avro values), into a fresh database: events/s, per phase, and peak RSS.
 */
const EVENTS_PER_ORDER = 10;
const ITEMS_PER_ORDER = EVENTS_PER_ORDER - 2;
const config = readConfig(process.env, {
  BENCH_EVENTS: envVar.int({ default: 1_000_000, min: EVENTS_PER_ORDER, max: 20_000_000 }),
  BENCH_SEND_BATCH: envVar.int({ default: 5_000, min: 1 }),
  BENCH_SENDS_IN_FLIGHT: envVar.int({ default: 4, min: 1, max: 64 }),
  BENCH_QUIET_MS: envVar.int({ default: 2_000, min: 0 }),
  BENCH_VERIFY_SAMPLE: envVar.int({ default: 1_000, min: 1 }),
  BENCH_REDIS_DB: envVar.int({ default: 15, min: 0, max: 15 }),
  BENCH_LOG_LEVEL: envVar.oneOf(['debug', 'info', 'warn', 'error'] as const)({ default: 'error' }),
  BENCH_KEEP_TOPICS: envVar.bool({ default: false }),
});
const ORDERS = Math.floor(config.BENCH_EVENTS / EVENTS_PER_ORDER);
const EVENTS = ORDERS * EVENTS_PER_ORDER;
const NAME = `replay-events-${EVENTS}`;
const log = (line: string): void => void process.stdout.write(`${line}\n`);

const products = catalog.list().slice(0, ITEMS_PER_ORDER + 1);
if (products.length < ITEMS_PER_ORDER + 1)
  throw new Error(`the catalogue needs ${ITEMS_PER_ORDER + 1} products`);

/** One order's history: created empty, 8 distinct lines added, placed. Version n is index n - 1. */
const historyOf = (orderId: string, n: number): OrderEvent[] => {
  const customerId = `c-${n % 1_000}`;
  const at = (v: number) => new Date(Date.UTC(2025, 0, 1) + n * 1_000 + v).toISOString();
  const lines = Array.from({ length: ITEMS_PER_ORDER }, (_, k) => {
    const p = products[(n + k) % products.length] as (typeof products)[number];
    return { sku: p.sku, quantity: 1 + (k % 3), unitPrice: p.price };
  });
  const totalAmount = lines.reduce((s, l) => s + l.quantity * l.unitPrice, 0);
  return [
    {
      type: 'OrderCreated',
      data: { customerId, currency: 'EUR', items: [], salesChannel: 'web', occurredAt: at(1) },
    },
    ...lines.map((line, k): OrderEvent => ({
      type: 'OrderItemAdded',
      data: { ...line, occurredAt: at(k + 2) },
    })),
    {
      type: 'OrderPlaced',
      data: { totalAmount, customerId, currency: 'EUR', items: lines, occurredAt: at(EVENTS_PER_ORDER) },
    },
  ];
};

const orderIdOf = (runId: string, n: number) => `${runId}-o${n}`;

const main = async (): Promise<void> => {
  const loadAtStart = Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
  const env = await openBenchEnvironment('replay', {
    logLevel: config.BENCH_LOG_LEVEL,
    keepTopics: config.BENCH_KEEP_TOPICS,
  });
  const runId = `rb${Date.now().toString(36)}`;
  const dbName = `bench_replay_${Date.now()}`;
  const mongo = await connectMongo(env.endpoints.mongodbUri, dbName);
  // The replay SCAN+DELs every cached view at the swap; a database of its own keeps that away
  // from the cache of everything else sharing this Redis.
  const redisUrl = new URL(env.endpoints.redisUrl);
  redisUrl.pathname = `/${config.BENCH_REDIS_DB}`;
  const redis = createRedis(redisUrl.toString(), 'bench-replay');
  const topic = env.topics.events('orders');
  const producer = env.kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    // 1. Write.
    const writeStarted = performance.now();
    let nextOrder = 0;
    let written = 0;
    let lastLog = writeStarted;
    const ordersPerBatch = Math.max(1, Math.floor(config.BENCH_SEND_BATCH / EVENTS_PER_ORDER));
    const sender = async (): Promise<void> => {
      while (nextOrder < ORDERS) {
        const from = nextOrder;
        nextOrder = Math.min(ORDERS, nextOrder + ordersPerBatch);
        const messages: Message[] = [];
        for (let n = from; n < nextOrder; n++) {
          const orderId = orderIdOf(runId, n);
          const partition = partitionForKey(orderId, ORDER_PARTITIONS);
          historyOf(orderId, n).forEach((event, i) => {
            const version = i + 1;
            messages.push(
              eventRecord({
                aggregateId: orderId,
                version,
                partition,
                type: event.type,
                encoded: env.codec.encode(event),
                correlationId: `${orderId}-corr`,
                causationId: `${orderId}-cmd-${version}`,
                commandId: `${orderId}-cmd-${version}`,
                occurredAt: event.data.occurredAt,
              }),
            );
          });
        }
        await producer.send({ topic, acks: -1, messages });
        written += messages.length;
        if (performance.now() - lastLog > 5_000) {
          lastLog = performance.now();
          log(
            `  write: ${written} / ${EVENTS} events, ${Math.round((written * 1000) / (lastLog - writeStarted))} events/s`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: config.BENCH_SENDS_IN_FLIGHT }, sender));
    const writeMs = performance.now() - writeStarted;
    const writeRate = Math.round((written * 1000) / writeMs);
    log(
      `wrote ${written} events (${ORDERS} orders) to ${topic} in ${Math.round(writeMs)} ms, ${writeRate} events/s`,
    );
    await producer.disconnect();

    // 2. Replay, timing each phase from the progress callbacks.
    const phaseStart = new Map<ReplayStatus, number>();
    let last: ReplayProgress | undefined;
    let lastProgressLog = 0;
    const rssBefore = Math.round(process.memoryUsage().rss / 2 ** 20);
    const replayStarted = performance.now();
    const result = await replayProjections({
      kafka: env.kafka,
      registry: createSchemaRegistry(env.endpoints.schemaRegistryUrl),
      topics: env.topics,
      db: mongo.db,
      redis,
      quietMs: config.BENCH_QUIET_MS,
      onProgress: (p) => {
        if (!phaseStart.has(p.status)) {
          phaseStart.set(p.status, performance.now());
          log(`  replay: ${p.status} (${p.eventsDone} events read)`);
        }
        last = p;
        if (performance.now() - lastProgressLog > 5_000) {
          lastProgressLog = performance.now();
          log(
            `  replay ${p.status}: ${p.eventsDone} / ${p.eventsTotal} events, ${p.percent}%, ${p.eventsPerSecond} events/s`,
          );
        }
      },
    });
    const replayMs = performance.now() - replayStarted;
    const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
    const at = (s: ReplayStatus) => phaseStart.get(s) ?? performance.now();
    const phaseMs = {
      reading: at('writing') - replayStarted,
      writing: at('catching-up') - at('writing'),
      catchingUp: at('swapping') - at('catching-up'),
      swapping: at('done') - at('swapping'),
    };
    const round = (n: number) => Math.round(n);
    log(
      `replayed ${result.events} events in ${round(replayMs)} ms: ${round((result.events * 1000) / replayMs)} events/s overall; ` +
        `read+fold ${round(phaseMs.reading)} ms, write ${round(phaseMs.writing)} ms, catch-up ${round(phaseMs.catchingUp)} ms, ` +
        `swap ${round(phaseMs.swapping)} ms; peak RSS ${peakRssMiB} MiB`,
    );

    // 3. Verify: every order rebuilt, and a sample equal to what was written.
    const orders = mongo.db.collection<OrderView>(result.collections.orders);
    const count = await orders.countDocuments({});
    const problems: string[] = [];
    if (count !== ORDERS) problems.push(`${count} order documents, expected ${ORDERS}`);
    const step = Math.max(1, Math.floor(ORDERS / config.BENCH_VERIFY_SAMPLE));
    const sample: string[] = [];
    for (let n = 0; n < ORDERS && sample.length < config.BENCH_VERIFY_SAMPLE; n += step)
      sample.push(orderIdOf(runId, n));
    const docs = new Map((await orders.find({ _id: { $in: sample } }).toArray()).map((d) => [d._id, d]));
    sample.forEach((id) => {
      const n = Number(id.slice(id.lastIndexOf('o') + 1));
      const placed = historyOf(id, n)[EVENTS_PER_ORDER - 1] as Extract<OrderEvent, { type: 'OrderPlaced' }>;
      const doc = docs.get(id);
      if (!doc) return void problems.push(`${id} missing`);
      if (doc.version !== EVENTS_PER_ORDER) problems.push(`${id} version ${doc.version}`);
      if (doc.items.length !== ITEMS_PER_ORDER) problems.push(`${id} has ${doc.items.length} items`);
      if (doc.status !== 'Placed') problems.push(`${id} is ${doc.status}`);
      if (doc.totalAmount !== placed.data.totalAmount) problems.push(`${id} total ${doc.totalAmount}`);
      if (doc.timeline.length !== EVENTS_PER_ORDER) problems.push(`${id} timeline ${doc.timeline.length}`);
    });
    const verified = problems.length === 0;
    log(
      verified
        ? `verified: ${count} orders, sample of ${sample.length} at version ${EVENTS_PER_ORDER} with ${ITEMS_PER_ORDER} items`
        : `VERIFY FAILED: ${problems.slice(0, 10).join('; ')}`,
    );

    const file = writeResult({
      name: NAME,
      description:
        `Full projection replay (replayProjections) of ${EVENTS} order events (${ORDERS} orders × ` +
        `${EVENTS_PER_ORDER}: OrderCreated, ${ITEMS_PER_ORDER} × OrderItemAdded, OrderPlaced) written ` +
        "straight to the orders events topic with the command processor's keys, partitions, headers and " +
        "Avro encoding, into a fresh database; phases timed from the replay's progress callbacks.",
      ...provenance(),
      settings: {
        events: EVENTS,
        orders: ORDERS,
        eventsPerOrder: EVENTS_PER_ORDER,
        sendBatch: ordersPerBatch * EVENTS_PER_ORDER,
        sendsInFlight: config.BENCH_SENDS_IN_FLIGHT,
        acks: 'all',
        quietMs: config.BENCH_QUIET_MS,
        verifySample: sample.length,
        redisDb: config.BENCH_REDIS_DB,
        logLevel: config.BENCH_LOG_LEVEL,
        loadAverage1mAtStart: loadAtStart,
        servers: Object.entries(env.sources)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
      },
      figures: {
        replayEventsPerSecond: round((result.events * 1000) / replayMs),
        replayMs: round(replayMs),
        eventsReplayed: result.events,
        readAndFoldEventsPerSecond: round((result.events * 1000) / Math.max(1, phaseMs.reading)),
        writeDocumentsPerSecond: round((count * 1000) / Math.max(1, phaseMs.writing)),
        replayOwnEventsPerSecond: result.eventsPerSecond,
        peakRssMiB,
        rssBeforeReplayMiB: rssBefore,
        writeEventsPerSecond: writeRate,
        writeMs: round(writeMs),
        orderDocuments: count,
        verified: verified ? `yes (${sample.length} sampled)` : problems.slice(0, 5).join('; '),
      },
      tables: [
        {
          title: 'Replay phases (from the progress callbacks)',
          columns: ['phase', 'ms', 'share of replay'],
          rows: [
            [
              'read + fold (reading)',
              round(phaseMs.reading),
              `${round((phaseMs.reading / replayMs) * 100)}%`,
            ],
            [
              'insert + indexes (writing)',
              round(phaseMs.writing),
              `${round((phaseMs.writing / replayMs) * 100)}%`,
            ],
            ['catching-up', round(phaseMs.catchingUp), `${round((phaseMs.catchingUp / replayMs) * 100)}%`],
            [
              `swapping (quiet ${config.BENCH_QUIET_MS} ms × 2)`,
              round(phaseMs.swapping),
              `${round((phaseMs.swapping / replayMs) * 100)}%`,
            ],
          ],
        },
      ],
    });
    log(`result: ${file}; last progress ${last?.status ?? 'none'}`);
    if (!verified) process.exitCode = 1;
  } finally {
    await producer.disconnect().catch(() => {});
    await mongo.db.dropDatabase().catch(() => {});
    await mongo.close();
    await redis.quit().catch(() => {});
    await env.release();
  }
};

main().catch((err: unknown) => {
  process.stderr.write(`replay benchmark failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
