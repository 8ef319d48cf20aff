import type { Consumer, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { aggregatePartitioner } from '../../lib/kafka/aggregate-partitioner';
import { replyMessage, type CommandLike } from '../../lib/kafka/command-protocol';
import { HEADERS, headerString } from '../../lib/kafka/headers';
import type { Metrics } from '../../lib/observability/metrics';
import type { TopicNames } from '../../topics/names';
import type { AggregateModule } from './aggregate-module';
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
  stop(): Promise<void>;
}

interface PartitionOwner<S> {
  partition: number;
  producer: Producer;
  aggregates: Map<string, AggregateRecord<S>>;
  dirty: Set<string>;
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

/**
 * One writer per partition (DESIGN §4). The consumer group hands out partitions of
 * `<aggregate>.commands`; for each owned partition we keep a transactional producer whose id
 * is derived from the partition, so the next owner's `initTransactions` fences a zombie.
 * Each fetched batch becomes one transaction: events, snapshots, replies, dead letters and the
 * consumed offset commit together or not at all (G3).
 */
export const startCommandProcessor = async <C extends CommandLike, E extends { type: string }, S>(
  options: CommandProcessorOptions<C, E, S>,
): Promise<CommandProcessor> => {
  const { kafka, module, topics, groupId, logger, metrics } = options;
  const clock = options.clock ?? (() => new Date());
  const commandsTopic = topics.commands(module.aggregate);
  const eventsTopic = topics.events(module.aggregate);
  const snapshotsTopic = topics.snapshots(module.aggregate);
  const owners = new Map<number, Promise<PartitionOwner<S>>>();
  const restores: RestoreStat[] = [];
  const partitionCount = await countPartitions(kafka, commandsTopic);

  const { commandsTotal, eventsAppended, batchDuration, restoreDuration, deadLettered } =
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
      aggregates: restored.aggregates,
      dirty: restored.dirty,
      eventsSinceCheckpoint: restored.eventsReplayed,
    };
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

  const processBatch = async (
    owner: PartitionOwner<S>,
    messages: KafkaMessage[],
    nextOffset: string,
  ): Promise<void> => {
    const started = Date.now();
    const staged = new Map<string, AggregateRecord<S>>();
    const events: Message[] = [];
    const replies: Message[] = [];
    const deadLetters: Message[] = [];
    const snapshotsNow = new Set<string>();
    for (const message of messages) {
      const outcome = await evaluateCommand(
        {
          module,
          commandsTopic,
          partition: owner.partition,
          partitionCount,
          counters: { commandsTotal, eventsAppended },
        },
        owner.aggregates,
        staged,
        message,
      );
      if (outcome.record && outcome.aggregateId) staged.set(outcome.aggregateId, outcome.record);
      if (outcome.snapshotNow && outcome.aggregateId) snapshotsNow.add(outcome.aggregateId);
      events.push(...outcome.events);
      if (outcome.reply) {
        replies.push(
          replyMessage(outcome.reply, {
            [HEADERS.correlationId]: headerString(message.headers, HEADERS.correlationId) ?? '',
          }),
        );
      }
      if (outcome.deadLetter) {
        deadLetters.push(outcome.deadLetter);
        deadLettered.inc({ source: commandsTopic });
      }
    }

    const transaction = await owner.producer.transaction();
    try {
      const onDemand = [...snapshotsNow].flatMap((id) => {
        const record = staged.get(id) ?? owner.aggregates.get(id);
        return record ? [snapshotMessage(owner, id, record)] : [];
      });
      const written = await sendAll(transaction, [
        { topic: eventsTopic, messages: events },
        { topic: snapshotsTopic, messages: onDemand },
        { topic: topics.replies, messages: replies },
        { topic: topics.deadLetter(`${module.aggregate}-command-processor`), messages: deadLetters },
      ]);
      const firstEventOffset = firstOffset(written, eventsTopic);
      const checkpoint =
        owner.eventsSinceCheckpoint + events.length >= options.snapshotEvery &&
        firstEventOffset !== undefined;
      if (checkpoint) {
        const ids = new Set([...owner.dirty, ...staged.keys()]);
        const snapshots: Message[] = [...ids].flatMap((id) => {
          const record = staged.get(id) ?? owner.aggregates.get(id);
          return record ? [snapshotMessage(owner, id, record)] : [];
        });
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

      for (const [id, record] of staged) {
        owner.aggregates.set(id, record);
        owner.dirty.add(id);
      }
      owner.eventsSinceCheckpoint += events.length;
      if (checkpoint) {
        owner.dirty.clear();
        owner.eventsSinceCheckpoint = 0;
      }
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
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const owner = await ownerFor(batch.partition);
      const last = batch.messages[batch.messages.length - 1] as KafkaMessage;
      const nextOffset = (BigInt(last.offset) + 1n).toString();
      try {
        await processBatch(owner, batch.messages, nextOffset);
      } catch (err) {
        if (isFenced(err)) {
          // Another member owns this partition now; our state may be stale, so forget it.
          logger.warn({ partition: batch.partition }, 'producer fenced: partition moved to another owner');
          await release(batch.partition);
        } else {
          // A failed transaction leaves our in-memory state untouched but the producer may be
          // unusable; start over from the log on the retry.
          logger.error(
            { err, partition: batch.partition },
            'command batch failed; restoring the partition and retrying',
          );
          await release(batch.partition);
        }
        throw err;
      }
      resolveOffset(last.offset);
      await heartbeat();
    },
  });

  return {
    ownedPartitions: () => [...owners.keys()].sort((a, b) => a - b),
    restores: () => [...restores],
    stop: async () => {
      await consumer.disconnect();
      await Promise.all([...owners.keys()].map(release));
    },
  };
};
