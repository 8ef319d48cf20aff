import type { IHeaders } from './types';
import type { Attributes } from '@opentelemetry/api';
import { withCorrelation, type CorrelationContext } from '../../observability/correlation-context';
import { inRecordSpan, recordTraceContext, withTraceContext } from '../../observability/tracing';
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
 * Handles one record inside its correlation and in a span (`name`) whose parent is the span that
 * wrote the record, so every log line, external call and record written for it carries the ids
 * and the trace of the user action it belongs to. Without a name, no span: the record's trace
 * becomes the current one (a follower that only notes what it saw, for a timer to act on later).
 */
export const withRecordContext = <T>(
  headers: IHeaders | undefined,
  name: string | undefined,
  fn: () => T,
  attributes?: Attributes,
): T => {
  const context = recordCorrelation(headers);
  const correlated = () => (context ? withCorrelation(context, fn) : fn());
  return name === undefined
    ? withTraceContext(recordTraceContext(headers), correlated)
    : inRecordSpan(headers, name, correlated, attributes);
};
