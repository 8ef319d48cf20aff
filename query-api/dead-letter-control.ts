import type { Kafka } from '../lib/adapters/kafka/types';
import { NotFoundError } from '../lib/errors';
import { readDeadLetters, redriveDeadLetters, type DeadLetter } from '../lib/adapters/kafka/dead-letters';
import { HEADERS, headerString, headersToObject } from '../lib/adapters/kafka/headers';
import type { TopicNames } from '../topics/names';

/** One dead letter as the admin routes show it: where it came from, why, and the record itself. */
export interface DeadLetterRecord {
  partition: number;
  offset: string;
  at: string;
  source?: string;
  attempts?: number;
  reason?: string;
  key?: string;
  headers: Record<string, string>;
  /** The value as UTF-8 text (commands and JSON payloads); binary Avro shows as replacement characters. */
  value: string;
}

export interface RedriveResult {
  partition: number;
  offset: string;
  to: string;
}

/** The dead-letter topics of every consumer group, for the admin routes; injected so tests may fake it. */
export interface DeadLetterControl {
  groups(): readonly string[];
  list(group: string): Promise<DeadLetterRecord[]>;
  redrive(group: string, partition: number, offset: string): Promise<RedriveResult>;
}

const recordOf = (d: DeadLetter): DeadLetterRecord => {
  const h = d.message.headers;
  const attempts = headerString(h, HEADERS.deadLetterAttempts);
  return {
    partition: d.partition,
    offset: d.message.offset,
    at: new Date(Number(d.message.timestamp)).toISOString(),
    ...(headerString(h, HEADERS.deadLetterSource) !== undefined
      ? { source: headerString(h, HEADERS.deadLetterSource) }
      : {}),
    ...(attempts !== undefined && /^\d+$/.test(attempts) ? { attempts: Number(attempts) } : {}),
    ...(headerString(h, HEADERS.deadLetterReason) !== undefined
      ? { reason: headerString(h, HEADERS.deadLetterReason) }
      : {}),
    ...(d.message.key ? { key: d.message.key.toString() } : {}),
    headers: headersToObject(h),
    value: d.message.value?.toString('utf8') ?? '',
  };
};

/** Reads the topics each time it is asked: dead letters are few, and an operator wants them current. */
export function createDeadLetterControl({
  kafka,
  topics,
  groups,
}: {
  kafka: Kafka;
  topics: TopicNames;
  groups: readonly string[];
}): DeadLetterControl {
  return {
    groups: () => groups,
    async list(group) {
      return (await readDeadLetters(kafka, topics.deadLetter(group))).map(recordOf);
    },
    async redrive(group, partition, offset) {
      const topic = topics.deadLetter(group);
      const letter = (await readDeadLetters(kafka, topic)).find(
        (d) => d.partition === partition && d.message.offset === offset,
      );
      if (!letter) throw new NotFoundError(`no dead letter of ${group} at ${partition}:${offset}`);
      const [result] = await redriveDeadLetters(kafka, topic, [letter]);
      return result as RedriveResult;
    },
  };
}
