import type { KafkaMessage, Message } from './types';
import { HEADERS } from './headers';

/**
 * A record we cannot process, kept whole with why, where it came from and how often it was
 * tried, so it can be inspected and re-driven; the partition moves on (G7).
 */
export const deadLetterMessage = (
  message: KafkaMessage,
  source: { topic: string; partition: number; offset: string },
  reason: string,
  error: unknown,
  attempts = 1,
): Message => ({
  key: message.key,
  value: message.value,
  headers: {
    ...message.headers,
    [HEADERS.deadLetterReason]: reason.slice(0, 1_000),
    [HEADERS.deadLetterSource]: `${source.topic}/${source.partition}/${source.offset}`,
    [HEADERS.deadLetterAttempts]: String(attempts),
    [HEADERS.deadLetterStack]: (error instanceof Error
      ? (error.stack ?? error.message)
      : String(error)
    ).slice(0, 4_000),
  },
});
