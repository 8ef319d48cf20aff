import type { Context } from 'koa';
import { PROBLEM_CONTENT_TYPE, problem, problemType } from '../../lib/http/problem';
import { currentCorrelation } from '../../lib/observability/correlation-context';

/** What a simulator route answers; `final` outcomes are kept under the request's Idempotency-Key. */
export interface SimulatorResponse {
  status: number;
  body: Record<string, unknown>;
  /** A definitive answer (success, decline): replayed for a retry. Conflicts are not: state may change. */
  final: boolean;
}

/**
 * A problem+json body for outcomes the shared error middleware has no code for (402 declined,
 * 503/504 injected outages): simulators answer them on purpose, so they are not thrown and not
 * logged as server errors.
 */
export function problemBody(
  status: number,
  code: string,
  detail: string,
  extensions: Record<string, unknown> = {},
): Record<string, unknown> {
  const correlationId = currentCorrelation()?.correlationId;
  return problem({
    type: problemType(code),
    status,
    detail,
    code,
    ...extensions,
    ...(correlationId === undefined ? {} : { correlationId }),
  });
}

export function send(ctx: Context, { status, body }: Pick<SimulatorResponse, 'status' | 'body'>): void {
  ctx.status = status;
  ctx.body = body;
  if (status >= 400) ctx.type = PROBLEM_CONTENT_TYPE;
}
