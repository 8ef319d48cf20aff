import type { Kafka, KafkaMessage, Message } from '../adapters/kafka/types';
import { ValidationError } from '../errors';
import { sendAll } from '../adapters/kafka/chunked-send';
import { HEADERS, headerString } from '../adapters/kafka/headers';
import type { EncodedEvent, EventCodec } from '../../schemas/event-codec';
import { readRange, watermarks, type Offsets } from '../adapters/kafka/event-range-reader';
import { resumeOffsets } from './target-position';
import { upcastRecord } from './upcast-record';

export interface CopyCounts {
  /** Records written to the target by this pass. */
  copied: number;
  /** Records of the source this pass copies: those after the target's last copy, up to the source's end at the start. */
  total: number;
  /** Of `copied`, records kept byte for byte because no schema reads them (readers dead-letter them as before). */
  undecodable: number;
}

export interface CopyPassOptions<E extends { type: string }> {
  kafka: Kafka;
  sourceTopic: string;
  targetTopic: string;
  /** Reads the source with its writer schemas; resolves and upcasts to today's event. */
  source: Pick<EventCodec<E>, 'decode'>;
  /** Writes with the latest schema registered under the target's subjects. */
  target: Pick<EventCodec<E>, 'encode'>;
  /** One per migration: a second pass of the same migration fences the first. */
  transactionalId: string;
  onProgress(counts: CopyCounts): Promise<void>;
}

const reencoded = async <E extends { type: string }>(
  options: CopyPassOptions<E>,
  message: KafkaMessage,
): Promise<EncodedEvent | undefined> => {
  const eventType = headerString(message.headers, HEADERS.eventType);
  if (message.value === null || eventType === undefined) return undefined;
  try {
    const { event } = await options.source.decode(eventType, message.value);
    return options.target.encode(event);
  } catch (err) {
    // The same bytes fail the same way every time; anything else (the registry away) fails the pass.
    if (err instanceof ValidationError) return undefined;
    throw err;
  }
};

export interface CopyPass {
  /**
   * Copies, then releases the producer; resolves with this pass's counts and, per source partition,
   * the offset before which every record is now in the target.
   */
  run(): Promise<{ counts: CopyCounts; copiedBefore: Offsets }>;
  /** Releases the producer without copying (a pass that will not run). */
  close(): Promise<void>;
}

/**
 * Opens one pass of an upcast migration: the transactional producer is initialised (which aborts
 * what a crashed pass left open) and the target's committed tail read, so a target with other
 * content is refused (ForeignTargetError) before anything is written. `run` then copies every
 * source record after the target's last copy, up to the source's end at that moment, re-encoded at
 * the latest schema version, to the same partition in source order, one transaction per fetched
 * batch. A pass that stops half way leaves whole batches and the next resumes after them, so a
 * record is never copied twice. The source is only read.
 */
export const openCopyPass = async <E extends { type: string }>(
  options: CopyPassOptions<E>,
): Promise<CopyPass> => {
  const { kafka, sourceTopic, targetTopic } = options;
  const producer = kafka.producer({
    transactionalId: options.transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  let from: Offsets;
  try {
    from = await resumeOffsets(kafka, { source: sourceTopic, target: targetTopic });
  } catch (err) {
    await producer.disconnect();
    throw err;
  }

  const copy = async (): Promise<{ counts: CopyCounts; copiedBefore: Offsets }> => {
    const { high: to } = await watermarks(kafka, [sourceTopic]);
    const counts: CopyCounts = { copied: 0, total: 0, undecodable: 0 };
    await readRange(kafka, {
      topics: [sourceTopic],
      from,
      to,
      onBatch: async (_topic, _partition, messages) => {
        counts.total += messages.length;
      },
    });
    await options.onProgress(counts);

    await readRange(kafka, {
      topics: [sourceTopic],
      from,
      to,
      onBatch: async (topic, partition, messages) => {
        const records: Message[] = [];
        let undecodable = 0;
        for (const message of messages) {
          const encoded = await reencoded(options, message);
          if (encoded === undefined && message.value !== null) undecodable++;
          records.push(upcastRecord(message, { topic, partition, offset: BigInt(message.offset) }, encoded));
        }
        const transaction = await producer.transaction();
        try {
          await sendAll(transaction, [{ topic: targetTopic, messages: records }]);
          await transaction.commit();
        } catch (err) {
          await transaction.abort().catch(() => undefined);
          throw err;
        }
        counts.copied += records.length;
        counts.undecodable += undecodable;
        // A transaction that committed between the count and the copy is copied too.
        counts.total = Math.max(counts.total, counts.copied);
        await options.onProgress(counts);
      },
    });
    return { counts, copiedBefore: to };
  };

  return {
    run: async () => {
      try {
        return await copy();
      } finally {
        await producer.disconnect();
      }
    },
    close: () => producer.disconnect(),
  };
};
