import type { IHeaders } from './types';

/** Header names on every record we write (DESIGN §3). Kebab-case, as Kafka tools show them. */
export const HEADERS = {
  eventType: 'event-type',
  schemaId: 'schema-id',
  schemaVersion: 'schema-version',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
  commandId: 'command-id',
  commandType: 'command-type',
  occurredAt: 'occurred-at',
  aggregateId: 'aggregate-id',
  aggregateVersion: 'aggregate-version',
  deadLetterReason: 'dlq-reason',
  deadLetterSource: 'dlq-source',
  deadLetterAttempts: 'dlq-attempts',
  deadLetterStack: 'dlq-stack',
  retrySource: 'retry-source',
  retrySourceTopic: 'retry-source-topic',
  retryAttempt: 'retry-attempt',
  retryNotBefore: 'retry-not-before',
  retryReason: 'retry-reason',
} as const;

export const headerString = (headers: IHeaders | undefined, name: string): string | undefined => {
  const value = headers?.[name];
  if (value === undefined || value === null) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
};

export const headersToObject = (headers: IHeaders | undefined): Record<string, string> =>
  Object.fromEntries(
    Object.keys(headers ?? {})
      .map((name) => [name, headerString(headers, name)])
      .filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
