import type { Consumer, Kafka, KafkaMessage } from '../../lib/adapters/kafka/types';
import { ALL_PARTITIONS_AT_ONCE } from '../../lib/adapters/kafka/client';
import type { Logger } from 'pino';
import type { CommandLike } from '../../lib/adapters/kafka/command-protocol';
import type { Metrics } from '../../lib/observability/metrics';
import type { TopicNames } from '../../topics/names';
import type { AggregateModule } from './aggregate-module';
import { DEFAULT_AGGREGATE_CACHE_SIZE } from './aggregate-cache';
import { retryInPlace } from '../../lib/adapters/kafka/retry-in-place';
import { isFenced } from './fenced';
import { createPartitionBatches, type PartitionOwner } from './partition-batch';
import { processorMetrics } from './processor-metrics';
import { openPartition, type RestoreStat } from './open-partition';
import { createPartitionOwners } from './partition-owners';

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

export type { RestoreStat } from './open-partition';

export interface CommandProcessor {
  ownedPartitions(): number[];
  /** How each partition owned so far was restored (snapshots read, events replayed). */
  restores(): RestoreStat[];
  /** Aggregates read back after an eviction, per partition owned so far (cache misses). */
  cacheMisses(): number;
  stop(): Promise<void>;
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
  const restores: RestoreStat[] = [];
  const partitionCount = await countPartitions(kafka, commandsTopic);

  const { restoreDuration, transientFailures } = processorMetrics(metrics);

  const owners = createPartitionOwners<PartitionOwner<S>>({
    open: async (partition) => {
      const opened = await openPartition({ kafka, module, topics, groupId, cacheSize, partition });
      restoreDuration.observe({ aggregate: module.aggregate }, opened.stat.ms / 1000);
      restores.push(opened.stat);
      logger.info(opened.stat, 'partition restored');
      return opened.owner;
    },
    close: (owner) => owner.producer.disconnect(),
  });

  const batches = createPartitionBatches({
    kafka,
    module,
    topics,
    groupId,
    partitionCount,
    snapshotEvery: options.snapshotEvery,
    clock,
    metrics,
  });

  const consumer: Consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    allowAutoTopicCreation: false,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: Math.min(3_000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 3)),
    retry: { retries: 10, initialRetryTime: 200 },
  });

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const assigned = new Set(payload.memberAssignment[commandsTopic] ?? []);
    for (const partition of owners.owned())
      if (!assigned.has(partition)) void owners.release(partition, 'revoked');
    logger.info({ partitions: [...assigned] }, 'partitions assigned');
    // Restore now, all partitions at once, rather than when each one's first command arrives.
    for (const partition of assigned) {
      owners
        .claim(partition)
        .catch((err: unknown) => logger.warn({ err, partition }, 'restore failed; will retry'));
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
    partitionsConsumedConcurrently: ALL_PARTITIONS_AT_ONCE,
    eachBatch: async ({ batch, isRunning, isStale, resolveOffset, heartbeat }) => {
      if (batch.messages.length === 0) return;
      const last = batch.messages[batch.messages.length - 1] as KafkaMessage;
      const nextOffset = (BigInt(last.offset) + 1n).toString();
      const { partition } = batch;
      // Retried here, in place, rather than by throwing: a throw makes kafkajs restart the
      // fetch (and crash the consumer after its own retries), and nothing after this batch may
      // commit before it does. Returning unresolved, when the partition is revoked or the
      // consumer stops, leaves the batch to be fetched again by whoever owns it next.
      let stage: 'restore' | 'evaluate' | 'commit' = 'restore';
      const outcome = await retryInPlace(
        async () => {
          const started = Date.now();
          stage = 'restore';
          try {
            const owner = await owners.claim(partition);
            stage = 'evaluate';
            const evaluated = await batches.evaluate(owner, batch.messages);
            stage = 'commit';
            await batches.commit(owner, evaluated, nextOffset, started);
            return 'committed' as const;
          } catch (err) {
            if (isFenced(err)) return 'fenced' as const;
            // A failed commit may have left the producer unusable, or have committed after all
            // (a lost answer): start over from a new producer and the log. A failed effect or
            // restore leaves both as they were.
            if (stage === 'commit') await owners.release(partition, 'commitFailed');
            transientFailures.inc({ aggregate: module.aggregate, stage });
            throw err;
          }
        },
        {
          stillOwned: () => isRunning() && !isStale(),
          heartbeat,
          baseMs: retryInitialMs,
          maxMs: retryMaxMs,
          // A partition that keeps failing is stuck (the broker away for long, or a history that
          // does not restore): say so louder than the first few blips.
          onFailure: (err, attempt, delayMs) =>
            logger[attempt <= 5 ? 'warn' : 'error'](
              { err, partition, attempt, delayMs, stage, offset: batch.firstOffset() },
              'command batch failed transiently; retrying it in place',
            ),
        },
      );
      if (!outcome.done) return;
      if (outcome.value === 'fenced') {
        // Another member owns this partition now; our state may be stale, so forget it.
        logger.warn({ partition }, 'producer fenced: partition moved to another owner');
        await owners.release(partition, 'fenced');
        return;
      }
      resolveOffset(last.offset);
      await heartbeat();
    },
  });

  return {
    ownedPartitions: () => owners.owned(),
    restores: () => [...restores],
    cacheMisses: () => batches.cacheMisses(),
    stop: async () => {
      await consumer.disconnect();
      await Promise.all(owners.owned().map((partition) => owners.release(partition, 'stopped')));
    },
  };
};
