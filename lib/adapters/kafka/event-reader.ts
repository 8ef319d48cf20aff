import type { Kafka } from './types';
import { HEADERS, headerString, headersToObject } from './headers';
import { partitionForKey } from './murmur2';
import { readPartition } from './partition-reader';
import type { EventCodec } from '../../../schemas/event-codec';

export interface StoredEvent {
  aggregateId: string;
  version: number;
  type: string;
  schemaId: number;
  schemaVersion: number;
  partition: number;
  offset: string;
  headers: Record<string, string>;
  data: unknown;
}

/**
 * One aggregate's history, decoded, for the admin API. The aggregate lives on one partition,
 * so only that partition is scanned; this is an operator tool, not a query path.
 */
export const readAggregateEvents = async <E extends { type: string; data: unknown }>(
  kafka: Kafka,
  codec: EventCodec<E>,
  topic: string,
  aggregateId: string,
): Promise<StoredEvent[]> => {
  const admin = kafka.admin();
  await admin.connect();
  let partitions: number;
  try {
    partitions = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions.length ?? 0;
  } finally {
    await admin.disconnect();
  }
  const partition = partitionForKey(aggregateId, partitions);
  const found: StoredEvent[] = [];
  await readPartition(kafka, {
    topic,
    partition,
    onMessage: async (message) => {
      if (headerString(message.headers, HEADERS.aggregateId) !== aggregateId || !message.value) return;
      const type = headerString(message.headers, HEADERS.eventType) ?? 'unknown';
      const decoded = await codec.decode(type, message.value);
      found.push({
        aggregateId,
        version: Number(headerString(message.headers, HEADERS.aggregateVersion)),
        type,
        schemaId: decoded.schemaId,
        schemaVersion: decoded.schemaVersion,
        partition,
        offset: message.offset,
        headers: headersToObject(message.headers),
        data: decoded.event.data,
      });
    },
  });
  return found.sort((a, b) => a.version - b.version);
};
