import Router from '@koa/router';
import type { Context } from 'koa';
import { NotFoundError } from '../../lib/errors';
import { readJsonBody } from '../../lib/http/json-body';
import { PROBLEM_CONTENT_TYPE, problem } from '../../lib/http/problem';
import { compileValidator } from '../../lib/validation';
import { currentCorrelation } from '../../lib/observability/correlation-context';
import type { UpcastMigrations, UpcastRequest } from '../../lib/migrations/upcast-migrations';
import { EVENTS_TOPIC_PATTERN } from '../../topics/events-topic-overrides';
import { AGGREGATE_TYPES } from '../../topics/names';
import { pathId } from './routes';

export const MIGRATIONS_BASE = '/api/admin/migrations';
export const migrationStatusUrl = (jobId: string): string =>
  `${MIGRATIONS_BASE}/${encodeURIComponent(jobId)}`;

export const upcastRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['aggregateType'],
  properties: {
    aggregateType: { type: 'string', enum: [...AGGREGATE_TYPES] },
    targetTopic: {
      type: 'string',
      pattern: EVENTS_TOPIC_PATTERN.source,
      description: 'A new topic ending in `.events`; by default named after the latest schema versions',
    },
  },
} as const;

const upcastRequest = compileValidator<UpcastRequest>(upcastRequestSchema);

function notImplemented(ctx: Context): void {
  // Answered here rather than thrown: "not available in this deployment" is a fact the operator should read.
  const correlationId = currentCorrelation()?.correlationId;
  ctx.status = 501;
  ctx.body = problem({
    status: 501,
    detail: 'migrations are not available in this deployment: no migration engine is configured',
    instance: ctx.path,
    ...(correlationId !== undefined ? { correlationId } : {}),
  });
  ctx.type = PROBLEM_CONTENT_TYPE;
}

/**
 * The upcast migration (DESIGN §7, README "Upcast migration"): copy one aggregate type's events
 * into a new topic at the latest schema versions, and follow the copy. Admin role only
 * (lib/auth/access-rules.ts).
 */
export function createMigrationRouter({ migrations }: { migrations?: UpcastMigrations }): Router {
  const router = new Router();

  router.post(`${MIGRATIONS_BASE}/upcast-events`, async (ctx) => {
    const request = upcastRequest.validate(await readJsonBody(ctx, { allowEmpty: false }));
    if (!migrations) return notImplemented(ctx);
    const job = await migrations.start(request);
    ctx.status = 202;
    ctx.set('Location', migrationStatusUrl(job.jobId));
    ctx.body = { ...job, statusUrl: migrationStatusUrl(job.jobId) };
  });

  router.get(`${MIGRATIONS_BASE}/:jobId`, async (ctx) => {
    const jobId = pathId(ctx, 'jobId');
    if (!migrations) return notImplemented(ctx);
    const job = await migrations.job(jobId);
    if (job === undefined) throw new NotFoundError(`no migration ${jobId}`);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = job;
  });

  return router;
}
