import type { IHeaders } from 'kafkajs';
import { withCorrelation, type CorrelationContext } from '../observability/correlation-context';
import { HEADERS, headerString } from './headers';

/** The correlation a record carries in its headers (DESIGN §9), or undefined if it has none. */
export const recordCorrelation = (headers: IHeaders | undefined): CorrelationContext | undefined => {
  const correlationId = headerString(headers, HEADERS.correlationId);
  if (!correlationId) return undefined;
  const causationId = headerString(headers, HEADERS.causationId);
  const commandId = headerString(headers, HEADERS.commandId);
  return {
    correlationId,
    ...(causationId ? { causationId } : {}),
    ...(commandId ? { commandId } : {}),
  };
};

/**
 * Handles one record inside its correlation, so every log line and external call made for it
 * carries the ids of the user action it belongs to; a record without one runs as it is.
 */
export const withRecordCorrelation = <T>(headers: IHeaders | undefined, fn: () => T): T => {
  const context = recordCorrelation(headers);
  return context ? withCorrelation(context, fn) : fn();
};
