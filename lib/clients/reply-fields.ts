import { ExternalCallError, type ExternalFailure } from './errors';
import type { HttpReply } from './resilient-http';

export interface ReplyFields {
  string(name: string): string;
  number(name: string): number;
  optionalString(name: string): string | undefined;
  /** True when the service answered from its idempotency store (`Idempotent-Replay: true`). */
  readonly replayed: boolean;
}

/**
 * Typed reads from a reply body: a field missing or of the wrong type is the service breaking its
 * contract, reported as ExternalCallError('invalid_response') rather than an `undefined` that
 * surfaces three calls later.
 */
export function replyFields(service: string, operation: string, reply: HttpReply): ReplyFields {
  const body =
    typeof reply.body === 'object' && reply.body !== null ? (reply.body as Record<string, unknown>) : {};
  const invalid = (name: string, expected: string) =>
    new ExternalCallError(
      service,
      operation,
      'invalid_response',
      `HTTP ${reply.status} reply lacks ${expected} field "${name}"`,
      { attempts: reply.attempts, status: reply.status, problem: reply.body },
    );
  return {
    string(name) {
      const value = body[name];
      if (typeof value !== 'string') throw invalid(name, 'string');
      return value;
    },
    number(name) {
      const value = body[name];
      if (typeof value !== 'number') throw invalid(name, 'number');
      return value;
    },
    optionalString(name) {
      const value = body[name];
      return typeof value === 'string' ? value : undefined;
    },
    replayed: reply.headers.get('idempotent-replay') === 'true',
  };
}

/** Idempotency keys are the caller's duty (G3); a missing one is a bug, caught before any request. */
export function requireKey(idempotencyKey: string): string {
  if (typeof idempotencyKey !== 'string' || idempotencyKey.trim() === '') {
    throw new TypeError('an idempotency key is required for this call');
  }
  return idempotencyKey;
}

/**
 * For typed clients: a reply that is not a success or a business decline. 4xx means the request
 * itself is wrong (not retriable); anything else unexpected is an invalid response.
 */
export function unexpectedReply(service: string, operation: string, reply: HttpReply): ExternalCallError {
  const failure: ExternalFailure =
    reply.status >= 400 && reply.status < 500 ? 'rejected' : 'invalid_response';
  const detail = (reply.body as { detail?: unknown } | undefined)?.detail;
  return new ExternalCallError(
    service,
    operation,
    failure,
    `HTTP ${reply.status}${typeof detail === 'string' ? `: ${detail}` : ''}`,
    { attempts: reply.attempts, status: reply.status, problem: reply.body },
  );
}
