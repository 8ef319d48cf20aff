import type { Kafka, KafkaMessage } from '../adapters/kafka/types';
import { InvalidStateError } from '../errors';
import { partitionKey, readRange, watermarks, type Offsets } from '../adapters/kafka/event-range-reader';
import { parseSource } from './upcast-record';

/** Records read back from the end of a target partition to find its last one (markers sit between). */
const TAIL_WINDOW = 64n;

/** The target holds records this migration did not write (readers were switched to it, or it is another topic). */
export class ForeignTargetError extends InvalidStateError {}

const lastRecord = async (kafka: Kafka, topic: string, partition: number, from: bigint, to: bigint) => {
  let last: KafkaMessage | undefined;
  const key = partitionKey(topic, partition);
  await readRange(kafka, {
    topics: [topic],
    from: new Map([[key, from]]),
    to: new Map([[key, to]]),
    onBatch: async (_topic, _partition, messages) => {
      last = messages.at(-1) ?? last;
    },
  });
  return last;
};

/**
 * Where a copy into `target` resumes: per partition, the source offset after the last record the
 * migration copied there (0 for an empty partition). Records are copied in source order inside
 * transactions, so the committed tail says how far every earlier pass got; an aborted pass left
 * nothing a read_committed reader sees. Call it after the migration's transactional producer is
 * initialised, which aborts a crashed pass's open transaction. Throws ForeignTargetError when a
 * partition ends with a record that is not a copy of the same partition of `source`.
 */
export const resumeOffsets = async (
  kafka: Kafka,
  { source, target }: { source: string; target: string },
): Promise<Offsets> => {
  const { low, high } = await watermarks(kafka, [target]);
  const resume: Offsets = new Map();
  for (const [key, end] of high) {
    const partition = Number(key.slice(key.lastIndexOf(':') + 1));
    const start = low.get(key) ?? 0n;
    if (end <= start) {
      resume.set(partitionKey(source, partition), 0n);
      continue;
    }
    const windowStart = end - TAIL_WINDOW > start ? end - TAIL_WINDOW : start;
    const last =
      (await lastRecord(kafka, target, partition, windowStart, end)) ??
      (windowStart > start ? await lastRecord(kafka, target, partition, start, end) : undefined);
    const copied = last === undefined ? undefined : parseSource(last.headers);
    if (last !== undefined && (copied?.topic !== source || copied.partition !== partition)) {
      throw new ForeignTargetError(
        `${target} partition ${partition} ends with a record that is not a copy of ${source}: ` +
          'it has other content, or readers and writers were already switched to it',
      );
    }
    resume.set(partitionKey(source, partition), copied === undefined ? 0n : copied.offset + 1n);
  }
  return resume;
};
