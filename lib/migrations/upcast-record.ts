import type { IHeaders, KafkaMessage, Message } from '../adapters/kafka/types';
import { HEADERS, headerString } from '../adapters/kafka/headers';
import type { EncodedEvent } from '../../schemas/event-codec';

/**
 * Where a copied record came from, `<topic>/<partition>/<offset>` like `dlq-source`. A migration
 * resumes after the last source offset its target holds, and tells its own records from any
 * other writer's by it.
 */
export const UPCAST_SOURCE_HEADER = 'upcast-source';

export interface UpcastSource {
  topic: string;
  partition: number;
  offset: bigint;
}

export const formatSource = ({ topic, partition, offset }: UpcastSource): string =>
  `${topic}/${partition}/${offset}`;

export const parseSource = (headers: IHeaders | undefined): UpcastSource | undefined => {
  const value = headerString(headers, UPCAST_SOURCE_HEADER);
  const match = value === undefined ? null : /^(.+)\/(\d+)\/(\d+)$/.exec(value);
  if (!match) return undefined;
  return { topic: match[1] as string, partition: Number(match[2]), offset: BigInt(match[3] as string) };
};

/**
 * The target record of one source record: same key, same partition, same headers, with the
 * value re-encoded (`encoded`) and the schema headers saying so; a record kept as it was
 * (a tombstone, or bytes no schema reads) passes `undefined`.
 */
export const upcastRecord = (
  message: KafkaMessage,
  source: UpcastSource,
  encoded: EncodedEvent | undefined,
): Message => {
  const headers: IHeaders = { ...(message.headers ?? {}) };
  if (encoded !== undefined) {
    headers[HEADERS.schemaId] = String(encoded.schemaId);
    headers[HEADERS.schemaVersion] = String(encoded.schemaVersion);
  }
  headers[UPCAST_SOURCE_HEADER] = formatSource(source);
  return {
    key: message.key,
    value: encoded?.value ?? message.value,
    partition: source.partition,
    headers,
    timestamp: message.timestamp,
  };
};
