import type { Admin } from './types';

export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
  /** Where the group stands in the partition: its committed offset, or the log start if none. */
  position: number;
}

/**
 * How far `groupId` is behind on `topics`, per partition, from the broker's committed offsets
 * and log ends (so a group whose consumer is stuck or gone still shows its lag). A partition the
 * group never committed counts everything still in it.
 */
export const readGroupLag = async (
  admin: Admin,
  groupId: string,
  topics: readonly string[],
): Promise<PartitionLag[]> => {
  if (topics.length === 0) return [];
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const lags: PartitionLag[] = [];
  for (const { topic, partitions } of committed) {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o]));
    for (const { partition, offset } of partitions) {
      const end = ends.get(partition);
      if (!end) continue;
      const high = BigInt(end.high);
      const from = offset === '-1' ? BigInt(end.low) : BigInt(offset);
      lags.push({ topic, partition, lag: high > from ? Number(high - from) : 0, position: Number(from) });
    }
  }
  return lags;
};
