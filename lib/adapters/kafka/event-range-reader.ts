import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from './types';
import { DependencyError } from '../../errors';

/** Offsets by `topic:partition`. */
export type Offsets = Map<string, bigint>;

export const partitionKey = (topic: string, partition: number): string => `${topic}:${partition}`;

/**
 * Where every partition of `topics` starts (`low`, after compaction/retention) and ends now
 * (`high`: the last stable offset, before any transaction still open or not yet marked).
 */
export const watermarks = async (
  kafka: Kafka,
  topics: readonly string[],
): Promise<{ low: Offsets; high: Offsets }> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const low: Offsets = new Map();
    const high: Offsets = new Map();
    for (const topic of topics) {
      for (const o of await admin.fetchTopicOffsets(topic)) {
        low.set(partitionKey(topic, o.partition), BigInt(o.low));
        high.set(partitionKey(topic, o.partition), BigInt(o.high));
      }
    }
    return { low, high };
  } finally {
    await admin.disconnect();
  }
};

export interface ReadRangeOptions {
  topics: readonly string[];
  /** First offset to read per partition (inclusive). */
  from: Offsets;
  /** Offset to stop at per partition (exclusive); a partition with from ≥ to is not read. */
  to: Offsets;
  /** One fetched batch of one partition, in offset order; awaited before the next. */
  onBatch(topic: string, partition: number, messages: KafkaMessage[]): Promise<void>;
  /** Called with the partition and the last offset reached (markers included). */
  onPosition?(key: string, offset: bigint): void;
  timeoutMs?: number;
}

/**
 * Reads committed records of several topics between two offset maps with a throwaway group
 * (kafkajs has no `assign()`), like partition-reader.ts but for every partition at
 * once: one group join instead of one per partition. A partition is done when a batch, which
 * may hold only transaction markers, reaches `to - 1`.
 */
export const readRange = async (kafka: Kafka, options: ReadRangeOptions): Promise<void> => {
  const pending = new Set(
    [...options.to].filter(([key, to]) => (options.from.get(key) ?? 0n) < to).map(([key]) => key),
  );
  if (pending.size === 0) return;
  const consumer = kafka.consumer({
    groupId: `projection-replay-${randomUUID()}`,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: 4 * 1024 * 1024,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  try {
    for (const topic of options.topics) await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new DependencyError('kafka', `replay read timed out; left: ${[...pending].join(', ')}`)),
        options.timeoutMs ?? 30 * 60_000,
      );
      const finish = (key: string): void => {
        if (!pending.delete(key)) return;
        const [topic, partition] = [
          key.slice(0, key.lastIndexOf(':')),
          Number(key.slice(key.lastIndexOf(':') + 1)),
        ];
        consumer.pause([{ topic, partitions: [partition] }]);
        if (pending.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      let failed = false;
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const key = partitionKey(payload.topic, payload.partition);
        const last = BigInt(payload.lastOffset);
        options.onPosition?.(key, last);
        if (!failed && last >= (options.to.get(key) ?? 0n) - 1n) finish(key);
      });
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const key = partitionKey(batch.topic, batch.partition);
            if (failed || !pending.has(key)) return;
            const from = options.from.get(key) ?? 0n;
            const to = options.to.get(key) ?? 0n;
            const inRange = batch.messages.filter((m) => BigInt(m.offset) >= from && BigInt(m.offset) < to);
            try {
              if (inRange.length > 0) await options.onBatch(batch.topic, batch.partition, inRange);
            } catch (err) {
              failed = true;
              clearTimeout(timer);
              reject(err);
            }
          },
        })
        .catch(reject);
      for (const topic of options.topics) {
        const idle = [...options.to.keys()]
          .filter((k) => k.startsWith(`${topic}:`) && !pending.has(k))
          .map((k) => Number(k.slice(topic.length + 1)));
        if (idle.length > 0) consumer.pause([{ topic, partitions: idle }]);
      }
      for (const key of pending) {
        const from = options.from.get(key) ?? 0n;
        const at = key.lastIndexOf(':');
        if (from > 0n)
          consumer.seek({
            topic: key.slice(0, at),
            partition: Number(key.slice(at + 1)),
            offset: from.toString(),
          });
      }
    });
  } finally {
    await consumer.disconnect();
  }
};
