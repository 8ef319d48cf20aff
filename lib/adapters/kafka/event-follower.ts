import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage, Producer } from './types';
import type { Logger } from 'pino';
import { isRetriable } from '../../errors';
import { readDeadLetters } from './dead-letters';
import { HEADERS, headerString } from './headers';
import { withRecordContext } from './record-correlation';
import { deadLetterMessage } from './dead-letter-message';
import { retryInPlace } from './retry-in-place';

export interface FollowedEvent {
  aggregateId: string;
  version: number;
  type: string;
  data: unknown;
  correlationId: string;
  occurredAt: string;
}

export interface FollowOptions {
  kafka: Kafka;
  topic: string;
  decode: (type: string, value: Buffer) => Promise<{ type: string; data: unknown }>;
  onEvent: (event: FollowedEvent) => void;
  /**
   * Where a record that can never be followed goes (undecodable, or `onEvent` throws), with its
   * reason: the follower's own dead-letter topic. Without it such a record is logged and skipped.
   */
  deadLetterTopic?: string;
  logger?: Logger;
  /** The consumer stopped for good (kafkajs will not restart it): the process should exit. */
  onFatal?: (error: Error) => void;
}

const sourceOf = (topic: string, partition: number, offset: string): string =>
  `${topic}/${partition}/${offset}`;

/**
 * Follows an events topic from the beginning into memory, with a group of its own that never
 * commits: the timers built on it (deadlines, tracking polls, compensation retries) rebuild their
 * view on every start and lose nothing to a crash. The commands they send carry deterministic
 * ids, so a resend after a restart is deduplicated by the command processor.
 *
 * A record that fails for good is dead-lettered and skipped (G7); because every start re-reads
 * the topic, the follower first reads its dead-letter topic and parks each record only once.
 * A transient failure (the registry away) is retried in place, so no later record of the
 * partition overtakes it.
 */
export const followEvents = async (options: FollowOptions): Promise<{ stop(): Promise<void> }> => {
  const { kafka, topic, decode, onEvent, deadLetterTopic, logger } = options;
  const parked = new Set<string>();
  let producer: Producer | undefined;
  if (deadLetterTopic) {
    for (const { message } of await readDeadLetters(kafka, deadLetterTopic)) {
      const source = headerString(message.headers, HEADERS.deadLetterSource);
      if (source) parked.add(source);
    }
    producer = kafka.producer({ idempotent: true });
    await producer.connect();
  }

  const follow = async (message: KafkaMessage): Promise<void> => {
    const type = headerString(message.headers, HEADERS.eventType);
    // A tombstone (erasure) or a record without a type has nothing to follow.
    if (!type || !message.value) return;
    const { data } = await decode(type, message.value);
    withRecordContext(message.headers, undefined, () =>
      onEvent({
        aggregateId: headerString(message.headers, HEADERS.aggregateId) ?? '',
        version: Number(headerString(message.headers, HEADERS.aggregateVersion)),
        type,
        data,
        correlationId: headerString(message.headers, HEADERS.correlationId) ?? '',
        occurredAt: headerString(message.headers, HEADERS.occurredAt) ?? '',
      }),
    );
  };

  const park = async (message: KafkaMessage, partition: number, err: unknown): Promise<void> => {
    const source = sourceOf(topic, partition, message.offset);
    const reason = `follower of ${topic}: ${err instanceof Error ? err.message : String(err)}`;
    logger?.error({ err, source }, 'record cannot be followed; dead-lettered');
    if (!producer || !deadLetterTopic || parked.has(source)) return;
    const where = { topic, partition, offset: message.offset };
    await producer.send({
      topic: deadLetterTopic,
      messages: [deadLetterMessage(message, where, reason, err)],
    });
    parked.add(source);
  };

  const consumer = kafka.consumer({
    groupId: `follower-${topic}-${randomUUID()}`,
    readUncommitted: false,
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return;
    logger?.fatal({ err: payload.error, topic }, 'event follower crashed and will not restart');
    options.onFatal?.(payload.error);
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, isRunning, isStale, resolveOffset, heartbeat }) => {
      const live = (): boolean => isRunning() && !isStale();
      for (const message of batch.messages) {
        if (!live()) return;
        const settled = await retryInPlace(
          async () => {
            try {
              await follow(message);
            } catch (err) {
              if (isRetriable(err)) throw err;
              await park(message, batch.partition, err);
            }
          },
          {
            stillOwned: live,
            heartbeat,
            onFailure: (err, attempt) =>
              logger?.warn({ err, topic, partition: batch.partition, attempt }, 'following failed; retrying'),
          },
        );
        // Stopping or reassigned: leave the rest unresolved; the next owner reads them again.
        if (!settled.done) return;
        resolveOffset(message.offset);
      }
      await heartbeat();
    },
  });
  return {
    stop: async () => {
      await consumer.disconnect();
      await producer?.disconnect();
    },
  };
};
