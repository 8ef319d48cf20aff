import type { Kafka, KafkaMessage } from '../../lib/adapters/kafka/types';
import { uniqueName } from './env';

/**
 * Reads a topic from the beginning with a fresh consumer group until `done` says the
 * collected messages are complete, or fails after `timeoutMs` with what it saw.
 */
export const consumeUntil = async (
  kafka: Kafka,
  topic: string,
  done: (messages: KafkaMessage[]) => boolean,
  options: { readUncommitted?: boolean; timeoutMs?: number } = {},
): Promise<KafkaMessage[]> => {
  const consumer = kafka.consumer({
    groupId: uniqueName('test-reader'),
    readUncommitted: options.readUncommitted ?? false,
  });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out reading ${topic}; saw ${messages.length} messages`)),
        options.timeoutMs ?? 30_000,
      );
      void consumer.run({
        eachMessage: async ({ message }) => {
          messages.push(message);
          if (done(messages)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
};
