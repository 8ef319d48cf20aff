import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { withCorrelation } from '../observability/correlation-context';

export const CORRELATION_HEADER = 'x-correlation-id';

// Restrictive on purpose: the id is copied into log lines, Kafka headers and response headers,
// so anything that could break a header, a log parser or a query is replaced, not escaped.
const VALID_CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const isValidCorrelationId = (value: unknown): value is string =>
  typeof value === 'string' && VALID_CORRELATION_ID.test(value);

export interface CorrelationState {
  correlationId: string;
}

/**
 * Adopts the caller's `x-correlation-id` (or mints one), echoes it on the response before any
 * handler runs (so error responses carry it too), and runs the rest of the request inside
 * `withCorrelation` so every log line and outgoing Kafka record can pick it up.
 */
export function correlation(): Middleware<CorrelationState> {
  return async (ctx, next) => {
    const incoming = ctx.get(CORRELATION_HEADER);
    const correlationId = isValidCorrelationId(incoming) ? incoming : randomUUID();
    ctx.state.correlationId = correlationId;
    ctx.set(CORRELATION_HEADER, correlationId);
    await withCorrelation({ correlationId }, () => next());
  };
}
