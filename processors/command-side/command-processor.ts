import type { Consumer, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { OrderstreamError, VersionConflictError, type FieldError } from '../../lib/errors';
import { aggregatePartitioner } from '../../lib/kafka/aggregate-partitioner';
import { partitionForKey } from '../../lib/kafka/murmur2';
import {
  CREATE_SNAPSHOT,
  replyMessage,
  type CommandLike,
  type CommandReply,
  type ReplyError,
} from '../../lib/kafka/command-protocol';
import { HEADERS, headerString } from '../../lib/kafka/headers';
import type { Metrics } from '../../lib/observability/metrics';
import type { TopicNames } from '../../topics/names';
import type { AggregateModule } from './aggregate-module';
import {
  CHECKPOINT_KEY,
  remember,
  type AggregateRecord,
  type CheckpointValue,
  type SnapshotValue,
} from './aggregate-record';
import { deadLetterMessage } from './dead-letter';
import { restorePartition } from './restore';

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

/** One command's outcome inside a batch, before the transaction commits. */
interface Staged<S> {
  record?: AggregateRecord<S>;
  aggregateId?: string;
  events: Message[];
  reply?: CommandReply;
  deadLetter?: Message;
  snapshotNow?: boolean;
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

const replyError = (err: OrderstreamError): ReplyError => ({
  code: err.code,
  message: err.message,
  ...('currentVersion' in err && typeof err.currentVersion === 'number'
    ? { currentVersion: err.currentVersion }
    : {}),
  ...('errors' in err && Array.isArray(err.errors) ? { errors: err.errors as FieldError[] } : {}),
});

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

  const commandsTotal = metrics.counter<'type' | 'outcome'>({
    name: 'commands_total',
    help: 'Commands handled by outcome',
    labelNames: ['type', 'outcome'],
  });
  const eventsAppended = metrics.counter<'aggregate' | 'type'>({
    name: 'events_appended_total',
    help: 'Events appended to the event store',
    labelNames: ['aggregate', 'type'],
  });
  const batchDuration = metrics.histogram<'aggregate'>({
    name: 'command_batch_duration_seconds',
    help: 'Time to decide and commit one batch of commands (one transaction)',
    labelNames: ['aggregate'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  const restoreDuration = metrics.histogram<'aggregate'>({
    name: 'partition_restore_duration_seconds',
    help: 'Time to restore a partition from snapshots and events on assignment',
    labelNames: ['aggregate'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  });
  const deadLettered = metrics.counter<'source'>({
    name: 'dlq_records_total',
    help: 'Records sent to the dead-letter topic',
    labelNames: ['source'],
  });

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

  const handle = async (
    owner: PartitionOwner<S>,
    staged: Map<string, AggregateRecord<S>>,
    message: KafkaMessage,
  ): Promise<Staged<S>> => {
    const source = { topic: commandsTopic, partition: owner.partition, offset: message.offset };
    const commandIdHeader = headerString(message.headers, HEADERS.commandId);
    let json: unknown;
    try {
      json = JSON.parse(message.value?.toString() ?? '');
    } catch (err) {
      return { events: [], deadLetter: deadLetterMessage(message, source, 'command is not valid JSON', err) };
    }
    const raw = json as { type?: unknown; orderId?: unknown; meta?: { commandId?: unknown } };
    const aggregateIdGuess = message.key?.toString() ?? '';
    if (raw.type === CREATE_SNAPSHOT && typeof raw.meta?.commandId === 'string') {
      const record = staged.get(aggregateIdGuess) ?? owner.aggregates.get(aggregateIdGuess);
      const reply: CommandReply = record
        ? {
            commandId: raw.meta.commandId,
            aggregateId: aggregateIdGuess,
            ok: true,
            version: record.version,
            eventTypes: [],
            duplicate: false,
          }
        : {
            commandId: raw.meta.commandId,
            aggregateId: aggregateIdGuess,
            ok: false,
            error: { code: 'NOT_FOUND', message: `no aggregate ${aggregateIdGuess}` },
          };
      return { events: [], reply, aggregateId: aggregateIdGuess, snapshotNow: record !== undefined };
    }
    let command: C;
    try {
      command = module.parseCommand(json);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const deadLetter = deadLetterMessage(message, source, `command rejected by its schema: ${reason}`, err);
      const commandId =
        commandIdHeader ?? (typeof raw.meta?.commandId === 'string' ? raw.meta.commandId : undefined);
      if (commandId === undefined || !(err instanceof OrderstreamError)) return { events: [], deadLetter };
      return {
        events: [],
        deadLetter,
        reply: { commandId, aggregateId: aggregateIdGuess, ok: false, error: replyError(err) },
      };
    }

    const aggregateId = module.aggregateIdOf(command);
    const { commandId } = command.meta;
    if (partitionForKey(aggregateId, partitionCount) !== owner.partition) {
      // Owning an aggregate on two partitions would fork its history (G1): refuse the record.
      const reason = `aggregate ${aggregateId} belongs to partition ${partitionForKey(aggregateId, partitionCount)}, not ${owner.partition}: the producer did not use the aggregate partitioner`;
      return {
        events: [],
        deadLetter: deadLetterMessage(message, source, reason, new Error(reason)),
        reply: { commandId, aggregateId, ok: false, error: { code: 'MISROUTED', message: reason } },
      };
    }
    const current = staged.get(aggregateId) ??
      owner.aggregates.get(aggregateId) ?? { state: module.decider.initialState(), version: 0, recent: [] };
    const fail = (err: OrderstreamError): Staged<S> => {
      commandsTotal.inc({ type: command.type, outcome: err.code });
      return { events: [], reply: { commandId, aggregateId, ok: false, error: replyError(err) } };
    };

    const seen = current.recent.find((p) => p.commandId === commandId);
    if (seen) {
      commandsTotal.inc({ type: command.type, outcome: 'duplicate' });
      return {
        events: [],
        reply: {
          commandId,
          aggregateId,
          ok: true,
          version: seen.version,
          eventTypes: seen.eventTypes,
          duplicate: true,
        },
      };
    }

    let events: E[];
    if (module.effect) {
      // Outside the try below: a failed external call is not the command's fault; the batch
      // is retried rather than the command rejected.
      command = await module.effect(command, current.state);
    }
    try {
      // An aggregate that does not exist answers NOT_FOUND (from decide) before any version talk.
      if (
        current.version > 0 &&
        command.expectedVersion !== undefined &&
        command.expectedVersion !== current.version
      ) {
        throw new VersionConflictError(aggregateId, command.expectedVersion, current.version);
      }
      events = module.decider.decide(command, current.state);
      if (current.version === 0 && command.expectedVersion !== undefined && command.expectedVersion !== 0) {
        throw new VersionConflictError(aggregateId, command.expectedVersion, 0);
      }
    } catch (err) {
      if (err instanceof OrderstreamError) {
        if ('currentVersion' in err && err.currentVersion === undefined) {
          (err as { currentVersion?: number }).currentVersion = current.version;
        }
        return fail(err);
      }
      // A bug or an unforeseen input: park the command with the reason, answer, and move on.
      commandsTotal.inc({ type: command.type, outcome: 'dead-lettered' });
      return {
        events: [],
        deadLetter: deadLetterMessage(message, source, `decide failed: ${(err as Error).message}`, err),
        reply: {
          commandId,
          aggregateId,
          ok: false,
          error: {
            code: 'COMMAND_FAILED',
            message: 'the command could not be processed; it was dead-lettered',
          },
        },
      };
    }

    let state = current.state;
    let version = current.version;
    const eventMessages: Message[] = events.map((event) => {
      state = module.decider.evolve(state, event);
      version += 1;
      const encoded = module.codec.encode(event);
      eventsAppended.inc({ aggregate: module.aggregate, type: event.type });
      return {
        key: `${aggregateId}:${version}`,
        value: encoded.value,
        partition: owner.partition,
        headers: {
          [HEADERS.eventType]: event.type,
          [HEADERS.schemaId]: String(encoded.schemaId),
          [HEADERS.schemaVersion]: String(encoded.schemaVersion),
          [HEADERS.aggregateId]: aggregateId,
          [HEADERS.aggregateVersion]: String(version),
          [HEADERS.correlationId]: command.meta.correlationId,
          [HEADERS.causationId]: commandId,
          [HEADERS.commandId]: commandId,
          [HEADERS.occurredAt]: module.occurredAtOf(event),
        },
      };
    });
    const eventTypes = events.map((e) => e.type);
    commandsTotal.inc({ type: command.type, outcome: 'accepted' });
    return {
      aggregateId,
      events: eventMessages,
      record: { state, version, recent: remember(current.recent, { commandId, version, eventTypes }) },
      reply: { commandId, aggregateId, ok: true, version, eventTypes, duplicate: false },
    };
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
      const outcome = await handle(owner, staged, message);
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
      let firstEventOffset: string | undefined;
      if (events.length > 0) {
        const [written] = await transaction.send({ topic: eventsTopic, messages: events, acks: -1 });
        firstEventOffset = written?.baseOffset;
      }
      const checkpoint =
        owner.eventsSinceCheckpoint + events.length >= options.snapshotEvery &&
        firstEventOffset !== undefined;
      const toSnapshot = new Set(snapshotsNow);
      if (checkpoint) for (const id of [...owner.dirty, ...staged.keys()]) toSnapshot.add(id);
      const snapshots: Message[] = [...toSnapshot].flatMap((id) => {
        const record = staged.get(id) ?? owner.aggregates.get(id);
        return record ? [snapshotMessage(owner, id, record)] : [];
      });
      if (checkpoint) {
        // Conservative: restore re-reads this transaction's events and skips them by version.
        const value: CheckpointValue = {
          format: 1,
          eventsFromOffset: firstEventOffset as string,
          takenAt: clock().toISOString(),
        };
        snapshots.push({ key: CHECKPOINT_KEY, value: JSON.stringify(value), partition: owner.partition });
      }
      if (snapshots.length > 0)
        await transaction.send({ topic: snapshotsTopic, messages: snapshots, acks: -1 });
      if (replies.length > 0) await transaction.send({ topic: topics.replies, messages: replies, acks: -1 });
      if (deadLetters.length > 0)
        await transaction.send({ topic: topics.deadLetter, messages: deadLetters, acks: -1 });
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
