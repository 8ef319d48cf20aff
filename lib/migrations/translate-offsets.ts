import type { Kafka } from '../adapters/kafka/types';
import { partitionKey, readRange, watermarks, type Offsets } from '../adapters/kafka/event-range-reader';
import { parseSource } from './upcast-record';

export interface OffsetTranslation {
  /** Groups whose committed offsets on the source now have their counterparts on the target. */
  translated: string[];
  /**
   * Groups left alone: with members (they still read the source and move on), or past what the
   * pass copied (records written since it began). Stop them and the writers, then ask again.
   */
  reading: string[];
}

/** Committed source offsets of the consumer groups that have any, by group. */
const committedOn = async (kafka: Kafka, topic: string): Promise<Map<string, Map<number, bigint>>> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.listGroups();
    const found = new Map<string, Map<number, bigint>>();
    for (const { groupId, protocolType } of groups) {
      // A group that only ever had offsets committed for it (an operator's reset) has no protocol type.
      if (protocolType !== 'consumer' && protocolType !== '') continue;
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const committed = (offsets?.partitions ?? []).filter((p) => BigInt(p.offset) >= 0n);
      if (committed.length > 0)
        found.set(groupId, new Map(committed.map((p) => [p.partition, BigInt(p.offset)])));
    }
    return found;
  } finally {
    await admin.disconnect();
  }
};

/**
 * For each wanted source offset, the target offset a reader resumes at: the first copy of a
 * record at or after it (offsets differ between the topics: transaction markers and compaction
 * take offsets), or the target's end when everything before it is copied.
 */
const targetOffsets = async (
  kafka: Kafka,
  target: string,
  wanted: Map<number, bigint[]>,
): Promise<Map<string, bigint>> => {
  const { low, high } = await watermarks(kafka, [target]);
  const found = new Map<string, bigint>();
  const pending = new Map(
    [...wanted].map(([p, list]) => [p, [...new Set(list)].sort((a, b) => (a < b ? -1 : 1))]),
  );
  await readRange(kafka, {
    topics: [target],
    from: new Map(
      [...wanted.keys()].map((p) => [partitionKey(target, p), low.get(partitionKey(target, p)) ?? 0n]),
    ),
    to: new Map(
      [...wanted.keys()].map((p) => [partitionKey(target, p), high.get(partitionKey(target, p)) ?? 0n]),
    ),
    onBatch: async (_topic, partition, messages) => {
      const list = pending.get(partition) ?? [];
      for (const message of messages) {
        const source = parseSource(message.headers);
        while (source !== undefined && list.length > 0 && (list[0] as bigint) <= source.offset) {
          found.set(`${partition}:${list.shift() as bigint}`, BigInt(message.offset));
        }
      }
    },
  });
  for (const [partition, list] of pending) {
    for (const offset of list)
      found.set(`${partition}:${offset}`, high.get(partitionKey(target, partition)) ?? 0n);
  }
  return found;
};

/**
 * Carries every stopped consumer group's position on the source over to the target, so a reader
 * restarted on the target goes on where it stopped instead of reading the whole history again
 * (the saga would react to it twice). A group is only ever moved forward on the target: one that
 * already reads it keeps its place. Groups with members are left alone and reported.
 */
export const translateGroupOffsets = async (
  kafka: Kafka,
  {
    source,
    target,
    copiedBefore,
  }: {
    source: string;
    target: string;
    /** Per source partition key, the end of what is copied. */ copiedBefore: Offsets;
  },
): Promise<OffsetTranslation> => {
  const committed = await committedOn(kafka, source);
  if (committed.size === 0) return { translated: [], reading: [] };
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([...committed.keys()]);
    const ahead = (offsets: Map<number, bigint>): boolean =>
      [...offsets].some(
        ([partition, offset]) => offset > (copiedBefore.get(partitionKey(source, partition)) ?? 0n),
      );
    const reading = groups
      .filter((g) => g.members.length > 0 || ahead(committed.get(g.groupId) ?? new Map()))
      .map((g) => g.groupId);
    const stopped = [...committed].filter(([groupId]) => !reading.includes(groupId));
    const wanted = new Map<number, bigint[]>();
    for (const [, offsets] of stopped) {
      for (const [partition, offset] of offsets)
        wanted.set(partition, [...(wanted.get(partition) ?? []), offset]);
    }
    const translatedOffsets =
      wanted.size === 0 ? new Map<string, bigint>() : await targetOffsets(kafka, target, wanted);
    const translated: string[] = [];
    for (const [groupId, offsets] of stopped) {
      const [onTarget] = await admin.fetchOffsets({ groupId, topics: [target] });
      const current = new Map((onTarget?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
      const partitions = [...offsets].map(([partition, offset]) => {
        const translatedOffset = translatedOffsets.get(`${partition}:${offset}`) ?? 0n;
        const already = current.get(partition) ?? -1n;
        return { partition, offset: String(already > translatedOffset ? already : translatedOffset) };
      });
      await admin.setOffsets({ groupId, topic: target, partitions });
      translated.push(groupId);
    }
    return { translated, reading };
  } finally {
    await admin.disconnect();
  }
};
