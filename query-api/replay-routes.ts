import Router from '@koa/router';
import type { Context } from 'koa';
import { NotFoundError } from '../lib/errors';
import { readJsonBody } from '../lib/http/json-body';
import { PROBLEM_CONTENT_TYPE, problem } from '../lib/http/problem';
import { compileQueryValidator } from '../lib/http/query-validation';
import { compileValidator } from '../lib/http/validation';
import { currentCorrelation } from '../lib/observability/correlation-context';
import { emptyQuerySchema, pathParam } from './query-schemas';

/** Whatever the replay tracker reports about one job; passed through as JSON. */
export type ProgressLike = object;

/** The projection replay engine (processors/projections/replay.ts), injected by the process entry. */
export interface ReplayControl {
  start(): Promise<{ jobId: string }>;
  progress(jobId: string): ProgressLike | undefined;
}

export const REPLAY_BASE = '/api/admin/projections/replay';
export const replayStatusUrl = (jobId: string): string => `${REPLAY_BASE}/${encodeURIComponent(jobId)}`;

const noQuery = compileQueryValidator<Record<string, never>>(emptyQuerySchema);
// The engine takes no options yet; a closed empty schema tells a client its options are ignored.
export const replayRequestSchema = { type: 'object', additionalProperties: false, properties: {} } as const;
const replayRequest = compileValidator<Record<string, never>>(replayRequestSchema);

function notImplemented(ctx: Context): void {
  // Answered here rather than thrown: the kit maps unknown error codes to a generic 500,
  // and "not available in this deployment" is a fact the operator should read.
  const correlationId = currentCorrelation()?.correlationId;
  ctx.status = 501;
  ctx.body = problem({
    status: 501,
    detail: 'projection replay is not available in this deployment: no replay engine is configured',
    instance: ctx.path,
    ...(correlationId !== undefined ? { correlationId } : {}),
  });
  ctx.type = PROBLEM_CONTENT_TYPE;
}

/** Admin routes (lib/auth/access-rules.ts), like diagnostics: start a replay and follow it. */
export function createReplayRouter({ replay }: { replay?: ReplayControl }): Router {
  const router = new Router();

  router.post(REPLAY_BASE, async (ctx) => {
    noQuery.validate(ctx.query);
    replayRequest.validate(await readJsonBody(ctx, { allowEmpty: true }));
    if (!replay) return notImplemented(ctx);
    const { jobId } = await replay.start();
    ctx.status = 202;
    ctx.set('Location', replayStatusUrl(jobId));
    ctx.body = { jobId, statusUrl: replayStatusUrl(jobId) };
  });

  router.get(`${REPLAY_BASE}/:jobId`, (ctx) => {
    const jobId = pathParam(ctx, 'jobId');
    noQuery.validate(ctx.query);
    if (!replay) return notImplemented(ctx);
    const progress = replay.progress(jobId);
    if (progress === undefined) throw new NotFoundError(`no replay job ${jobId}`);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { jobId, ...progress };
  });

  return router;
}
