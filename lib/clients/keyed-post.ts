import type { CallOptions } from './client-options';
import { replyFields, requireKey, unexpectedReply, type ReplyFields } from './reply-fields';
import type { HttpReply, Interpreted, ResilientHttpClient } from './resilient-http';

export interface KeyedPost<T> {
  operation: string;
  path: string;
  body: unknown;
  /** Builds the result from a 2xx body. */
  success: (fields: ReplyFields) => T;
  /** A non-2xx reply that is an answer, not a failure (a decline, a refusal); else undefined. */
  refusal?: (reply: HttpReply) => Interpreted<T> | undefined;
}

/**
 * The one shape every call to an external party has: a POST under an idempotency key whose
 * 2xx body becomes a typed result, a few refusals that are results too, and anything else an
 * error for the retry loop and breaker to judge.
 */
// async, so a missing key is a rejected promise like every other failure of the call.
export const keyedPost = async <T>(
  http: ResilientHttpClient,
  service: string,
  post: KeyedPost<T>,
  { idempotencyKey, signal }: CallOptions,
): Promise<T> =>
  http.call<T>(
    {
      operation: post.operation,
      method: 'POST',
      path: post.path,
      body: post.body,
      idempotencyKey: requireKey(idempotencyKey),
      signal,
    },
    (reply) => {
      const refused = post.refusal?.(reply);
      if (refused) return refused;
      if (reply.status < 200 || reply.status > 202) throw unexpectedReply(service, post.operation, reply);
      return { outcome: 'success', value: post.success(replyFields(service, post.operation, reply)) };
    },
  );

/** A refusal carried as `{ reason }` in the body, under a given status. */
export const refusalOn =
  <T>(status: number, outcome: string, toValue: (reason: string) => T, fallback: string) =>
  (reply: HttpReply): Interpreted<T> | undefined => {
    if (reply.status !== status) return undefined;
    const reason = (reply.body as { reason?: unknown } | undefined)?.reason;
    return { outcome, value: toValue(typeof reason === 'string' ? reason : fallback) };
  };
