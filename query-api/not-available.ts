import type { Context } from 'koa';
import { PROBLEM_CONTENT_TYPE, problem } from '../lib/http/problem';
import { currentCorrelation } from '../lib/observability/correlation-context';

/**
 * 501 for an admin feature this deployment was not given the means for (no replay engine, no
 * Kafka, no simulator URL). Answered here rather than thrown: the error kit maps unknown codes to
 * a generic 500, and "not available in this deployment" is a fact the operator should read.
 */
export function notAvailable(ctx: Context, detail: string): void {
  const correlationId = currentCorrelation()?.correlationId;
  ctx.status = 501;
  ctx.body = problem({
    status: 501,
    detail,
    instance: ctx.path,
    ...(correlationId !== undefined ? { correlationId } : {}),
  });
  ctx.type = PROBLEM_CONTENT_TYPE;
}
