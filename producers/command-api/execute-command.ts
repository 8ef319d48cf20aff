import type { Context } from 'koa';
import type { CommandMeta } from '../../domain/order/commands';
import type { CommandLike } from '../../lib/adapters/kafka/command-protocol';
import { currentCorrelation } from '../../lib/observability/correlation-context';
import type { CommandBus } from './command-bus';
import { idsForRequest, type IdempotencyStore } from './idempotency';
import { commandResponse, type ResourceKind } from './reply-mapping';
import { requestHash } from './request-hash';
import { applyResponse } from './routes';

export interface CommandExecution {
  bus: Pick<CommandBus, 'send'>;
  idempotency: IdempotencyStore;
  newId: () => string;
  now: () => Date;
  resource: ResourceKind;
}

export interface CheckedRequest {
  aggregateId: string;
  raw: unknown;
  idempotencyKey: string | undefined;
  ifMatchVersion?: number;
  expectedVersion?: number;
  created?: boolean;
}

/**
 * Sends one checked request's command and answers with its reply, for the routes of aggregates
 * other than orders (inventory, preferences, notifications): the idempotency key binds the
 * command id first, so a retried request reuses its first attempt's id and meets its answer.
 */
export async function executeCommand<C extends CommandLike>(
  ctx: Context,
  { bus, idempotency, newId, now, resource }: CommandExecution,
  request: CheckedRequest,
  command: (meta: CommandMeta) => C,
): Promise<void> {
  const { aggregateId, raw, idempotencyKey, ifMatchVersion, expectedVersion, created = false } = request;
  const ids = await idsForRequest({
    store: idempotency,
    key: idempotencyKey,
    requestHash: requestHash({ method: ctx.method, path: ctx.path, body: raw, ifMatchVersion }),
    // The record's `orderId` slot holds the aggregate id, whatever the aggregate.
    fresh: { commandId: newId(), orderId: aggregateId },
  });
  const full = command({
    commandId: ids.commandId,
    correlationId: currentCorrelation()?.correlationId ?? ids.commandId,
    issuedAt: now().toISOString(),
  });
  const result = await bus.send(aggregateId, {
    ...full,
    ...(expectedVersion !== undefined ? { expectedVersion } : {}),
  });
  applyResponse(ctx, commandResponse(result, { aggregateId, created, expectedVersion, resource }));
  if (ids.replayed) ctx.set('Idempotent-Replayed', 'true');
}
