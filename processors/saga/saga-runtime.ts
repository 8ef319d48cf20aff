import type { Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { isRetriable } from '../../lib/errors';
import { aggregatePartitioner } from '../../lib/kafka/aggregate-partitioner';
import { commandMessage, type CommandLike } from '../../lib/kafka/command-protocol';
import { HEADERS, headerString } from '../../lib/kafka/headers';
import type { Metrics } from '../../lib/observability/metrics';
import type { AggregateType, TopicNames } from '../../topics/names';
import { deadLetterMessage } from '../command-side/dead-letter';
import { sendAll } from '../../lib/kafka/chunked-send';

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
  /** Logical group name for the dead-letter topic (deadletter.<name>). */
  deadLetterGroup?: string;
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
  const deadLettered = metrics.counter<'source'>({
    name: 'dlq_records_total',
    help: 'Records sent to the dead-letter topic',
    labelNames: ['source'],
  });

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
    maxWaitTimeInMs: 50,
    allowAutoTopicCreation: false,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const assigned = new Set(
      Object.entries(payload.memberAssignment).flatMap(([topic, parts]) => parts.map((p) => `${topic}.${p}`)),
    );
    for (const key of [...producers.keys()]) if (!assigned.has(key)) void release(key);
  });
  await consumer.connect();
  for (const topic of byTopic.keys()) await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch, isRunning, isStale, resolveOffset, heartbeat }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const source = byTopic.get(batch.topic);
      if (!source) return;
      const outgoing = new Map<string, Message[]>();
      const deadLetters: Message[] = [];
      for (const message of batch.messages) {
        let input: SagaEvent;
        let produced: SagaCommand[];
        try {
          input = await toSagaEvent(source, message);
          produced = options.react(input);
        } catch (err) {
          if (isRetriable(err)) throw err; // the registry is away: retry the batch, do not park
          const where = { topic: batch.topic, partition: batch.partition, offset: message.offset };
          deadLetters.push(
            deadLetterMessage(message, where, `saga ${groupId}: ${(err as Error).message}`, err),
          );
          deadLettered.inc({ source: batch.topic });
          reactions.inc({
            event: headerString(message.headers, HEADERS.eventType) ?? 'unknown',
            outcome: 'dead-lettered',
          });
          continue;
        }
        reactions.inc({ event: input.event.type, outcome: produced.length > 0 ? 'commands' : 'none' });
        for (const { aggregate, aggregateId, command } of produced) {
          const topic = topics.commands(aggregate);
          outgoing.set(topic, [...(outgoing.get(topic) ?? []), commandMessage(aggregateId, command)]);
        }
      }
      const last = batch.messages[batch.messages.length - 1] as KafkaMessage;
      const producer = await producerFor(batch.topic, batch.partition);
      const transaction = await producer.transaction();
      try {
        await sendAll(transaction, [
          ...[...outgoing].map(([topic, messages]) => ({ topic, messages })),
          { topic: topics.deadLetter(options.deadLetterGroup ?? 'saga'), messages: deadLetters },
        ]);
        await transaction.sendOffsets({
          consumerGroupId: groupId,
          topics: [
            {
              topic: batch.topic,
              partitions: [{ partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }],
            },
          ],
        });
        await transaction.commit();
      } catch (err) {
        await transaction.abort().catch(() => {});
        logger.warn({ err, topic: batch.topic, partition: batch.partition }, 'saga batch failed; retrying');
        await release(`${batch.topic}.${batch.partition}`);
        throw err;
      }
      resolveOffset(last.offset);
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
