import type { ICustomPartitioner, PartitionerArgs } from './types';
import { ValidationError } from '../../errors';
import { murmur2, toPositive } from './murmur2';

export interface AggregatePartitionerOptions {
  /**
   * Topics whose keys are `<aggregateId>:<version>`. Deciding by topic rather than by the shape
   * of the key keeps a command keyed `tenant:order-1` whole, on the same partition as that
   * order's events, where a key-shape rule would hash only `tenant`.
   */
  isEventTopic?: (topic: string) => boolean;
}

const COLON = 0x3a;

const keyBytes = (key: Buffer | string): Buffer => (typeof key === 'string' ? Buffer.from(key, 'utf8') : key);

/** Strips `:<version>` at the byte level, so a Buffer key is never re-encoded on the way. */
const aggregateIdBytes = (key: Buffer): Buffer => {
  const colon = key.lastIndexOf(COLON);
  return colon === -1 ? key : key.subarray(0, colon);
};

/**
 * A kafkajs partitioner that hashes only the aggregate id with Java's murmur2, so every record of
 * one aggregate (events `<id>:<version>`, commands and snapshots keyed `<id>`) lands on the same
 * partition of co-partitioned topics, and Java tools agree. An explicit `message.partition`
 * wins, as in kafkajs' default. A keyless record is refused: on these topics it would break G1.
 */
export const createAggregatePartitioner =
  ({
    isEventTopic = (topic) => topic.endsWith('.events'),
  }: AggregatePartitionerOptions = {}): ICustomPartitioner =>
  () =>
  ({ topic, partitionMetadata, message }: PartitionerArgs): number => {
    if (message.partition !== undefined && message.partition !== null) return message.partition;
    if (message.key === undefined || message.key === null) {
      throw new ValidationError(`record for ${topic} has no key; aggregate topics need one`, [
        { field: 'key', message: 'required' },
      ]);
    }
    const partitions = partitionMetadata.length;
    if (partitions === 0) {
      throw new ValidationError(`no partition metadata for ${topic}`, [{ field: 'topic', message: topic }]);
    }
    const bytes = keyBytes(message.key);
    return toPositive(murmur2(isEventTopic(topic) ? aggregateIdBytes(bytes) : bytes)) % partitions;
  };

/** The partitioner with the default rule: topics named `*.events` carry `<id>:<version>` keys. */
export const aggregatePartitioner: ICustomPartitioner = createAggregatePartitioner();
