/*
 * Kafka's murmur2, bit for bit as `org.apache.kafka.common.utils.Utils.murmur2` computes it, so
 * that this service, the Java clients and Kafka's tools put a key on the same partition.
 * Java ints wrap at 32 bits: Math.imul multiplies with that wrap, `| 0` re-signs a result,
 * and `>>>` is Java's unsigned shift.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** The signed 32-bit hash Java's `Utils.murmur2(byte[])` returns. */
export const murmur2 = (data: Uint8Array): number => {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const whole = length & ~3;

  for (let i = 0; i < whole; i += 4) {
    let k =
      (data[i] as number) |
      ((data[i + 1] as number) << 8) |
      ((data[i + 2] as number) << 16) |
      ((data[i + 3] as number) << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }

  // Java's switch falls through from 3 to 1; each byte is mixed in before the one below it.
  const rest = length & 3;
  if (rest === 3) h ^= (data[whole + 2] as number) << 16;
  if (rest >= 2) h ^= (data[whole + 1] as number) << 8;
  if (rest >= 1) {
    h ^= data[whole] as number;
    h = Math.imul(h, M);
  }

  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
};

/** Java's `Utils.toPositive`: clears the sign bit (not Math.abs, which overflows on MIN_VALUE). */
export const toPositive = (n: number): number => n & 0x7fffffff;

/** The partition Kafka's default partitioner picks for this aggregate id as key. */
export const partitionForKey = (aggregateId: string, partitions: number): number => {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  }
  return toPositive(murmur2(Buffer.from(aggregateId, 'utf8'))) % partitions;
};

/**
 * The aggregate id inside an event record key `<aggregateId>:<version>`. Splits at the last ':'
 * because an id may itself contain ':'; a key without ':' (commands, snapshots) is the id itself.
 */
export const aggregateIdOfEventKey = (key: string): string => {
  const colon = key.lastIndexOf(':');
  return colon === -1 ? key : key.slice(0, colon);
};
