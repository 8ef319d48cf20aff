import { aggregatePartitioner } from '../../lib/adapters/kafka/aggregate-partitioner';
import type { CommandLike } from '../../lib/adapters/kafka/command-protocol';
import type { Kafka } from '../../lib/adapters/kafka/types';
import type { TopicNames } from '../../topics/names';
import { createAggregateCache } from './aggregate-cache';
import type { AggregateModule } from './aggregate-module';
import type { PartitionOwner } from './partition-batch';
import { restorePartition } from './restore';

export interface RestoreStat {
  partition: number;
  aggregates: number;
  snapshots: number;
  eventsReplayed: number;
  eventsFromOffset: string;
  ms: number;
}

export interface OpenPartitionOptions<C extends CommandLike, E extends { type: string }, S> {
  kafka: Kafka;
  module: AggregateModule<C, E, S>;
  topics: TopicNames;
  groupId: string;
  /** Aggregate states kept in memory for the partition. */
  cacheSize: number;
  partition: number;
}

/**
 * Takes a commands partition over: its transactional producer, whose id is derived from the
 * partition so the next owner's `initTransactions` fences a zombie, and its aggregates restored
 * from snapshots plus the events since. The producer is disconnected again if the restore fails.
 */
export const openPartition = async <C extends CommandLike, E extends { type: string }, S>(
  options: OpenPartitionOptions<C, E, S>,
): Promise<{ owner: PartitionOwner<S>; stat: RestoreStat }> => {
  const { kafka, module, topics, groupId, partition } = options;
  const started = Date.now();
  const producer = kafka.producer({
    transactionalId: `${groupId}.${topics.commands(module.aggregate)}.${partition}`,
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
      { events: topics.events(module.aggregate), snapshots: topics.snapshots(module.aggregate) },
      partition,
    );
    const stat: RestoreStat = {
      partition,
      aggregates: restored.aggregates.size,
      snapshots: restored.snapshots,
      eventsReplayed: restored.eventsReplayed,
      eventsFromOffset: restored.eventsFromOffset,
      ms: Date.now() - started,
    };
    return {
      owner: {
        partition,
        producer,
        aggregates: createAggregateCache(options.cacheSize, restored),
        eventsSinceCheckpoint: restored.eventsReplayed,
      },
      stat,
    };
  } catch (err) {
    await producer.disconnect().catch(() => {});
    throw err;
  }
};
