import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Db } from 'mongodb';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { SchemaRegistryAdapter } from '../../lib/adapters/schema-registry';
import { isRetriable } from '../../lib/errors';
import type { Metrics } from '../../lib/observability/metrics';
import { VIEWS, type ViewName } from '../../lib/read-models/views';
import type { TopicNames } from '../../topics/names';
import { publishChanges } from './change-publisher';
import { AGGREGATES, createProjectionDecoders } from './projection-decoders';
import type { ProjectionEvent } from './projection-views';
import { swapInProgress } from './replay-lease';
import { ensureIndexes, projectInto, resolveCollections, type PhysicalCollections } from './view-store';

export interface ProjectionsOptions {
  kafka: Kafka;
  registry: SchemaRegistryAdapter;
  topics: TopicNames;
  db: Db;
  redis: Redis;
  logger: Logger;
  metrics: Metrics;
  /** Default `<prefix>projections`; a new group re-reads every topic from offset 0. */
  groupId?: string;
  sessionTimeoutMs?: number;
}

export interface Projections {
  readonly groupId: string;
  /** Resolves once every event written to the events topics before the call is projected. */
  waitUntilCaughtUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The read side's writer (DESIGN §6): a consumer group over the five events topics. Per batch
 * (one partition of one topic, so one view): decode, fold onto the current documents, one
 * guarded bulk write, announce on Redis, then commit the offset. At-least-once delivery plus
 * version-guarded writes make each event count once.
 */
export const startProjections = async (options: ProjectionsOptions): Promise<Projections> => {
  const { kafka, topics, db, redis, logger, metrics } = options;
  const groupId = options.groupId ?? `${topics.prefix}projections`;
  const decoders = await createProjectionDecoders(options.registry, topics);
  const lag = metrics.gauge<'view'>({
    name: 'projection_lag_seconds',
    help: 'Seconds between the last projected event of a view occurring and its projection',
    labelNames: ['view'],
  });
  const projected = metrics.counter<'view'>({
    name: 'projected_events_total',
    help: 'Events folded into a read model, by view',
    labelNames: ['view'],
  });
  const skipped = metrics.counter<'view' | 'reason'>({
    name: 'projection_skipped_events_total',
    help: 'Events a projection could not decode or apply, by view and reason',
    labelNames: ['view', 'reason'],
  });

  const indexed = new Set<string>();
  const collections = async (): Promise<PhysicalCollections> => {
    const resolved = await resolveCollections(db);
    for (const view of VIEWS) {
      if (indexed.has(resolved[view])) continue;
      await ensureIndexes(db, view, resolved[view]);
      indexed.add(resolved[view]);
    }
    return resolved;
  };
  await collections();

  /** Last offset handled per `topic:partition`, including batches of transaction markers only. */
  const positions = new Map<string, bigint>();

  const decodeAll = async (aggregate: (typeof AGGREGATES)[number], messages: KafkaMessage[]) => {
    const events: ProjectionEvent[] = [];
    for (const message of messages) {
      try {
        const event = await decoders.decode(aggregate, message);
        if (event) events.push(event);
      } catch (err) {
        if (isRetriable(err)) throw err; // the registry is away: retry the batch
        // No dead-letter topic is defined for this group; the event is logged and counted.
        logger.error({ err, aggregate, offset: message.offset }, 'undecodable event skipped');
        skipped.inc({ view: aggregate, reason: 'decode' });
      }
    }
    return events;
  };

  const project = async (view: ViewName, events: ProjectionEvent[]): Promise<void> => {
    let target = (await collections())[view];
    let written = await projectInto(db, target, events);
    // A replay swapped the alias while this batch was in flight: apply it to the new collection
    // too, which holds every event before this batch (the replay caught up to our commits).
    for (let now = (await collections())[view]; now !== target; now = (await collections())[view]) {
      target = now;
      written = await projectInto(db, target, events);
    }
    await publishChanges(redis, view, written);
    projected.inc({ view }, events.length);
    const last = events[events.length - 1] as ProjectionEvent;
    lag.set({ view }, Math.max(0, (Date.now() - Date.parse(last.occurredAt)) / 1000));
  };

  const consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    maxWaitTimeInMs: 50,
    allowAutoTopicCreation: false,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const key = `${payload.topic}:${payload.partition}`;
    const offset = BigInt(payload.lastOffset);
    if (offset > (positions.get(key) ?? -1n)) positions.set(key, offset);
  });
  await consumer.connect();
  for (const aggregate of AGGREGATES) {
    await consumer.subscribe({ topic: topics.events(aggregate), fromBeginning: true });
  }
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 5,
    eachBatch: async ({ batch, isRunning, isStale, resolveOffset, heartbeat }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const aggregate = decoders.aggregateOfTopic(batch.topic);
      if (!aggregate) return;
      while (isRunning() && (await swapInProgress(db))) {
        await heartbeat();
        await sleep(200);
      }
      const events = await decodeAll(aggregate, batch.messages);
      const view = events[0]?.view;
      try {
        if (view) await project(view, events);
      } catch (err) {
        logger.warn(
          { err, topic: batch.topic, partition: batch.partition },
          'projection batch failed; retrying',
        );
        throw err;
      }
      const last = batch.messages[batch.messages.length - 1] as KafkaMessage;
      await consumer.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
      ]);
      resolveOffset(last.offset);
      await heartbeat();
    },
  });
  logger.info({ groupId }, 'projections running');

  const endOffsets = async (): Promise<Map<string, bigint>> => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = new Map<string, bigint>();
      for (const aggregate of AGGREGATES) {
        const topic = topics.events(aggregate);
        for (const o of await admin.fetchTopicOffsets(topic)) {
          if (BigInt(o.high) > BigInt(o.low)) ends.set(`${topic}:${o.partition}`, BigInt(o.high));
        }
      }
      return ends;
    } finally {
      await admin.disconnect();
    }
  };

  return {
    groupId,
    waitUntilCaughtUp: async (timeoutMs = 60_000) => {
      const ends = await endOffsets();
      const deadline = Date.now() + timeoutMs;
      const behind = () => [...ends].filter(([key, high]) => (positions.get(key) ?? -1n) < high - 1n);
      while (behind().length > 0) {
        if (Date.now() > deadline) {
          throw new Error(
            `projections ${groupId} not caught up: ${behind()
              .map(([k]) => k)
              .join(', ')}`,
          );
        }
        await sleep(100);
      }
    },
    stop: () => consumer.disconnect(),
  };
};
