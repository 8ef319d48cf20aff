import type { Kafka, KafkaMessage, Message, Producer } from '../../lib/adapters/kafka/types';
import { ALL_PARTITIONS_AT_ONCE } from '../../lib/adapters/kafka/client';
import type { Logger } from 'pino';
import { isRetriable } from '../../lib/errors';
import { aggregatePartitioner } from '../../lib/adapters/kafka/aggregate-partitioner';
import { commandMessage, type CommandLike } from '../../lib/adapters/kafka/command-protocol';
import { HEADERS, headerString } from '../../lib/adapters/kafka/headers';
import { withRecordContext } from '../../lib/adapters/kafka/record-correlation';
import { deadLetterCounter, type Metrics } from '../../lib/observability/metrics';
import type { AggregateType, TopicNames } from '../../topics/names';
import { deadLetterMessage } from '../../lib/adapters/kafka/dead-letter-message';
import { append, sendAll } from '../../lib/adapters/kafka/chunked-send';
import definitions from '../../topics/topics.json';
import { retryInPlace } from '../../lib/adapters/kafka/retry-in-place';

/** One event as a saga reaction sees it. */
export interface SagaEvent {
  aggregate: AggregateType;
  aggregateId: string;
  version: number;
  /** `<aggregateId>:<version>`: the causation id of the commands it leads to. */
  eventId: string;
  correlationId: string;
  occurredAt: string;
  event: { type: string; data: unknown };
}

export interface SagaCommand {
  aggregate: AggregateType;
  aggregateId: string;
  command: CommandLike;
}

export interface SagaSource {
  aggregate: AggregateType;
  decode(eventType: string, value: Buffer): Promise<{ type: string; data: unknown }>;
}

export interface SagaRuntimeOptions {
  kafka: Kafka;
  topics: TopicNames;
  groupId: string;
  sources: SagaSource[];
  /** Pure: an event in, the commands it causes out (DESIGN §5, STYLE 5). */
  react(input: SagaEvent): SagaCommand[];
  logger: Logger;
  metrics: Metrics;
  sessionTimeoutMs?: number;
  /** Logical group name for the dead-letter and retry topics (deadletter.<name>, retry.<name>.<n>). */
  deadLetterGroup?: string;
  /** Wait before each retry level; defaults to topics.json's retries.delaysMs. */
  retryDelaysMs?: number[];
  /** The consumer stopped for good (kafkajs will not restart it): the process should exit. */
  onFatal?: (error: Error) => void;
}

export interface SagaRuntime {
  stop(): Promise<void>;
}

/**
 * Consumes the events topics and turns each event into commands for other aggregates,
 * transactionally: the commands and the consumed offset commit together, so a crash
 * neither loses a step nor sends one twice (the command ids are deterministic as well, so
 * the command processors would drop a duplicate anyway). A record that cannot be decoded or
 * reacted to goes to the dead-letter topic with its reason; the partition moves on (G7).
 */
export const startSagaRuntime = async (options: SagaRuntimeOptions): Promise<SagaRuntime> => {
  const { kafka, topics, groupId, logger, metrics } = options;
  const byTopic = new Map(options.sources.map((s) => [topics.events(s.aggregate), s]));
  const producers = new Map<string, Promise<Producer>>();
  const reactions = metrics.counter<'event' | 'outcome'>({
    name: 'saga_reactions_total',
    help: 'Saga reactions by triggering event and outcome',
    labelNames: ['event', 'outcome'],
  });
  const deadLettered = deadLetterCounter(metrics);

  const producerFor = (topic: string, partition: number): Promise<Producer> => {
    const key = `${topic}.${partition}`;
    let producer = producers.get(key);
    if (!producer) {
      const created = kafka.producer({
        transactionalId: `${groupId}.${key}`,
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: aggregatePartitioner,
      });
      producer = created.connect().then(() => created);
      producer.catch(() => producers.delete(key));
      producers.set(key, producer);
    }
    return producer;
  };

  const release = async (key: string): Promise<void> => {
    const producer = producers.get(key);
    producers.delete(key);
    await (await producer?.catch(() => undefined))?.disconnect().catch(() => {});
  };

  const toSagaEvent = async (source: SagaSource, message: KafkaMessage): Promise<SagaEvent> => {
    const aggregateId = headerString(message.headers, HEADERS.aggregateId) ?? '';
    const version = Number(headerString(message.headers, HEADERS.aggregateVersion));
    const eventType = headerString(message.headers, HEADERS.eventType) ?? '';
    const event = await source.decode(eventType, message.value ?? Buffer.alloc(0));
    return {
      aggregate: source.aggregate,
      aggregateId,
      version,
      eventId: `${aggregateId}:${version}`,
      correlationId: headerString(message.headers, HEADERS.correlationId) ?? `${aggregateId}:${version}`,
      occurredAt: headerString(message.headers, HEADERS.occurredAt) ?? '',
      event,
    };
  };

  const consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    allowAutoTopicCreation: false,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const assigned = new Set(
      Object.entries(payload.memberAssignment).flatMap(([topic, parts]) => parts.map((p) => `${topic}.${p}`)),
    );
    for (const key of [...producers.keys()]) if (!assigned.has(key)) void release(key);
    // Fence a previous owner's open transaction now, not on the partition's next event: until it
    // is aborted, read_committed readers of the commands it wrote to stall at its first record
    // (up to the 60 s transaction timeout after a SIGKILL).
    for (const [topic, parts] of Object.entries(payload.memberAssignment))
      for (const partition of parts)
        producerFor(topic, partition).catch((err: unknown) =>
          logger.warn(
            { err, topic, partition },
            'fencing the previous owner failed; retried on the next batch',
          ),
        );
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return;
    logger.fatal({ err: payload.error }, 'saga consumer crashed and will not restart');
    options.onFatal?.(payload.error);
  });
  const retryDelays = options.retryDelaysMs ?? definitions.retries.delaysMs;
  const group = options.deadLetterGroup ?? 'saga';
  const retryTopics = retryDelays.map((_, i) => topics.retry(group, i + 1));
  const levelOf = (topic: string): number => retryTopics.indexOf(topic) + 1;
  const retried = metrics.counter<'level'>({
    name: 'retries_total',
    help: 'Records moved to a retry topic, by level',
    labelNames: ['level'],
  });

  /** The record again, for a later try: original key, value and headers, plus where and when. */
  const retryMessage = (
    message: KafkaMessage,
    from: string,
    partition: number,
    level: number,
    err: unknown,
  ): Message => ({
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      [HEADERS.retrySourceTopic]: headerString(message.headers, HEADERS.retrySourceTopic) ?? from,
      [HEADERS.retrySource]:
        headerString(message.headers, HEADERS.retrySource) ?? `${from}/${partition}/${message.offset}`,
      [HEADERS.retryAttempt]: String(level),
      [HEADERS.retryNotBefore]: String(Date.now() + (retryDelays[level - 1] ?? 0)),
      [HEADERS.retryReason]: (err as Error).message.slice(0, 1_000),
    },
  });

  await consumer.connect();
  for (const topic of [...byTopic.keys(), ...retryTopics])
    await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: ALL_PARTITIONS_AT_ONCE,
    eachBatch: async ({ batch, isRunning, isStale, resolveOffset, heartbeat, pause }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const level = levelOf(batch.topic);
      const outgoing = new Map<string, Message[]>();
      const deadLetters: Message[] = [];
      let last: KafkaMessage | undefined;
      let deferred: { offset: string; waitMs: number } | undefined;
      for (const message of batch.messages) {
        if (level > 0) {
          // One delay per level, so records come due in offset order: the first one not due
          // yet ends the batch, and the partition sleeps until it is.
          const waitMs = Number(headerString(message.headers, HEADERS.retryNotBefore) ?? 0) - Date.now();
          if (waitMs > 0) {
            deferred = { offset: message.offset, waitMs };
            break;
          }
        }
        const sourceTopic =
          level > 0 ? (headerString(message.headers, HEADERS.retrySourceTopic) ?? '') : batch.topic;
        const source = byTopic.get(sourceTopic);
        last = message;
        let input: SagaEvent;
        let produced: { topic: string; message: Message }[];
        try {
          if (!source) throw new Error(`no saga source for topic ${sourceTopic}`);
          input = await toSagaEvent(source, message);
          const event = input;
          // The commands are written inside the reaction's span, so they carry its trace onwards.
          produced = withRecordContext(message.headers, `saga ${event.event.type}`, () =>
            options.react(event).map(({ aggregate, aggregateId, command }) => ({
              topic: topics.commands(aggregate),
              message: commandMessage(aggregateId, command),
            })),
          );
        } catch (err) {
          const where = { topic: batch.topic, partition: batch.partition, offset: message.offset };
          const eventType = headerString(message.headers, HEADERS.eventType) ?? 'unknown';
          if (isRetriable(err) && level < retryTopics.length) {
            // A dependency is away: park the record on the next retry level, keep the partition moving.
            const next = retryTopics[level] as string;
            append(outgoing, next, retryMessage(message, sourceTopic, batch.partition, level + 1, err));
            retried.inc({ level: String(level + 1) });
            reactions.inc({ event: eventType, outcome: 'retry' });
            continue;
          }
          const reason = `saga ${groupId}: ${(err as Error).message}`;
          deadLetters.push(deadLetterMessage(message, where, reason, err, level + 1));
          deadLettered.inc({ source: batch.topic });
          reactions.inc({ event: eventType, outcome: 'dead-lettered' });
          continue;
        }
        reactions.inc({ event: input.event.type, outcome: produced.length > 0 ? 'commands' : 'none' });
        for (const { topic, message: command } of produced) append(outgoing, topic, command);
      }
      if (last) {
        const commitTo = last;
        const live = (): boolean => isRunning() && !isStale();
        // The reactions above are pure and already done; only the transaction can fail for a
        // while (a broker restarting, a coordinator moving). It is retried in place so nothing
        // later in this partition commits past it; a fenced or broken producer is replaced.
        const committed = await retryInPlace(
          async () => {
            const key = `${batch.topic}.${batch.partition}`;
            const producer = await producerFor(batch.topic, batch.partition);
            const transaction = await producer.transaction().catch(async (err: unknown) => {
              await release(key);
              throw err;
            });
            try {
              await sendAll(transaction, [
                ...[...outgoing].map(([topic, messages]) => ({ topic, messages })),
                { topic: topics.deadLetter(group), messages: deadLetters },
              ]);
              await transaction.sendOffsets({
                consumerGroupId: groupId,
                topics: [
                  {
                    topic: batch.topic,
                    partitions: [
                      { partition: batch.partition, offset: (BigInt(commitTo.offset) + 1n).toString() },
                    ],
                  },
                ],
              });
              await transaction.commit();
            } catch (err) {
              await transaction.abort().catch(() => {});
              await release(key);
              throw err;
            }
          },
          {
            stillOwned: live,
            heartbeat,
            onFailure: (err, attempt) =>
              logger.warn(
                { err, topic: batch.topic, partition: batch.partition, attempt },
                'saga batch failed; retrying in place',
              ),
          },
        );
        // Stopping or the partition moved: the next owner starts from the committed offset.
        if (!committed.done) return;
        resolveOffset(commitTo.offset);
      }
      if (deferred) {
        const resume = pause();
        consumer.seek({ topic: batch.topic, partition: batch.partition, offset: deferred.offset });
        setTimeout(resume, deferred.waitMs).unref();
      }
      await heartbeat();
    },
  });

  return {
    stop: async () => {
      await consumer.disconnect();
      await Promise.all([...producers.keys()].map(release));
    },
  };
};
