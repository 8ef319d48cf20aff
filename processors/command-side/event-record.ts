import type { Message } from '../../lib/adapters/kafka/types';
import { HEADERS } from '../../lib/adapters/kafka/headers';
import { traceHeaders } from '../../lib/observability/tracing';
import type { EncodedEvent } from '../../schemas/event-codec';

export interface EventRecordFields {
  aggregateId: string;
  version: number;
  partition: number;
  type: string;
  encoded: EncodedEvent;
  correlationId: string;
  causationId?: string;
  commandId?: string;
  occurredAt?: string;
}

/**
 * One event as the event store keeps it: key `<aggregateId>:<version>` (compaction keeps every
 * version), the aggregate's partition, and the headers readers route and trace by.
 */
export const eventRecord = (e: EventRecordFields): Message => ({
  key: `${e.aggregateId}:${e.version}`,
  value: e.encoded.value,
  partition: e.partition,
  headers: {
    [HEADERS.eventType]: e.type,
    [HEADERS.schemaId]: String(e.encoded.schemaId),
    [HEADERS.schemaVersion]: String(e.encoded.schemaVersion),
    [HEADERS.aggregateId]: e.aggregateId,
    [HEADERS.aggregateVersion]: String(e.version),
    [HEADERS.correlationId]: e.correlationId,
    ...(e.causationId !== undefined ? { [HEADERS.causationId]: e.causationId } : {}),
    ...(e.commandId !== undefined ? { [HEADERS.commandId]: e.commandId } : {}),
    ...(e.occurredAt !== undefined ? { [HEADERS.occurredAt]: e.occurredAt } : {}),
    // Written while its command is handled: the event's readers continue that command's trace.
    ...traceHeaders(),
  },
});
