import Router from '@koa/router';
import { InvalidStateError, NotFoundError } from '../lib/errors';
import { readJsonBody } from '../lib/http/json-body';
import { compileQueryValidator } from '../lib/http/query-validation';
import { compileValidator } from '../lib/validation';
import { redriveRefusal } from '../lib/adapters/kafka/redrive-policy';
import type { DeadLetterControl } from './dead-letter-control';
import { NotAvailableError } from '../lib/errors';
import { emptyQuerySchema, pathParam } from './query-schemas';

export const DEAD_LETTERS_BASE = '/api/admin/deadletters';

export const redriveRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['partition', 'offset'],
  properties: {
    partition: { type: 'integer', minimum: 0, maximum: 100_000 },
    offset: { type: 'string', pattern: '^[0-9]{1,19}$' },
  },
} as const;

const noQuery = compileQueryValidator<Record<string, never>>(emptyQuerySchema);
const redriveRequest = compileValidator<{ partition: number; offset: string }>(redriveRequestSchema);

/**
 * Admin routes over the dead-letter topics (what `npm run dlq` does, for the console): the groups
 * with their counts, one group's records in full, and a re-drive of one record to the topic it
 * came from. Groups whose records are events still in the event store refuse the re-drive (409).
 */
export function createDeadLetterRouter({ control }: { control?: DeadLetterControl }): Router {
  const router = new Router();
  const knownGroup = (control: DeadLetterControl, group: string): string => {
    if (!control.groups().includes(group)) throw new NotFoundError(`no consumer group ${group}`);
    return group;
  };

  router.get(DEAD_LETTERS_BASE, async (ctx) => {
    noQuery.validate(ctx.query);
    if (!control) throw new NotAvailableError('dead letters are not available here: no Kafka is configured');
    const groups = await Promise.all(
      control.groups().map(async (group) => ({
        group,
        count: (await control.list(group)).length,
        redrivable: redriveRefusal(group) === undefined,
      })),
    );
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { groups };
  });

  router.get(`${DEAD_LETTERS_BASE}/:group`, async (ctx) => {
    const group = pathParam(ctx, 'group');
    noQuery.validate(ctx.query);
    if (!control) throw new NotAvailableError('dead letters are not available here: no Kafka is configured');
    const items = await control.list(knownGroup(control, group));
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { group, redrivable: redriveRefusal(group) === undefined, items };
  });

  router.post(`${DEAD_LETTERS_BASE}/:group/redrive`, async (ctx) => {
    const group = pathParam(ctx, 'group');
    noQuery.validate(ctx.query);
    const { partition, offset } = redriveRequest.validate(await readJsonBody(ctx));
    if (!control) throw new NotAvailableError('dead letters are not available here: no Kafka is configured');
    knownGroup(control, group);
    const refusal = redriveRefusal(group);
    if (refusal) throw new InvalidStateError(refusal);
    ctx.body = await control.redrive(group, partition, offset);
  });

  return router;
}
