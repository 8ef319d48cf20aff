import type { Kafka, KafkaMessage, Message } from '../../lib/adapters/kafka/types';
import type { Db } from '../../lib/adapters/mongo';
import type { Redis } from '../../lib/adapters/redis';
import type { Logger } from 'pino';
import type { SchemaRegistryAdapter } from '../../lib/adapters/schema-registry';
import { isRetriable } from '../../lib/errors';
import { aggregatePartitioner } from '../../lib/adapters/kafka/aggregate-partitioner';
import { HEADERS, headerString } from '../../lib/adapters/kafka/headers';
import { withRecordContext } from '../../lib/adapters/kafka/record-correlation';
import { startRecordSpan, withinSpan } from '../../lib/observability/tracing';
import { deadLetterCounter, type Metrics } from '../../lib/observability/metrics';
import { VIEWS, type ViewName } from '../../lib/read-models/views';
import type { AggregateType, TopicNames } from '../../topics/names';
import { deadLetterMessage } from '../../lib/adapters/kafka/dead-letter-message';
import { publishChanges } from '../../lib/read-models/change-publisher';
import { AGGREGATES, createProjectionDecoders } from '../../lib/read-models/projections/projection-decoders';
import type {
  EvolveFailure,
  ProjectionEvent,
  ViewDocument,
} from '../../lib/read-models/projections/projection-views';
import { retryInPlace, type InPlace } from '../../lib/adapters/kafka/retry-in-place';
import { createStallTracker, type Dependency, type Stall } from './stall-tracker';
import { swapInProgress } from '../../lib/read-models/replay/replay-lease';
import {
  ensureIndexes,
  projectInto,
  resolveCollections,
  type PhysicalCollections,
} from '../../lib/read-models/view-store';

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
  /** Partitions waiting for a dependency right now, and how often the consumer crashed. */
  health(): { stalled: Stall[]; crashes: number };
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
  const deadLettered = deadLetterCounter(metrics);
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

  const retries = metrics.counter<'dependency'>({
    name: 'projection_retries_total',
    help: 'Failed projection steps retried in place, by the dependency that failed',
    labelNames: ['dependency'],
  });
  const stalledGauge = metrics.gauge<'dependency'>({
    name: 'projection_stalled_partitions',
    help: 'Partitions whose batch is waiting for a dependency to come back',
    labelNames: ['dependency'],
  });
  const stalls = createStallTracker((dependency, count) => stalledGauge.set({ dependency }, count));
  let crashes = 0;

  /** Last offset committed per `topic:partition`, including batches of transaction markers only. */
  const positions = new Map<string, bigint>();
  const advance = (key: string, offset: bigint): void => {
    if (offset > (positions.get(key) ?? -1n)) positions.set(key, offset);
  };

  /**
   * The batch's events, and the records no retry will decode, as dead letters. A retriable error
   * (the registry is away and the schema was never seen) fails the whole step, to be retried.
   */
  const decodeAll = async (
    aggregate: AggregateType,
    batch: { topic: string; partition: number; messages: KafkaMessage[] },
  ): Promise<{
    events: ProjectionEvent[];
    sources: Map<ProjectionEvent, KafkaMessage>;
    deadLetters: Message[];
  }> => {
    const events: ProjectionEvent[] = [];
    const sources = new Map<ProjectionEvent, KafkaMessage>();
    const deadLetters: Message[] = [];
    for (const message of batch.messages) {
      try {
        const event = await decoders.decode(aggregate, message);
        if (event) {
          events.push(event);
          sources.set(event, message);
        }
      } catch (err) {
        if (isRetriable(err)) throw err;
        const where = { topic: batch.topic, partition: batch.partition, offset: message.offset };
        const eventType = headerString(message.headers, HEADERS.eventType) ?? 'unknown';
        const why = err instanceof Error ? err.message : String(err);
        withRecordContext(message.headers, undefined, () =>
          logger.error({ err, ...where, eventType }, 'undecodable event dead-lettered'),
        );
        const reason = `projections ${groupId}: cannot decode ${eventType}: ${why}`;
        deadLetters.push(deadLetterMessage(message, where, reason, err));
      }
    }
    return { events, sources, deadLetters };
  };

  /**
   * Folds and writes one view's events into its live collection; if a replay swapped the alias
   * meanwhile, into the new collection too, which holds every event before this batch (the
   * replay caught up to our commits). Returns the documents written, for the announcement.
   */
  const write = async (
    view: ViewName,
    events: ProjectionEvent[],
    onEvolveFailure: EvolveFailure,
  ): Promise<ViewDocument[]> => {
    let target = (await collections())[view];
    let written = await projectInto(db, target, events, onEvolveFailure);
    for (let now = (await collections())[view]; now !== target; now = (await collections())[view]) {
      target = now;
      written = await projectInto(db, target, events, onEvolveFailure);
    }
    return written;
  };

  const consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    allowAutoTopicCreation: false,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
  });
  const deadLetterProducer = kafka.producer({
    idempotent: true,
    allowAutoTopicCreation: false,
    createPartitioner: aggregatePartitioner,
  });
  // A batch of transaction markers only never reaches eachBatch; kafkajs resolves it itself.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.batchSize === 0) advance(`${payload.topic}:${payload.partition}`, BigInt(payload.lastOffset));
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    crashes++;
    logger.error({ err: payload.error, restart: payload.restart }, 'projections consumer crashed');
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
      const stillOwned = () => isRunning() && !isStale();
      if (!stillOwned() || batch.messages.length === 0) return;
      const aggregate = decoders.aggregateOfTopic(batch.topic);
      if (!aggregate) return;
      const key = `${batch.topic}:${batch.partition}`;
      // Every step is retried where it stands until it succeeds or the partition is no longer
      // ours; nothing is committed before every step is done, so the committed offset never
      // passes what MongoDB and Redis hold, and a later batch of this partition cannot be fetched
      // before this one is committed.
      const inPlace = async <T>(dependency: Dependency, step: () => Promise<T>): Promise<InPlace<T>> => {
        const outcome = await retryInPlace(step, {
          stillOwned,
          heartbeat,
          onFailure: (err, attempt, delayMs) => {
            stalls.fail(key, dependency, err);
            retries.inc({ dependency });
            logger.warn(
              { err, topic: batch.topic, partition: batch.partition, dependency, attempt, delayMs },
              `projection waits for ${dependency}; retrying in place`,
            );
          },
        });
        if (stalls.clear(key) && outcome.done) {
          logger.info(
            { topic: batch.topic, partition: batch.partition, dependency },
            `${dependency} is back`,
          );
        }
        return outcome;
      };
      const heldBySwap = async (): Promise<boolean | undefined> => {
        for (;;) {
          const held = await inPlace('mongodb', () => swapInProgress(db));
          if (!held.done) return undefined;
          if (!held.value) return false;
          if (
            !(await heartbeat().then(
              () => true,
              () => false,
            ))
          )
            return undefined;
          await sleep(200);
          if (!stillOwned()) return undefined;
        }
      };

      if ((await heldBySwap()) === undefined) return;
      const decoded = await inPlace('schema-registry', () => decodeAll(aggregate, batch));
      if (!decoded.done) return;
      const { events, sources, deadLetters } = decoded.value;
      // One span per event, in its order's trace, open until the batch holding it is committed;
      // the write runs in the first one's, so MongoDB's spans join a trace too.
      const spans = events.map((event) =>
        startRecordSpan(sources.get(event)?.headers, `projections ${event.event.type}`, {
          'orderstream.view': event.view,
          'orderstream.aggregate_id': event.aggregateId,
        }),
      );
      try {
        const failedFolds = new Map<ProjectionEvent, unknown>();
        const onEvolveFailure: EvolveFailure = (event, err) => failedFolds.set(event, err);
        const view = events[0]?.view;
        if (view) {
          const written = await inPlace('mongodb', () =>
            withinSpan(spans[0], () => write(view, events, onEvolveFailure)),
          );
          if (!written.done) return;
          const published = await inPlace('redis', () => publishChanges(redis, view, written.value));
          if (!published.done) return;
        }
        for (const [event, err] of failedFolds) {
          const message = sources.get(event) as KafkaMessage;
          const where = { topic: batch.topic, partition: batch.partition, offset: message.offset };
          const why = err instanceof Error ? err.message : String(err);
          withRecordContext(message.headers, undefined, () =>
            logger.error({ err, ...where, eventType: event.event.type }, 'unprojectable event dead-lettered'),
          );
          const reason = `projections ${groupId}: cannot project ${event.event.type} v${event.version} of ${event.aggregateId}: ${why}`;
          deadLetters.push(deadLetterMessage(message, where, reason, err));
        }
        // Before the commit: once the offset is past a poison record, nothing would look at it again.
        if (deadLetters.length > 0) {
          const sent = await inPlace('kafka', () =>
            deadLetterProducer.send({ topic: deadLetterTopic, acks: -1, messages: deadLetters }),
          );
          if (!sent.done) return;
        }
        // A replay about to swap waits for our committed offsets to stop moving, then catches up to
        // them: never commit during a swap, and write the batch into the swapped collections too
        // once it is over (version-guarded, so a no-op where it is already there).
        const swapped = await inPlace('mongodb', () => swapInProgress(db));
        if (!swapped.done) return;
        if (swapped.value) {
          if ((await heldBySwap()) === undefined) return;
          if (view) {
            const rewritten = await inPlace('mongodb', () => write(view, events, onEvolveFailure));
            if (!rewritten.done) return;
          }
        }
        if (deadLetters.length > 0) {
          skipped.inc({ view: aggregate, reason: 'decode' }, deadLetters.length - failedFolds.size);
          if (failedFolds.size > 0) skipped.inc({ view: aggregate, reason: 'evolve' }, failedFolds.size);
          deadLettered.inc({ source: batch.topic }, deadLetters.length);
        }
        if (view) {
          projected.inc({ view }, events.length);
          const last = events[events.length - 1] as ProjectionEvent;
          lag.set({ view }, Math.max(0, (Date.now() - Date.parse(last.occurredAt)) / 1000));
        }
        // Past the last event are only transaction markers (or aborted records): commit past them too.
        const end = BigInt(batch.lastOffset());
        const committed = await inPlace('kafka', () =>
          consumer.commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: (end + 1n).toString() },
          ]),
        );
        if (!committed.done) return;
        resolveOffset((batch.messages[batch.messages.length - 1] as KafkaMessage).offset);
        advance(key, end);
        await heartbeat().catch(() => {}); // a rebalance is kafkajs's to handle at its next fetch
      } finally {
        for (const span of spans) span.end();
      }
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
    health: () => ({ stalled: stalls.list(), crashes }),
    stop: async () => {
      try {
        await consumer.disconnect();
      } finally {
        await deadLetterProducer.disconnect();
      }
    },
  };
};
