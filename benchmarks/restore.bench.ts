import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { catalog } from '../domain/catalog/catalog';
import type { CreateOrder } from '../domain/order/commands';
import type { Kafka } from '../lib/adapters/kafka/client';
import { envVar, readConfig } from '../lib/config/env';
import { aggregatePartitioner } from '../lib/adapters/kafka/aggregate-partitioner';
import { commandMessage, parseReply } from '../lib/adapters/kafka/command-protocol';
import { partitionForKey } from '../lib/adapters/kafka/murmur2';
import type { RestoreStat } from '../processors/command-side/command-processor';
import { openBenchEnvironment, ORDER_PARTITIONS } from './lib/bench-environment';
import { provenance, writeResult, type Scalar } from './lib/results';
import { every, waitUntil } from './lib/wait';

/**
 * How long a new owner of the orders partitions takes to be ready after a takeover: write
 * BENCH_AGGREGATES orders through a processor, stop it, start a fresh instance in the same group
 * and time until every partition is restored from snapshots plus the events after the checkpoint.
 */
const config = readConfig(process.env, {
  BENCH_AGGREGATES: envVar.int({ default: 100_000, min: 1, max: 1_000_000 }),
  BENCH_SNAPSHOT_EVERY: envVar.int({ default: 100, min: 1 }),
  BENCH_SEND_BATCH: envVar.int({ default: 1_000, min: 1, max: 10_000 }),
  // Kept under ~2,000 commands waiting per partition: a larger backlog makes one fetched batch's
  // snapshots exceed the broker's 1 MiB message limit and the processor's consumer dies (README).
  BENCH_MAX_IN_FLIGHT: envVar.int({ default: 6_000, min: 1 }),
  BENCH_STALL_TIMEOUT_S: envVar.int({ default: 60, min: 5, max: 600 }),
  BENCH_LOG_LEVEL: envVar.oneOf(['debug', 'info', 'warn', 'error'] as const)({ default: 'error' }),
  BENCH_KEEP_TOPICS: envVar.bool({ default: false }),
});
const AGGREGATES = config.BENCH_AGGREGATES;
const SNAPSHOT_EVERY = config.BENCH_SNAPSHOT_EVERY;
const STALL_MS = config.BENCH_STALL_TIMEOUT_S * 1000;
const NAME = `restore-aggregates-${AGGREGATES}-snapshot-every-${SNAPSHOT_EVERY}`;

const products = catalog.list();
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

const createOrder = (orderId: string, i: number, commandId: string = randomUUID()): CreateOrder => {
  const product = products[i % products.length] as (typeof products)[number];
  return {
    type: 'CreateOrder',
    orderId,
    customerId: `c-${i % 1000}`,
    currency: 'EUR',
    items: [{ sku: product.sku, quantity: 1 + (i % 3), unitPrice: product.price }],
    meta: { commandId, correlationId: commandId, issuedAt: new Date().toISOString() },
  };
};

/** One order id per partition, to wake each partition of the new owner: it restores on its first batch. */
const probeIds = (): string[] => {
  const ids: string[] = [];
  for (let p = 0; p < ORDER_PARTITIONS; p++) {
    let id: string;
    do id = `probe-${randomUUID()}`;
    while (partitionForKey(id, ORDER_PARTITIONS) !== p);
    ids.push(id);
  }
  return ids;
};

const endOffsets = async (kafka: Kafka, topic: string): Promise<Map<number, string>> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high]));
  } finally {
    await admin.disconnect();
  }
};

const main = async (): Promise<void> => {
  // Anything else running on the machine (a test suite on the same broker) shows here.
  const loadAtStart = Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
  const env = await openBenchEnvironment('restore', {
    logLevel: config.BENCH_LOG_LEVEL,
    keepTopics: config.BENCH_KEEP_TOPICS,
  });
  const { kafka, topics } = env;
  const commandsTopic = topics.commands('orders');
  log(`topics ${topics.prefix}*; ${AGGREGATES} aggregates, snapshotEvery ${SNAPSHOT_EVERY}`);

  // Replies are counted, not kept: 100k reply objects would only measure our own memory.
  const replies = { ok: 0, failed: 0, firstFailure: '' };
  const probeReplies = new Map<string, number>();
  const probes = new Set<string>();
  const replyConsumer = kafka.consumer({ groupId: `${topics.prefix}bench-replies`, maxWaitTimeInMs: 50 });
  const producer = kafka.producer({ createPartitioner: aggregatePartitioner, idempotent: true });
  const writer = await env.startProcessor(SNAPSHOT_EVERY);
  let writerStopped = false;
  let restorer: Awaited<ReturnType<typeof env.startProcessor>> | undefined;
  try {
    await replyConsumer.connect();
    await replyConsumer.subscribe({ topic: topics.replies, fromBeginning: true });
    await replyConsumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const reply = parseReply(message.value);
          if (!reply) continue;
          if (probes.has(reply.commandId)) probeReplies.set(reply.commandId, performance.now());
          else if (reply.ok) replies.ok++;
          else {
            replies.failed++;
            replies.firstFailure ||= `${reply.error.code}: ${reply.error.message}`;
          }
        }
      },
    });
    await producer.connect();

    // Write phase: CreateOrder in large batches, at most BENCH_MAX_IN_FLIGHT ahead of the replies.
    const replied = (): number => replies.ok + replies.failed;
    let sent = 0;
    const writeStarted = performance.now();
    let lastReport = { at: writeStarted, replied: 0 };
    const stopReporting = every(5_000, () => {
      const now = performance.now();
      const rate = ((replied() - lastReport.replied) * 1000) / (now - lastReport.at);
      lastReport = { at: now, replied: replied() };
      log(
        `  write ${seconds(now - writeStarted)}: sent ${sent}, replied ${replied()} (${rate.toFixed(0)} commands/s)`,
      );
    });
    try {
      while (sent < AGGREGATES) {
        await waitUntil('processor replies', () => sent - replied() < config.BENCH_MAX_IN_FLIGHT, {
          progress: replied,
          stallMs: STALL_MS,
        });
        const n = Math.min(config.BENCH_SEND_BATCH, AGGREGATES - sent);
        const messages = Array.from({ length: n }, (_, k) => {
          const command = createOrder(randomUUID(), sent + k);
          return commandMessage(command.orderId, command);
        });
        await producer.send({ topic: commandsTopic, messages, acks: -1 });
        sent += n;
      }
      await waitUntil('processor replies', () => replied() >= AGGREGATES, {
        progress: replied,
        stallMs: STALL_MS,
      });
    } finally {
      stopReporting();
    }
    const writeMs = performance.now() - writeStarted;
    log(`wrote ${AGGREGATES} orders in ${seconds(writeMs)} (${replies.failed} rejected)`);
    writerStopped = true;
    await writer.stop();

    const [eventsEnd, snapshotsEnd] = await Promise.all([
      endOffsets(kafka, topics.events('orders')),
      endOffsets(kafka, topics.snapshots('orders')),
    ]);

    // Takeover: the probes are waiting on every partition before the new instance starts, so each
    // partition's first batch, and with it the restore, comes as soon as the group hands it out.
    const ids = probeIds();
    ids.forEach((id) => probes.add(id));
    await producer.send({
      topic: commandsTopic,
      acks: -1,
      messages: ids.map((id, p) => commandMessage(id, createOrder(id, p, id))),
    });
    const restoreStarted = performance.now();
    restorer = await env.startProcessor(SNAPSHOT_EVERY);
    const startedMs = performance.now() - restoreStarted;
    const doneAt = new Map<number, number>();
    const current = restorer;
    await waitUntil(
      'partition restores',
      () => {
        for (const stat of current.restores()) {
          if (!doneAt.has(stat.partition)) doneAt.set(stat.partition, performance.now() - restoreStarted);
        }
        return doneAt.size >= ORDER_PARTITIONS;
      },
      { progress: () => doneAt.size, stallMs: STALL_MS },
    );
    const restoreMs = Math.max(...doneAt.values());
    await waitUntil('probe replies', () => probeReplies.size >= ids.length, {
      progress: () => probeReplies.size,
      stallMs: STALL_MS,
    });

    const stats = [...restorer.restores()].sort((a, b) => a.partition - b.partition);
    const total = (pick: (s: RestoreStat) => number): number => stats.reduce((n, s) => n + pick(s), 0);
    const probeMs = ids.map((id) => (probeReplies.get(id) ?? NaN) - restoreStarted);
    log(`restored ${ORDER_PARTITIONS} partitions in ${seconds(restoreMs)}`);

    const settings: Record<string, Scalar> = {
      aggregates: AGGREGATES,
      snapshotEvery: SNAPSHOT_EVERY,
      sendBatch: config.BENCH_SEND_BATCH,
      maxInFlight: config.BENCH_MAX_IN_FLIGHT,
      stallTimeoutS: config.BENCH_STALL_TIMEOUT_S,
      logLevel: config.BENCH_LOG_LEVEL,
      partitions: ORDER_PARTITIONS,
      loadAverage1mAtStart: loadAtStart,
      workload: 'one CreateOrder per aggregate (1 event each), sent straight to orders.commands',
      servers: Object.entries(env.sources)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    };
    const file = writeResult({
      name: NAME,
      description:
        'Time for a fresh command processor instance to restore all orders partitions after a takeover ' +
        '(group join, fencing, snapshots read, events after the checkpoint replayed), measured from the ' +
        'start of the new instance to the last partition restored.',
      ...provenance(),
      settings,
      figures: {
        restoreTotalMs: Math.round(restoreMs),
        processorStartMs: Math.round(startedMs),
        slowestPartitionRestoreMs: Math.max(...stats.map((s) => s.ms)),
        aggregatesRestored: total((s) => s.aggregates),
        allAggregatesRestored: total((s) => s.aggregates) === AGGREGATES,
        snapshotsRead: total((s) => s.snapshots),
        eventsReplayed: total((s) => s.eventsReplayed),
        firstCommandAfterTakeoverMaxMs: Math.round(Math.max(...probeMs)),
        // Both instances' aggregates, the benchmark's own clients and V8's slack: an upper bound.
        peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
        writeSeconds: Math.round(writeMs / 100) / 10,
        writeCommandsPerSecond: Math.round((AGGREGATES * 1000) / writeMs),
        writeRejected: replies.failed,
        ...(replies.firstFailure ? { writeFirstRejection: replies.firstFailure } : {}),
      },
      tables: [
        {
          title: 'Per partition',
          columns: [
            'partition',
            'aggregates',
            'snapshots',
            'eventsReplayed',
            'eventsFromOffset',
            'events log end',
            'snapshots log end',
            'restore ms',
            'done at ms',
            'first command ms',
          ],
          rows: stats.map((s) => [
            s.partition,
            s.aggregates,
            s.snapshots,
            s.eventsReplayed,
            s.eventsFromOffset,
            eventsEnd.get(s.partition) ?? '',
            snapshotsEnd.get(s.partition) ?? '',
            s.ms,
            Math.round(doneAt.get(s.partition) ?? NaN),
            Math.round(probeMs[s.partition] ?? NaN),
          ]),
        },
      ],
    });
    log(`result: ${file}`);
  } finally {
    await restorer?.stop().catch(() => {});
    if (!writerStopped) await writer.stop().catch(() => {});
    await replyConsumer.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    await env.release();
  }
};

main().catch((err: unknown) => {
  process.stderr.write(`restore benchmark failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
