import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import { catalog as seedCatalog, type Catalog } from '../../domain/catalog/catalog';
import type { OrderCommand } from '../../domain/order/commands';
import { ownOrdersOnly, type Principal } from '../../lib/auth/principal';
import { ValidationError } from '../../lib/errors';
import { principalOf } from '../../lib/http/access-control';
import { readJsonBody } from '../../lib/http/json-body';
import { currentCorrelation } from '../../lib/observability/correlation-context';
import type { CommandBus } from './command-bus';
import { createOrderRequest, orderCommandRequests, type CommandRequest } from './command-requests';
import { parseIfMatch, resolveExpectedVersion } from './expected-version';
import { IDEMPOTENCY_HEADER, idsForRequest, parseIdempotencyKey, type IdempotencyStore } from './idempotency';
import {
  commandResponse,
  orderResource,
  RETRY_AFTER_SECONDS,
  type CommandResponse,
  type ResourceKind,
} from './reply-mapping';
import { isValidId } from './request-schemas';
import { requestHash } from './request-hash';

export const COMMANDS_BASE = '/api/commands/orders';

export interface CommandRouterOptions {
  bus: Pick<CommandBus, 'send' | 'replyFor'>;
  idempotency: IdempotencyStore;
  catalog?: Catalog;
  /** Command and order ids; injectable so tests can predict them. */
  newId?: () => string;
  now?: () => Date;
}

/** A path segment that becomes a Kafka key and a header must have the same shape as body ids. */
export function pathId(ctx: Context, param: string): string {
  const value = (ctx.params as Record<string, string | undefined>)[param] ?? '';
  if (!isValidId(value)) {
    throw new ValidationError(`${param} in the path must be 1 to 64 characters of A-Z a-z 0-9 . _ : -`, [
      { field: param, message: 'must be 1 to 64 characters of A-Z a-z 0-9 . _ : -' },
    ]);
  }
  return value;
}

/**
 * Idempotency keys are the client's own namespace: the same key from two callers is two requests,
 * so one client can never replay (and so learn the outcome of) another's command.
 */
export const clientScopedKey = (
  principal: Principal | undefined,
  key: string | undefined,
): string | undefined => (key === undefined || principal === undefined ? key : `${principal.subject}/${key}`);

export function applyResponse(ctx: Context, response: CommandResponse): void {
  ctx.status = response.status;
  ctx.set(response.headers);
  ctx.body = response.body;
}

/** `GET <status URL>`: the outcome of a command that outlived its request, from the reply cache. */
export function answerStatus(
  ctx: Context,
  bus: Pick<CommandBus, 'replyFor'>,
  resource: ResourceKind = orderResource,
): void {
  const commandId = pathId(ctx, 'commandId');
  const reply = bus.replyFor(commandId);
  // Polled: a cached "pending" would hide the outcome from the client.
  ctx.set('Cache-Control', 'no-store');
  if (reply) {
    applyResponse(
      ctx,
      commandResponse({ status: 'replied', reply }, { aggregateId: reply.aggregateId, resource }),
    );
    return;
  }
  // "Never seen" and "not replied yet" look the same here: the reply may still be on its way,
  // or went to another instance's cache, so the honest answer is "not known yet".
  ctx.status = 202;
  ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
  ctx.body = { commandId, status: 'pending', statusUrl: resource.statusUrl(commandId) };
}

/**
 * `POST /api/commands/orders/create` and `POST /api/commands/orders/{id}/<action>` (DESIGN §7),
 * plus `GET /api/commands/status/{commandId}` for commands that outlived their request. A request
 * is checked completely (path, headers, body, catalogue) before an idempotency key is taken, so a
 * rejected request never binds a key.
 */
export function createCommandRouter({
  bus,
  idempotency,
  catalog = seedCatalog,
  newId = randomUUID,
  now = () => new Date(),
}: CommandRouterOptions): Router {
  const router = new Router();

  async function execute<Body extends object>(
    ctx: Context,
    request: CommandRequest<Body>,
    target: { orderId: string } | 'create',
  ): Promise<void> {
    const created = target === 'create';
    const principal = principalOf(ctx);
    const actingCustomerId = ownOrdersOnly(principal);
    const key = clientScopedKey(principal, parseIdempotencyKey(ctx.get(IDEMPOTENCY_HEADER)));
    // If-Match on a create has nothing to match (the order does not exist yet) and is ignored.
    const ifMatch = created ? undefined : ctx.get('If-Match');
    const ifMatchVersion = parseIfMatch(ifMatch);
    const raw = await readJsonBody(ctx, { allowEmpty: request.allowEmpty });
    const body = request.validator.validate(raw);
    const fromBody = (body as { expectedVersion?: number }).expectedVersion;
    const expectedVersion = created ? undefined : resolveExpectedVersion(fromBody, ifMatch);
    const draft = request.draft(body, { orderId: created ? '' : target.orderId, catalog, actingCustomerId });

    const ids = await idsForRequest({
      store: idempotency,
      key,
      requestHash: requestHash({ method: ctx.method, path: ctx.path, body: raw, ifMatchVersion }),
      fresh: { commandId: newId(), orderId: created ? newId() : target.orderId },
    });
    const command = {
      ...draft,
      orderId: ids.orderId,
      ...(expectedVersion !== undefined ? { expectedVersion } : {}),
      meta: {
        commandId: ids.commandId,
        // The kit's correlation middleware always sets one; the fallback keeps the type honest.
        correlationId: currentCorrelation()?.correlationId ?? ids.commandId,
        issuedAt: now().toISOString(),
        // The processor answers a command on someone else's order as it answers an unknown id.
        ...(actingCustomerId !== undefined ? { customerId: actingCustomerId } : {}),
      },
    } as OrderCommand;

    const result = await bus.send(ids.orderId, command);
    applyResponse(ctx, commandResponse(result, { aggregateId: ids.orderId, created, expectedVersion }));
    if (ids.replayed) ctx.set('Idempotent-Replayed', 'true');
  }

  router.post(`${COMMANDS_BASE}/create`, (ctx) => execute(ctx, createOrderRequest, 'create'));

  for (const request of orderCommandRequests) {
    router.post(`${COMMANDS_BASE}/:id/${request.action}`, (ctx) =>
      execute(ctx, request, { orderId: pathId(ctx, 'id') }),
    );
  }

  router.get('/api/commands/status/:commandId', (ctx) => answerStatus(ctx, bus));

  return router;
}
