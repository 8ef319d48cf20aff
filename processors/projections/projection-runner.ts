import type { Kafka, KafkaMessage, Message } from 'kafkajs';
import type { Db } from 'mongodb';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { SchemaRegistryAdapter } from '../../lib/adapters/schema-registry';
import { isRetriable } from '../../lib/errors';
import { aggregatePartitioner } from '../../lib/kafka/aggregate-partitioner';
import { HEADERS, headerString } from '../../lib/kafka/headers';
import type { Metrics } from '../../lib/observability/metrics';
import { VIEWS, type ViewName } from '../../lib/read-models/views';
import type { AggregateType, TopicNames } from '../../topics/names';
import { deadLetterMessage } from '../command-side/dead-letter';
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
 * The logical group of the projections' dead-letter topic (`deadletter.projections`, in
 * topics.json), the same whatever consumer group id a runner is given.
 */
export const PROJECTIONS_DEAD_LETTER_GROUP = 'projections';

/**
 * The read side's writer (DESIGN §6): a consumer group over the five events topics. Per batch
 * (one partition of one topic, so one view): decode, fold onto the current documents, one
 * guarded bulk write, announce on Redis, park undecodable records on the dead-letter topic, then
 * commit the offset. At-least-once delivery plus version-guarded writes make each event count
 * once; a dead letter may be parked twice if a batch is redelivered.
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
  const deadLettered = metrics.counter<'source'>({
    name: 'dlq_records_total',
    help: 'Records sent to the dead-letter topic',
    labelNames: ['source'],
  });
  const deadLetterTopic = topics.deadLetter(PROJECTIONS_DEAD_LETTER_GROUP);

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

  /** The batch's events, and the records no retry will decode, as dead letters. */
  const decodeAll = async (
    aggregate: AggregateType,
    batch: { topic: string; partition: number; messages: KafkaMessage[] },
  ): Promise<{ events: ProjectionEvent[]; deadLetters: Message[] }> => {
    const events: ProjectionEvent[] = [];
    const deadLetters: Message[] = [];
    for (const message of batch.messages) {
      try {
        const event = await decoders.decode(aggregate, message);
        if (event) events.push(event);
      } catch (err) {
        if (isRetriable(err)) throw err; // the registry is away: retry the batch
        const where = { topic: batch.topic, partition: batch.partition, offset: message.offset };
        const eventType = headerString(message.headers, HEADERS.eventType) ?? 'unknown';
        const why = err instanceof Error ? err.message : String(err);
        logger.error({ err, ...where, eventType }, 'undecodable event dead-lettered');
        const reason = `projections ${groupId}: cannot decode ${eventType}: ${why}`;
        deadLetters.push(deadLetterMessage(message, where, reason, err));
      }
    }
    return { events, deadLetters };
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
  const deadLetterProducer = kafka.producer({
    idempotent: true,
    allowAutoTopicCreation: false,
    createPartitioner: aggregatePartitioner,
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const key = `${payload.topic}:${payload.partition}`;
    const offset = BigInt(payload.lastOffset);
    if (offset > (positions.get(key) ?? -1n)) positions.set(key, offset);
  });
  await deadLetterProducer.connect();
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
      const { events, deadLetters } = await decodeAll(aggregate, batch);
      const view = events[0]?.view;
      try {
        if (view) await project(view, events);
        // Before the commit: once the offset is past a poison record, nothing would look at it again.
        if (deadLetters.length > 0) {
          await deadLetterProducer.send({ topic: deadLetterTopic, acks: -1, messages: deadLetters });
        }
      } catch (err) {
        logger.warn(
          { err, topic: batch.topic, partition: batch.partition },
          'projection batch failed; retrying',
        );
        throw err;
      }
      // A replay about to swap waits for our committed offsets to stop moving, then catches up to
      // them: never commit during a swap, and write the batch into the swapped collections too
      // once it is over (version-guarded, so a no-op where it is already there).
      if (await swapInProgress(db)) {
        while (isRunning() && (await swapInProgress(db))) {
          await heartbeat();
          await sleep(200);
        }
        if (!isRunning()) return; // uncommitted: redelivered to whoever owns the partition next
        if (view) await project(view, events);
      }
      if (deadLetters.length > 0) {
        skipped.inc({ view: aggregate, reason: 'decode' }, deadLetters.length);
        deadLettered.inc({ source: batch.topic }, deadLetters.length);
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
    stop: async () => {
      try {
        await consumer.disconnect();
      } finally {
        await deadLetterProducer.disconnect();
      }
    },
  };
};
