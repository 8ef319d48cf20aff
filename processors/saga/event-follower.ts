import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { HEADERS, headerString } from '../../lib/kafka/headers';

export interface FollowedEvent {
  aggregateId: string;
  version: number;
  type: string;
  data: unknown;
  correlationId: string;
  occurredAt: string;
}

/**
 * Follows an events topic from the beginning into memory, with a group of its own that never
 * commits: the timers built on it (deadlines, tracking polls) rebuild their view on every start
 * and lose nothing to a crash. The commands they send carry deterministic ids, so a resend
 * after a restart is deduplicated by the command processor.
 */
export const followEvents = async (
  kafka: Kafka,
  topic: string,
  decode: (type: string, value: Buffer) => Promise<{ type: string; data: unknown }>,
  onEvent: (event: FollowedEvent) => void,
): Promise<{ stop(): Promise<void> }> => {
  const consumer = kafka.consumer({
    groupId: `follower-${topic}-${randomUUID()}`,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      const type = headerString(message.headers, HEADERS.eventType);
      if (!type || !message.value) return;
      const { data } = await decode(type, message.value);
      onEvent({
        aggregateId: headerString(message.headers, HEADERS.aggregateId) ?? '',
        version: Number(headerString(message.headers, HEADERS.aggregateVersion)),
        type,
        data,
        correlationId: headerString(message.headers, HEADERS.correlationId) ?? '',
        occurredAt: headerString(message.headers, HEADERS.occurredAt) ?? '',
      });
    },
  });
  return { stop: () => consumer.disconnect() };
};
