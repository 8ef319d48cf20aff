import type { Message, RecordMetadata, TopicMessages, Transaction } from './types';

/** Adds to the list under a key without copying it: these run once per record produced. */
export const append = <K, V>(map: Map<K, V[]>, key: K, value: V): void => {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
};

/** Stay well under the broker's default max.message.bytes (1 MiB) for one produce batch. */
export const MAX_BATCH_BYTES = 512 * 1024;

const sizeOf = (m: Message): number => {
  const bytes = (v: unknown): number =>
    v === null || v === undefined ? 0 : Buffer.byteLength(v as string | Buffer);
  const headers = Object.entries(m.headers ?? {}).reduce((n, [k, v]) => n + k.length + bytes(v), 0);
  return bytes(m.key) + bytes(m.value) + headers + 64;
};

/**
 * Sends records for several topics inside a transaction with as few produce requests as
 * possible (one, usually), yet never a batch too large for the broker: a backlog or a
 * checkpoint of thousands of aggregates is sliced, since MESSAGE_TOO_LARGE is not retriable.
 * Slices go in order, so the first metadata entry per partition holds the lowest offset.
 */
export const sendAll = async (
  transaction: Transaction,
  topicMessages: TopicMessages[],
  maxBytes = MAX_BATCH_BYTES,
): Promise<RecordMetadata[]> => {
  const written: RecordMetadata[] = [];
  let slice = new Map<string, Message[]>();
  let bytes = 0;
  const flush = async (): Promise<void> => {
    if (slice.size === 0) return;
    const batch = [...slice].map(([topic, messages]) => ({ topic, messages }));
    written.push(...(await transaction.sendBatch({ topicMessages: batch, acks: -1 })));
    slice = new Map();
    bytes = 0;
  };
  for (const { topic, messages } of topicMessages) {
    for (const message of messages) {
      const size = sizeOf(message);
      if (bytes + size > maxBytes) await flush();
      append(slice, topic, message);
      bytes += size;
    }
  }
  await flush();
  return written;
};

/** The lowest base offset written to a topic, from `sendAll`'s metadata. */
export const firstOffset = (written: RecordMetadata[], topic: string): string | undefined =>
  written
    .filter((m) => m.topicName === topic && m.baseOffset !== undefined)
    .map((m) => BigInt(m.baseOffset as string))
    .reduce<bigint | undefined>((min, o) => (min === undefined || o < min ? o : min), undefined)
    ?.toString();
