import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The ids that tie one user action together across HTTP, Kafka and every downstream log line.
 * `causationId` is the id of the message that directly caused the current work, `commandId` the
 * command being handled (also the reply key).
 */
export interface CorrelationContext {
  readonly correlationId: string;
  readonly causationId?: string;
  readonly commandId?: string;
}

// One store per process on purpose: the HTTP middleware, the Kafka consumer runtime and the
// logger mixin must all see the same context, and AsyncLocalStorage only works if they share it.
const store = new AsyncLocalStorage<CorrelationContext>();

/** Runs `fn` (and everything it awaits or schedules) with `context` as the current correlation. */
export function withCorrelation<T>(context: CorrelationContext, fn: () => T): T {
  return store.run(context, fn);
}

/** The correlation of the work in progress, or undefined outside any `withCorrelation`. */
export function currentCorrelation(): CorrelationContext | undefined {
  return store.getStore();
}

/** Only the defined ids, ready to merge into a log line or Kafka headers. */
export function correlationFields(context: CorrelationContext | undefined): Record<string, string> {
  if (!context) return {};
  const fields: Record<string, string> = { correlationId: context.correlationId };
  if (context.causationId !== undefined) fields.causationId = context.causationId;
  if (context.commandId !== undefined) fields.commandId = context.commandId;
  return fields;
}
