import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { RegisterProduct, ReplenishStock } from '../../domain/inventory/commands';
import { readJsonBody } from '../../lib/http/json-body';
import { compileValidator } from '../../lib/http/validation';
import { currentCorrelation } from '../../lib/observability/correlation-context';
import type { CommandBus } from './command-bus';
import { parseIfMatch, resolveExpectedVersion } from './expected-version';
import { IDEMPOTENCY_HEADER, idsForRequest, parseIdempotencyKey, type IdempotencyStore } from './idempotency';
import { commandResponse, productResource } from './reply-mapping';
import {
  DEFAULT_LOW_STOCK_THRESHOLD,
  registerProductSchema,
  replenishStockSchema,
  type RegisterProductBody,
  type ReplenishStockBody,
} from './request-schemas';
import { requestHash } from './request-hash';
import { principalOf } from '../../lib/http/access-control';
import { answerStatus, applyResponse, clientScopedKey, pathId } from './routes';

export const INVENTORY_COMMANDS_BASE = '/api/commands/inventory';

export interface InventoryRouterOptions {
  /** The bus of the inventory aggregate: commands go to `inventory.commands`, keyed by sku. */
  bus: Pick<CommandBus, 'send' | 'replyFor'>;
  idempotency: IdempotencyStore;
  newId?: () => string;
  now?: () => Date;
}

type InventoryDraft =
  Omit<RegisterProduct, 'meta' | 'expectedVersion'> | Omit<ReplenishStock, 'meta' | 'expectedVersion'>;

interface RequestFacts {
  raw: unknown;
  idempotencyKey: string | undefined;
  ifMatchVersion?: number;
  expectedVersion?: number;
  created: boolean;
}

const registerProductValidator = compileValidator<RegisterProductBody>(registerProductSchema);
const replenishStockValidator = compileValidator<ReplenishStockBody>(replenishStockSchema);

/**
 * Operator commands on the inventory aggregate (one per sku): register a product, replenish its
 * stock. They follow the order routes' conventions (problem+json, If-Match, Idempotency-Key,
 * 202 with a status URL of their own, so the late answer names the sku), and a request is
 * checked completely before a key is taken.
 */
export function createInventoryRouter({
  bus,
  idempotency,
  newId = randomUUID,
  now = () => new Date(),
}: InventoryRouterOptions): Router {
  const router = new Router();

  async function execute(ctx: Context, draft: InventoryDraft, request: RequestFacts): Promise<void> {
    const { raw, idempotencyKey, ifMatchVersion, expectedVersion, created } = request;
    const ids = await idsForRequest({
      store: idempotency,
      key: idempotencyKey,
      requestHash: requestHash({ method: ctx.method, path: ctx.path, body: raw, ifMatchVersion }),
      // The record's `orderId` slot holds the aggregate id; a sku always comes from the request.
      fresh: { commandId: newId(), orderId: draft.sku },
    });
    const command = {
      ...draft,
      ...(expectedVersion !== undefined ? { expectedVersion } : {}),
      meta: {
        commandId: ids.commandId,
        correlationId: currentCorrelation()?.correlationId ?? ids.commandId,
        issuedAt: now().toISOString(),
      },
    } satisfies RegisterProduct | ReplenishStock;

    const result = await bus.send(draft.sku, command);
    applyResponse(
      ctx,
      commandResponse(result, {
        aggregateId: draft.sku,
        created,
        expectedVersion,
        resource: productResource,
      }),
    );
    if (ids.replayed) ctx.set('Idempotent-Replayed', 'true');
  }

  // If-Match is not read here: a product that does not exist yet has no version to match.
  router.post(`${INVENTORY_COMMANDS_BASE}/products`, async (ctx) => {
    const idempotencyKey = clientScopedKey(
      principalOf(ctx),
      parseIdempotencyKey(ctx.get(IDEMPOTENCY_HEADER)),
    );
    const raw = await readJsonBody(ctx, { allowEmpty: false });
    const body = registerProductValidator.validate(raw);
    const draft: InventoryDraft = {
      type: 'RegisterProduct',
      sku: body.sku,
      name: body.name,
      price: body.price,
      category: body.category,
      initialStock: body.initialStock,
      lowStockThreshold: body.lowStockThreshold ?? DEFAULT_LOW_STOCK_THRESHOLD,
    };
    await execute(ctx, draft, { raw, idempotencyKey, created: true });
  });

  router.post(`${INVENTORY_COMMANDS_BASE}/:sku/replenish`, async (ctx) => {
    const sku = pathId(ctx, 'sku');
    const idempotencyKey = clientScopedKey(
      principalOf(ctx),
      parseIdempotencyKey(ctx.get(IDEMPOTENCY_HEADER)),
    );
    const ifMatch = ctx.get('If-Match');
    const ifMatchVersion = parseIfMatch(ifMatch);
    const raw = await readJsonBody(ctx, { allowEmpty: false });
    const body = replenishStockValidator.validate(raw);
    const expectedVersion = resolveExpectedVersion(body.expectedVersion, ifMatch);
    await execute(
      ctx,
      { type: 'ReplenishStock', sku, quantity: body.quantity },
      { raw, idempotencyKey, ifMatchVersion, expectedVersion, created: false },
    );
  });

  router.get(`${INVENTORY_COMMANDS_BASE}/status/:commandId`, (ctx) =>
    answerStatus(ctx, bus, productResource),
  );

  return router;
}
