import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from './types';
import { DependencyError } from '../../errors';

export interface ReadPartitionOptions {
  topic: string;
  partition: number;
  fromOffset?: string;
  onMessage: (message: KafkaMessage) => void | Promise<void>;
  timeoutMs?: number;
}

/**
 * Reads one partition from an offset up to its current last stable offset, committed records only:
 * kafkajs's admin lists offsets read_committed, so a transaction whose markers have not reached the
 * partition yet (its commit answered a moment ago) is after the end, not read.
 * kafkajs has no `assign()`, so a throwaway consumer group reads the topic with every other
 * partition paused; completion is the batch instrumentation event reaching the end offset
 * taken at the start, which also fires for batches holding only transaction markers.
 * Returns the offset after the last record read.
 */
export const readPartition = async (kafka: Kafka, options: ReadPartitionOptions): Promise<string> => {
  const { topic, partition } = options;
  const from = BigInt(options.fromOffset ?? '0');
  const admin = kafka.admin();
  await admin.connect();
  let high: bigint;
  let partitions: number[];
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    partitions = offsets.map((o) => o.partition);
    high = BigInt(offsets.find((o) => o.partition === partition)?.high ?? '0');
  } finally {
    await admin.disconnect();
  }
  if (high <= from) return from.toString();

  const consumer = kafka.consumer({
    groupId: `reader-${topic}-${partition}-${randomUUID()}`,
    readUncommitted: false,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new DependencyError('kafka', `reading ${topic}[${partition}] from ${from} to ${high} timed out`, {
              retriable: true,
            }),
          ),
        options.timeoutMs ?? 120_000,
      );
      let failed = false;
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (
          payload.topic === topic &&
          payload.partition === partition &&
          BigInt(payload.lastOffset) >= high - 1n
        ) {
          clearTimeout(timer);
          resolve();
        }
      });
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            if (batch.partition !== partition || failed) return;
            for (const message of batch.messages) {
              const offset = BigInt(message.offset);
              if (offset < from || offset >= high) continue;
              try {
                await options.onMessage(message);
              } catch (err) {
                failed = true;
                clearTimeout(timer);
                reject(err);
                return;
              }
            }
          },
        })
        .catch(reject);
      const others = partitions.filter((p) => p !== partition);
      if (others.length > 0) consumer.pause([{ topic, partitions: others }]);
      if (from > 0n) consumer.seek({ topic, partition, offset: from.toString() });
    });
  } finally {
    await consumer.disconnect();
  }
  return high.toString();
};
