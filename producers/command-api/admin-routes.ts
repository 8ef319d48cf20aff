import { NotAvailableError, NotFoundError } from '../../lib/errors';
import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import { CREATE_SNAPSHOT, type CommandLike } from '../../lib/adapters/kafka/command-protocol';
import type { CommandBus } from './command-bus';
import { currentCorrelation } from '../../lib/observability/correlation-context';
import { acceptedReply, pendingResponse } from './reply-mapping';
import { applyResponse, pathId } from './routes';

/** Reads an aggregate's history for `GET /api/admin/events/{aggregateId}`; the event store provides it. */
export type ReadEvents = (aggregateId: string) => Promise<unknown[]>;

export interface AdminRouterOptions {
  bus: Pick<CommandBus, 'send'>;
  /** Until the event store reader is wired in, the events route answers 501. */
  readEvents?: ReadEvents;
  newId?: () => string;
  now?: () => Date;
}

/**
 * Operator endpoints served by the command API (DESIGN §7). Like the diagnostics routes they answer
 * the admin role only (lib/auth/access-rules.ts).
 */
export function createAdminRouter({
  bus,
  readEvents,
  newId = randomUUID,
  now = () => new Date(),
}: AdminRouterOptions): Router {
  const router = new Router();

  // Asks the partition owner to snapshot the aggregate now, through the same path as any command,
  // so the snapshot is taken by the one writer of that aggregate and never races it.
  router.post('/api/admin/snapshots/create/:aggregateId', async (ctx) => {
    const aggregateId = pathId(ctx, 'aggregateId');
    const commandId = newId();
    const command: CommandLike & { orderId: string } = {
      type: CREATE_SNAPSHOT,
      orderId: aggregateId,
      meta: {
        commandId,
        correlationId: currentCorrelation()?.correlationId ?? commandId,
        issuedAt: now().toISOString(),
      },
    };
    const result = await bus.send(aggregateId, command);
    if (result.status === 'pending') {
      applyResponse(ctx, pendingResponse(aggregateId, result.commandId));
      return;
    }
    const { version } = acceptedReply(result.reply);
    ctx.body = { aggregateId, version, commandId, snapshot: 'created' };
  });

  router.get('/api/admin/events/:aggregateId', async (ctx) => {
    const aggregateId = pathId(ctx, 'aggregateId');
    if (!readEvents)
      throw new NotAvailableError(
        'reading events is not available in this deployment: no event reader is configured',
      );
    const events = await readEvents(aggregateId);
    if (events.length === 0) throw new NotFoundError(`no events for aggregate ${aggregateId}`);
    ctx.body = { aggregateId, count: events.length, events };
  });

  return router;
}
