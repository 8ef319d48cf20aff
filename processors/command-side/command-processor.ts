import type { Consumer, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { aggregatePartitioner } from '../../lib/kafka/aggregate-partitioner';
import { replyMessage, type CommandLike } from '../../lib/kafka/command-protocol';
import { HEADERS, headerString } from '../../lib/kafka/headers';
import type { Metrics } from '../../lib/observability/metrics';
import type { TopicNames } from '../../topics/names';
import { OrderstreamError } from '../../lib/errors';
import type { AggregateModule } from './aggregate-module';
import { createAggregateCache, DEFAULT_AGGREGATE_CACHE_SIZE, type AggregateCache } from './aggregate-cache';
import {
  CHECKPOINT_KEY,
  type AggregateRecord,
  type CheckpointValue,
  type SnapshotValue,
} from './aggregate-record';
import { restorePartition } from './restore';
import { evaluateCommand } from './command-evaluation';
import { processorMetrics } from './processor-metrics';
import { firstOffset, sendAll } from '../../lib/kafka/chunked-send';

export interface CommandProcessorOptions<C extends CommandLike, E extends { type: string }, S> {
  kafka: Kafka;
  module: AggregateModule<C, E, S>;
  topics: TopicNames;
  /** Consumer group; also the stem of every transactional id. */
  groupId: string;
  /** Checkpoint (snapshot every changed aggregate) after this many events in a partition. */
  snapshotEvery: number;
  logger: Logger;
  metrics: Metrics;
  /** Aggregate states kept in memory per partition; others are read back from snapshots on a miss. */
  aggregateCacheSize?: number;
  /** Backoff of a batch that failed transiently (retried in place, never skipped). */
  retry?: { initialMs?: number; maxMs?: number };
  /** How long the group waits for a silent member before moving its partitions (min 6 s on the broker). */
  sessionTimeoutMs?: number;
  /** Now, for snapshot timestamps only; the domain gets its time from the command. */
  clock?: () => Date;
  /** Called when the consumer stops for good; process entries exit so a supervisor restarts them. */
  onFatal?: (error: Error) => void;
}

export interface RestoreStat {
  partition: number;
  aggregates: number;
  snapshots: number;
  eventsReplayed: number;
  eventsFromOffset: string;
  ms: number;
}

export interface CommandProcessor {
  ownedPartitions(): number[];
  /** How each partition owned so far was restored (snapshots read, events replayed). */
  restores(): RestoreStat[];
  /** Aggregates read back after an eviction, per partition owned so far (cache misses). */
  cacheMisses(): number;
  stop(): Promise<void>;
}

interface PartitionOwner<S> {
  partition: number;
  producer: Producer;
  aggregates: AggregateCache<S>;
  eventsSinceCheckpoint: number;
}

const countPartitions = async (kafka: Kafka, topic: string): Promise<number> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    return metadata.topics[0]?.partitions.length ?? 0;
  } finally {
    await admin.disconnect();
  }
};

const isFenced = (err: unknown): boolean => {
  const type = (err as { type?: string }).type ?? '';
  return ['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED'].includes(
    type,
  );
};

/** Waits, heartbeating so the group keeps the partition with us; stops early when the consumer stops. */
const pauseWithHeartbeat = async (
  ms: number,
  heartbeat: () => Promise<void>,
  isRunning: () => boolean,
): Promise<void> => {
  const until = Date.now() + ms;
  while (isRunning() && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(500, until - Date.now())));
    await heartbeat();
  }
};

/** A read-back aggregate is not at the version it was evicted at: deciding on it would break G1. */
export class StaleAggregateError extends OrderstreamError {
  readonly code = 'STALE_AGGREGATE';
  override readonly retriable = true;
}

/** Capped exponential backoff with full jitter on the upper half, so retrying owners spread out. */
export const backoffMs = (attempt: number, initialMs: number, maxMs: number): number => {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
};

/**
 * One writer per partition (DESIGN §4). The consumer group hands out partitions of
 * `<aggregate>.commands`; for each owned partition we keep a transactional producer whose id
 * is derived from the partition, so the next owner's `initTransactions` fences a zombie.
 * Each fetched batch becomes one transaction: events, snapshots, replies, dead letters and the
 * consumed offset commit together or not at all (G3).
 *
 * A record that fails deterministically is answered and dead-lettered inside the batch (see
 * evaluateCommand), so it never stops its partition. Anything else that fails (broker, registry,
 * an external party) is transient: the batch is retried in place with backoff, and its offset
 * is not resolved until it commits, so no later batch of the partition can commit past it.
 */
export const startCommandProcessor = async <C extends CommandLike, E extends { type: string }, S>(
  options: CommandProcessorOptions<C, E, S>,
): Promise<CommandProcessor> => {
  const { kafka, module, topics, groupId, logger, metrics } = options;
  const clock = options.clock ?? (() => new Date());
  const cacheSize = options.aggregateCacheSize ?? DEFAULT_AGGREGATE_CACHE_SIZE;
  const retryInitialMs = options.retry?.initialMs ?? 200;
  const retryMaxMs = options.retry?.maxMs ?? 10_000;
  const commandsTopic = topics.commands(module.aggregate);
  const eventsTopic = topics.events(module.aggregate);
  const snapshotsTopic = topics.snapshots(module.aggregate);
  const deadLetterTopic = topics.deadLetter(`${module.aggregate}-command-processor`);
  const owners = new Map<number, Promise<PartitionOwner<S>>>();
  const restores: RestoreStat[] = [];
  let cacheMisses = 0;
  const partitionCount = await countPartitions(kafka, commandsTopic);

  const { commandsTotal, eventsAppended, batchDuration, restoreDuration, deadLettered, transientFailures } =
    processorMetrics(metrics);

  const assign = async (partition: number): Promise<PartitionOwner<S>> => {
    const started = Date.now();
    const producer = kafka.producer({
      transactionalId: `${groupId}.${commandsTopic}.${partition}`,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: aggregatePartitioner,
    });
    // Connecting initialises the transactional id: a previous owner is fenced and its open
    // transaction aborted before we read the log, so the restore sees a settled history.
    await producer.connect();
    try {
      const restored = await restorePartition(
        kafka,
        module,
        { events: eventsTopic, snapshots: snapshotsTopic },
        partition,
      );
      restoreDuration.observe({ aggregate: module.aggregate }, (Date.now() - started) / 1000);
      const stat: RestoreStat = {
        partition,
        aggregates: restored.aggregates.size,
        snapshots: restored.snapshots,
        eventsReplayed: restored.eventsReplayed,
        eventsFromOffset: restored.eventsFromOffset,
        ms: Date.now() - started,
      };
      restores.push(stat);
      logger.info(stat, 'partition restored');
      return {
        partition,
        producer,
        aggregates: createAggregateCache(cacheSize, restored),
        eventsSinceCheckpoint: restored.eventsReplayed,
      };
    } catch (err) {
      await producer.disconnect().catch(() => {});
      throw err;
    }
  };

  const ownerFor = (partition: number): Promise<PartitionOwner<S>> => {
    let owner = owners.get(partition);
    if (owner === undefined) {
      owner = assign(partition);
      owner.catch(() => owners.delete(partition));
      owners.set(partition, owner);
    }
    return owner;
  };

  const release = async (partition: number): Promise<void> => {
    const owner = owners.get(partition);
    owners.delete(partition);
    if (owner) await (await owner.catch(() => undefined))?.producer.disconnect().catch(() => {});
  };

  /** Reads back the batch's evicted aggregates, all in one pass over snapshots and events. */
  const loadEvicted = async (owner: PartitionOwner<S>, messages: KafkaMessage[]): Promise<void> => {
    const missing = new Map<string, number>();
    for (const message of messages) {
      const aggregateId = message.key?.toString();
      if (aggregateId === undefined || owner.aggregates.get(aggregateId) !== undefined) continue;
      const version = owner.aggregates.evictedVersion(aggregateId);
      if (version !== undefined) missing.set(aggregateId, version);
    }
    if (missing.size === 0) return;
    const restored = await restorePartition(
      kafka,
      module,
      { events: eventsTopic, snapshots: snapshotsTopic },
      owner.partition,
      new Set(missing.keys()),
    );
    for (const [aggregateId, version] of missing) {
      const found = restored.aggregates.get(aggregateId)?.version ?? 0;
      if (found !== version) {
        throw new StaleAggregateError(
          `${aggregateId} was evicted at version ${version} but reads back at version ${found}`,
        );
      }
    }
    cacheMisses += missing.size;
    owner.aggregates.loaded(restored.aggregates);
  };

  const snapshotMessage = (
    owner: PartitionOwner<S>,
    aggregateId: string,
    record: AggregateRecord<S>,
  ): Message => {
    const value: SnapshotValue = {
      format: 1,
      aggregateId,
      version: record.version,
      state: module.stateToJson(record.state),
      recent: record.recent,
      takenAt: clock().toISOString(),
    };
    return { key: aggregateId, value: JSON.stringify(value), partition: owner.partition };
  };

  interface EvaluatedBatch {
    staged: Map<string, AggregateRecord<S>>;
    events: Message[];
    replies: Message[];
    deadLetters: Message[];
    snapshotsNow: Set<string>;
  }

  /** Decides every command of the batch; throws only for a transient failure. */
  const evaluateBatch = async (
    owner: PartitionOwner<S>,
    messages: KafkaMessage[],
  ): Promise<EvaluatedBatch> => {
    await loadEvicted(owner, messages);
    const batch: EvaluatedBatch = {
      staged: new Map(),
      events: [],
      replies: [],
      deadLetters: [],
      snapshotsNow: new Set(),
    };
    const lookup = {
      get: (aggregateId: string) => batch.staged.get(aggregateId) ?? owner.aggregates.get(aggregateId),
    };
    for (const message of messages) {
      const outcome = await evaluateCommand(
        {
          module,
          commandsTopic,
          partition: owner.partition,
          partitionCount,
          counters: { commandsTotal, eventsAppended },
        },
        lookup,
        message,
      );
      if (outcome.record && outcome.aggregateId) batch.staged.set(outcome.aggregateId, outcome.record);
      if (outcome.snapshotNow && outcome.aggregateId) batch.snapshotsNow.add(outcome.aggregateId);
      batch.events.push(...outcome.events);
      if (outcome.reply) {
        batch.replies.push(
          replyMessage(outcome.reply, {
            [HEADERS.correlationId]: headerString(message.headers, HEADERS.correlationId) ?? '',
          }),
        );
      }
      if (outcome.deadLetter) batch.deadLetters.push(outcome.deadLetter);
    }
    return batch;
  };

  const commitBatch = async (
    owner: PartitionOwner<S>,
    batch: EvaluatedBatch,
    nextOffset: string,
    started: number,
  ): Promise<void> => {
    const { staged, events, replies, deadLetters, snapshotsNow } = batch;
    const recordOf = (id: string) => staged.get(id) ?? owner.aggregates.get(id);
    // Snapshots asked for, and those of dirty aggregates the cache evicted since the last batch.
    const snapshotted = new Map(owner.aggregates.pendingSnapshots());
    for (const id of snapshotsNow) {
      const record = recordOf(id);
      if (record) snapshotted.set(id, record);
    }
    const transaction = await owner.producer.transaction();
    try {
      const written = await sendAll(transaction, [
        { topic: eventsTopic, messages: events },
        {
          topic: snapshotsTopic,
          messages: [...snapshotted].map(([id, record]) => snapshotMessage(owner, id, record)),
        },
        { topic: topics.replies, messages: replies },
        { topic: deadLetterTopic, messages: deadLetters },
      ]);
      const firstEventOffset = firstOffset(written, eventsTopic);
      const checkpoint =
        owner.eventsSinceCheckpoint + events.length >= options.snapshotEvery &&
        firstEventOffset !== undefined;
      if (checkpoint) {
        const records = owner.aggregates.dirtyRecords();
        for (const [id, record] of staged) records.set(id, record);
        for (const [id, record] of records) snapshotted.set(id, record);
        const snapshots: Message[] = [...records].map(([id, record]) => snapshotMessage(owner, id, record));
        // Conservative: restore re-reads this transaction's events and skips them by version.
        const value: CheckpointValue = {
          format: 1,
          eventsFromOffset: firstEventOffset as string,
          takenAt: clock().toISOString(),
        };
        snapshots.push({ key: CHECKPOINT_KEY, value: JSON.stringify(value), partition: owner.partition });
        await sendAll(transaction, [{ topic: snapshotsTopic, messages: snapshots }]);
      }
      await transaction.sendOffsets({
        consumerGroupId: groupId,
        topics: [{ topic: commandsTopic, partitions: [{ partition: owner.partition, offset: nextOffset }] }],
      });
      await transaction.commit();

      owner.aggregates.committed(staged);
      owner.aggregates.snapshotted(snapshotted);
      owner.eventsSinceCheckpoint = checkpoint ? 0 : owner.eventsSinceCheckpoint + events.length;
      if (deadLetters.length > 0) deadLettered.inc({ source: commandsTopic }, deadLetters.length);
      batchDuration.observe({ aggregate: module.aggregate }, (Date.now() - started) / 1000);
    } catch (err) {
      await transaction.abort().catch(() => {});
      throw err;
    }
  };

  const consumer: Consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    maxWaitTimeInMs: 50,
    allowAutoTopicCreation: false,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: Math.min(3_000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 3)),
    retry: { retries: 10, initialRetryTime: 200 },
  });

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const assigned = new Set(payload.memberAssignment[commandsTopic] ?? []);
    for (const partition of [...owners.keys()]) if (!assigned.has(partition)) void release(partition);
    logger.info({ partitions: [...assigned] }, 'partitions assigned');
    // Restore now, all partitions at once, rather than when each one's first command arrives.
    for (const partition of assigned) {
      ownerFor(partition).catch((err: unknown) =>
        logger.warn({ err, partition }, 'restore failed; will retry'),
      );
    }
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return;
    // kafkajs gives up on non-retriable errors; a process that silently stops consuming would
    // look healthy forever, so let the owner of the process decide (exit, restart, alert).
    logger.fatal({ err: payload.error }, 'command consumer crashed and will not restart');
    options.onFatal?.(payload.error);
  });

  await consumer.connect();
  await consumer.subscribe({ topic: commandsTopic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch, isRunning, isStale, resolveOffset, heartbeat }) => {
      if (batch.messages.length === 0) return;
      const last = batch.messages[batch.messages.length - 1] as KafkaMessage;
      const nextOffset = (BigInt(last.offset) + 1n).toString();
      const { partition } = batch;
      // Retried here, in place, rather than by throwing: a throw makes kafkajs restart the
      // fetch (and crash the consumer after its own retries), and nothing after this batch may
      // commit before it does. Returning unresolved, when the partition is revoked or the
      // consumer stops, leaves the batch to be fetched again by whoever owns it next.
      for (let attempt = 0; isRunning() && !isStale(); attempt++) {
        const started = Date.now();
        let stage: 'restore' | 'evaluate' | 'commit' = 'restore';
        try {
          const owner = await ownerFor(partition);
          stage = 'evaluate';
          const evaluated = await evaluateBatch(owner, batch.messages);
          stage = 'commit';
          await commitBatch(owner, evaluated, nextOffset, started);
          resolveOffset(last.offset);
          await heartbeat();
          return;
        } catch (err) {
          if (isFenced(err)) {
            // Another member owns this partition now; our state may be stale, so forget it.
            logger.warn({ partition }, 'producer fenced: partition moved to another owner');
            await release(partition);
            return;
          }
          // A failed commit may have left the producer unusable, or have committed after all
          // (a lost answer): start over from a new producer and the log. A failed effect or
          // restore leaves both as they were.
          if (stage === 'commit') await release(partition);
          const delayMs = backoffMs(attempt, retryInitialMs, retryMaxMs);
          transientFailures.inc({ aggregate: module.aggregate, stage });
          logger.warn(
            { err, partition, attempt: attempt + 1, delayMs, stage, offset: batch.firstOffset() },
            'command batch failed transiently; retrying it in place',
          );
          await pauseWithHeartbeat(delayMs, heartbeat, isRunning);
        }
      }
    },
  });

  return {
    ownedPartitions: () => [...owners.keys()].sort((a, b) => a - b),
    restores: () => [...restores],
    cacheMisses: () => cacheMisses,
    stop: async () => {
      await consumer.disconnect();
      await Promise.all([...owners.keys()].map(release));
    },
  };
};
