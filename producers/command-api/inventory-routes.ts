import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { InventoryCommand } from '../../domain/inventory/commands';
import type { Validator } from '../../lib/validation';
import { readJsonBody } from '../../lib/http/json-body';
import { compileValidator } from '../../lib/validation';
import { currentCorrelation } from '../../lib/observability/correlation-context';
import type { CommandBus } from './command-bus';
import { parseIfMatch, resolveExpectedVersion } from './expected-version';
import { IDEMPOTENCY_HEADER, idsForRequest, parseIdempotencyKey, type IdempotencyStore } from './idempotency';
import { commandResponse, productResource } from './reply-mapping';
import {
  changePriceSchema,
  DEFAULT_LOW_STOCK_THRESHOLD,
  DEFAULT_RETIREMENT_REASON,
  registerProductSchema,
  renameProductSchema,
  replenishStockSchema,
  retireProductSchema,
  type ChangePriceBody,
  type RegisterProductBody,
  type RenameProductBody,
  type ReplenishStockBody,
  type RetireProductBody,
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

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The operator commands: stock movements for orders (reserve, release, commit) are the saga's. */
type OperatorCommand = Extract<
  InventoryCommand,
  { type: 'RegisterProduct' | 'ReplenishStock' | 'ChangeProductPrice' | 'RenameProduct' | 'RetireProduct' }
>;
type InventoryDraft = DistributiveOmit<OperatorCommand, 'meta' | 'expectedVersion'>;

interface RequestFacts {
  raw: unknown;
  idempotencyKey: string | undefined;
  ifMatchVersion?: number;
  expectedVersion?: number;
  created: boolean;
}

const registerProductValidator = compileValidator<RegisterProductBody>(registerProductSchema);
const replenishStockValidator = compileValidator<ReplenishStockBody>(replenishStockSchema);
const changePriceValidator = compileValidator<ChangePriceBody>(changePriceSchema);
const renameProductValidator = compileValidator<RenameProductBody>(renameProductSchema);
const retireProductValidator = compileValidator<RetireProductBody>(retireProductSchema);

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
    } as OperatorCommand;

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

  /** A command on an existing product: `POST /api/commands/inventory/{sku}/<action>`, If-Match honoured. */
  const onProduct = <Body extends { expectedVersion?: number }>(
    action: string,
    validator: Validator<Body>,
    draft: (sku: string, body: Body) => InventoryDraft,
    allowEmpty = false,
  ) =>
    router.post(`${INVENTORY_COMMANDS_BASE}/:sku/${action}`, async (ctx) => {
      const sku = pathId(ctx, 'sku');
      const idempotencyKey = clientScopedKey(
        principalOf(ctx),
        parseIdempotencyKey(ctx.get(IDEMPOTENCY_HEADER)),
      );
      const ifMatch = ctx.get('If-Match');
      const ifMatchVersion = parseIfMatch(ifMatch);
      const raw = await readJsonBody(ctx, { allowEmpty });
      const body = validator.validate(raw);
      const expectedVersion = resolveExpectedVersion(body.expectedVersion, ifMatch);
      await execute(ctx, draft(sku, body), {
        raw,
        idempotencyKey,
        ifMatchVersion,
        expectedVersion,
        created: false,
      });
    });

  onProduct('replenish', replenishStockValidator, (sku, { quantity }) => ({
    type: 'ReplenishStock',
    sku,
    quantity,
  }));
  onProduct('price', changePriceValidator, (sku, { price }) => ({ type: 'ChangeProductPrice', sku, price }));
  onProduct('rename', renameProductValidator, (sku, { name }) => ({ type: 'RenameProduct', sku, name }));
  onProduct(
    'retire',
    retireProductValidator,
    (sku, { reason }) => ({ type: 'RetireProduct', sku, reason: reason ?? DEFAULT_RETIREMENT_REASON }),
    true,
  );

  router.get(`${INVENTORY_COMMANDS_BASE}/status/:commandId`, (ctx) =>
    answerStatus(ctx, bus, productResource),
  );

  return router;
}
