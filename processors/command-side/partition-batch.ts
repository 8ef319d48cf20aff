import type { Kafka, KafkaMessage, Message, Producer } from '../../lib/adapters/kafka/types';
import { firstOffset, sendAll } from '../../lib/adapters/kafka/chunked-send';
import { replyMessage, type CommandLike } from '../../lib/adapters/kafka/command-protocol';
import { HEADERS, headerString } from '../../lib/adapters/kafka/headers';
import { withRecordContext } from '../../lib/adapters/kafka/record-correlation';
import { OrderstreamError } from '../../lib/errors';
import type { Metrics } from '../../lib/observability/metrics';
import type { TopicNames } from '../../topics/names';
import type { AggregateCache } from './aggregate-cache';
import type { AggregateModule } from './aggregate-module';
import {
  CHECKPOINT_KEY,
  type AggregateRecord,
  type CheckpointValue,
  type SnapshotValue,
} from './aggregate-record';
import { evaluateCommand } from './command-evaluation';
import { processorMetrics } from './processor-metrics';
import { restorePartition } from './restore';

/** What the owner of one partition holds: its fencing producer and its aggregates. */
export interface PartitionOwner<S> {
  partition: number;
  producer: Producer;
  aggregates: AggregateCache<S>;
  eventsSinceCheckpoint: number;
}

/** A read-back aggregate is not at the version it was evicted at: deciding on it would break G1. */
export class StaleAggregateError extends OrderstreamError {
  readonly code = 'STALE_AGGREGATE';
  override readonly retriable = true;
}

/** One batch, decided, before its transaction. */
export interface EvaluatedBatch<S> {
  staged: Map<string, AggregateRecord<S>>;
  events: Message[];
  replies: Message[];
  deadLetters: Message[];
  snapshotsNow: Set<string>;
}

export interface PartitionBatchDeps<C extends CommandLike, E extends { type: string }, S> {
  kafka: Kafka;
  module: AggregateModule<C, E, S>;
  topics: TopicNames;
  groupId: string;
  partitionCount: number;
  snapshotEvery: number;
  clock: () => Date;
  metrics: Metrics;
}

/**
 * A batch's two steps: `evaluate` decides every command (reading evicted aggregates back first)
 * and throws only for a transient failure; `commit` writes events, snapshots, replies, dead
 * letters and the consumed offset in one transaction, then updates the owner's aggregates.
 */
export const createPartitionBatches = <C extends CommandLike, E extends { type: string }, S>(
  deps: PartitionBatchDeps<C, E, S>,
) => {
  const { kafka, module, topics, groupId, partitionCount, snapshotEvery, clock, metrics } = deps;
  const commandsTopic = topics.commands(module.aggregate);
  const eventsTopic = topics.events(module.aggregate);
  const snapshotsTopic = topics.snapshots(module.aggregate);
  const deadLetterTopic = topics.deadLetter(`${module.aggregate}-command-processor`);
  const { commandsTotal, eventsAppended, batchDuration, deadLettered } = processorMetrics(metrics);
  let cacheMisses = 0;

  /**
   * Reads evicted aggregates back, all in one pass over snapshots and events, and checks each
   * is at the version it was evicted at. Unknown ids and ids in memory are skipped.
   */
  const loadEvicted = async (
    owner: PartitionOwner<S>,
    ids: Iterable<string>,
  ): Promise<Map<string, AggregateRecord<S>>> => {
    const missing = new Map<string, number>();
    for (const aggregateId of ids) {
      if (owner.aggregates.get(aggregateId) !== undefined) continue;
      const version = owner.aggregates.evictedVersion(aggregateId);
      if (version !== undefined) missing.set(aggregateId, version);
    }
    if (missing.size === 0) return new Map();
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
    return restored.aggregates;
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

  /** Decides every command of the batch; throws only for a transient failure. */
  const evaluateBatch = async (
    owner: PartitionOwner<S>,
    messages: KafkaMessage[],
  ): Promise<EvaluatedBatch<S>> => {
    // Commands are keyed by their aggregate id, so one read serves the whole batch. The records
    // are held here too: loading more than the cache holds must not evict them before use.
    const keys = messages.flatMap((m) => (m.key === null ? [] : [m.key.toString()]));
    const loaded = await loadEvicted(owner, keys);
    const batch: EvaluatedBatch<S> = {
      staged: new Map(),
      events: [],
      replies: [],
      deadLetters: [],
      snapshotsNow: new Set(),
    };
    const lookup = {
      get: async (aggregateId: string) => {
        const known =
          batch.staged.get(aggregateId) ?? loaded.get(aggregateId) ?? owner.aggregates.get(aggregateId);
        if (known !== undefined || owner.aggregates.evictedVersion(aggregateId) === undefined) return known;
        // A record keyed otherwise than its aggregate: read it back now rather than take it for new.
        const one = await loadEvicted(owner, [aggregateId]);
        for (const [id, record] of one) loaded.set(id, record);
        return one.get(aggregateId);
      },
    };
    for (const message of messages) {
      const commandType = headerString(message.headers, HEADERS.commandType) ?? 'command';
      const outcome = await withRecordContext(
        message.headers,
        `${module.aggregate} ${commandType}`,
        () =>
          evaluateCommand(
            {
              module,
              commandsTopic,
              partition: owner.partition,
              partitionCount,
              counters: { commandsTotal, eventsAppended },
            },
            lookup,
            message,
          ),
        {
          'messaging.destination.name': commandsTopic,
          'orderstream.aggregate_id': message.key?.toString() ?? '',
          'orderstream.command_type': commandType,
        },
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
    batch: EvaluatedBatch<S>,
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
        owner.eventsSinceCheckpoint + events.length >= snapshotEvery && firstEventOffset !== undefined;
      if (checkpoint) {
        const records = owner.aggregates.dirtyRecords();
        for (const [id, record] of staged) records.set(id, record);
        for (const [id, record] of records) snapshotted.set(id, record);
        const snapshots: Message[] = [...records].map(([id, record]) => snapshotMessage(owner, id, record));
        // Conservative: restore re-reads this transaction's events and skips them by version.
        const value: CheckpointValue = {
          format: 1,
          eventsFromOffset: firstEventOffset as string,
          eventsTopic,
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

  return { evaluate: evaluateBatch, commit: commitBatch, cacheMisses: () => cacheMisses };
};
