import type { Admin, Kafka, KafkaMessage } from './types';
import { aggregatePartitioner } from './aggregate-partitioner';
import { HEADERS, headerString, headersToObject } from './headers';
import { readPartition } from './partition-reader';

export interface DeadLetter {
  partition: number;
  message: KafkaMessage;
}

/**
 * A topic's offsets, asked again while its partitions have no leader yet: a topic created a moment
 * ago, or a broker that just restarted, answers NOT_LEADER for a while, which kafkajs's admin
 * does not retry itself.
 */
const offsetsOf = async (admin: Admin, topic: string, attempts = 20) => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (err) {
      if (attempt >= attempts || (err as { retriable?: boolean }).retriable !== true) throw err;
      await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * attempt)));
    }
  }
};

/** Every record of a dead-letter topic, partition by partition, up to its current end. */
export const readDeadLetters = async (kafka: Kafka, topic: string): Promise<DeadLetter[]> => {
  const admin = kafka.admin();
  await admin.connect();
  let partitions: number[];
  try {
    // A group whose topic was never created (a deployment older than the group) has none.
    if (!(await admin.listTopics()).includes(topic)) return [];
    partitions = (await offsetsOf(admin, topic)).map((o) => o.partition).sort((a, b) => a - b);
  } finally {
    await admin.disconnect();
  }
  const found: DeadLetter[] = [];
  for (const partition of partitions) {
    await readPartition(kafka, {
      topic,
      partition,
      onMessage: (message) => void found.push({ partition, message }),
    });
  }
  return found;
};

/**
 * Sends dead letters back to the topic they came from (the `dlq-source` header), with their
 * key, value and headers, minus the dead-letter headers but the attempt count, plus where they
 * were re-driven from. Commands keep their command ids, so one applied before is not applied twice.
 */
export const redriveDeadLetters = async (
  kafka: Kafka,
  deadLetterTopic: string,
  letters: DeadLetter[],
): Promise<{ partition: number; offset: string; to: string }[]> => {
  const producer = kafka.producer({ createPartitioner: aggregatePartitioner, idempotent: true });
  await producer.connect();
  const done: { partition: number; offset: string; to: string }[] = [];
  try {
    for (const d of letters) {
      const source = headerString(d.message.headers, HEADERS.deadLetterSource)?.split('/')[0];
      if (!source)
        throw new Error(`${d.partition}:${d.message.offset} has no ${HEADERS.deadLetterSource} header`);
      const headers = Object.fromEntries(
        Object.entries(headersToObject(d.message.headers)).filter(
          ([k]) => !k.startsWith('dlq-') || k === HEADERS.deadLetterAttempts,
        ),
      );
      await producer.send({
        topic: source,
        messages: [
          {
            key: d.message.key,
            value: d.message.value,
            headers: {
              ...headers,
              'dlq-redriven-from': `${deadLetterTopic}/${d.partition}/${d.message.offset}`,
            },
          },
        ],
      });
      done.push({ partition: d.partition, offset: d.message.offset, to: source });
    }
  } finally {
    await producer.disconnect();
  }
  return done;
};
