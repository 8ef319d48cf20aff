import Router from '@koa/router';
import { NotAvailableError, NotFoundError } from '../lib/errors';
import { readJsonBody } from '../lib/http/json-body';
import { compileQueryValidator } from '../lib/http/query-validation';
import { compileValidator } from '../lib/validation';
import { emptyQuerySchema, pathParam } from './query-schemas';

/** Whatever the replay tracker reports about one job; passed through as JSON. */
export type ProgressLike = object;

/** The projection replay engine (lib/read-models/replay/replay.ts), injected by the process entry. */
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

/** Admin routes (lib/auth/access-rules.ts), like diagnostics: start a replay and follow it. */
export function createReplayRouter({ replay }: { replay?: ReplayControl }): Router {
  const router = new Router();

  router.post(REPLAY_BASE, async (ctx) => {
    noQuery.validate(ctx.query);
    replayRequest.validate(await readJsonBody(ctx, { allowEmpty: true }));
    if (!replay)
      throw new NotAvailableError(
        'projection replay is not available in this deployment: no replay engine is configured',
      );
    const { jobId } = await replay.start();
    ctx.status = 202;
    ctx.set('Location', replayStatusUrl(jobId));
    ctx.body = { jobId, statusUrl: replayStatusUrl(jobId) };
  });

  router.get(`${REPLAY_BASE}/:jobId`, (ctx) => {
    const jobId = pathParam(ctx, 'jobId');
    noQuery.validate(ctx.query);
    if (!replay)
      throw new NotAvailableError(
        'projection replay is not available in this deployment: no replay engine is configured',
      );
    const progress = replay.progress(jobId);
    if (progress === undefined) throw new NotFoundError(`no replay job ${jobId}`);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { jobId, ...progress };
  });

  return router;
}
