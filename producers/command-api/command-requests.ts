import type { Catalog } from '../../domain/catalog/catalog';
import type { OrderCommand } from '../../domain/order/commands';
import type { MinorUnits, OrderLine } from '../../domain/order/money';
import { ForbiddenError, ValidationError, type FieldError } from '../../lib/errors';
import { compileValidator, type Validator } from '../../lib/validation';
import {
  addItemSchema,
  cancelOrderSchema,
  createOrderSchema,
  DEFAULT_CURRENCY,
  DEFAULT_REASON_CODE,
  placeOrderSchema,
  removeItemSchema,
  type AddItemBody,
  type CancelOrderBody,
  type CreateOrderBody,
  type PlaceOrderBody,
  type RemoveItemBody,
} from './request-schemas';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * A command as far as the request determines it. The envelope (orderId for create, the command
 * id and correlation in `meta`, expectedVersion) is added only after the idempotency key has
 * been checked, because a retried request must reuse the ids of its first attempt.
 */
export type CommandDraft = DistributiveOmit<OrderCommand, 'orderId' | 'meta' | 'expectedVersion'>;

export interface DraftContext {
  orderId: string;
  catalog: Catalog;
  /** The customer the caller's token names, when the caller acts as a customer (not admin). */
  actingCustomerId?: string;
}

export interface CommandRequest<Body> {
  /** Last path segment of `/api/commands/orders/{id}/<action>`; `create` has no id. */
  action: string;
  validator: Validator<Body>;
  /** Commands whose fields are all optional take an absent body as `{}`. */
  allowEmpty: boolean;
  /** Throws ValidationError naming the field when the body refers to something unknown (a sku). */
  draft(body: Body, context: DraftContext): CommandDraft;
}

/** The price a new line of `sku` takes, or the field error that says why it has none. */
const priceFor = (catalog: Catalog, field: string, sku: string): MinorUnits | FieldError => {
  const product = catalog.productOf(sku);
  if (product === undefined) return { field, message: `unknown sku ${JSON.stringify(sku)}` };
  const price = catalog.priceOf(sku);
  return price ?? { field, message: `sku ${JSON.stringify(sku)} is retired and no longer sold` };
};

const rejectUnknown = (problems: FieldError[]): void => {
  if (problems.length > 0) {
    throw new ValidationError(
      `invalid request body: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
      problems,
    );
  }
};

/** Prices each line from the catalogue; every unknown or retired sku is reported at once, by its index. */
export function pricedLines(
  items: readonly { sku: string; quantity: number }[],
  catalog: Catalog,
): OrderLine[] {
  const problems: FieldError[] = [];
  const lines = items.map(({ sku, quantity }, i) => {
    const unitPrice = priceFor(catalog, `items[${i}].sku`, sku);
    if (typeof unitPrice !== 'number') problems.push(unitPrice);
    return { sku, quantity, unitPrice: typeof unitPrice === 'number' ? unitPrice : 0 };
  });
  rejectUnknown(problems);
  return lines;
}

const defaultCancellationReason: Record<NonNullable<CancelOrderBody['reasonCode']>, string> = {
  CUSTOMER_REQUEST: "cancelled at the customer's request",
  OUT_OF_STOCK: 'cancelled: out of stock',
  PAYMENT_FAILED: 'cancelled: payment failed',
  SHIPMENT_FAILED: 'cancelled: shipment failed',
  DEADLINE_EXCEEDED: 'cancelled: deadline exceeded',
  OTHER: 'cancelled',
};

/**
 * Whose new order it is: a customer's own (a body naming someone else is refused), or, for an
 * admin acting on a customer's behalf, the one the body names.
 */
export function customerOfNewOrder(
  fromBody: string | undefined,
  actingCustomerId: string | undefined,
): string {
  if (actingCustomerId !== undefined) {
    if (fromBody !== undefined && fromBody !== actingCustomerId) {
      throw new ForbiddenError(
        'a customer creates orders only for themselves; leave customerId out or use your own',
      );
    }
    return actingCustomerId;
  }
  if (fromBody === undefined) {
    throw new ValidationError(
      'invalid request body: customerId: is required when an admin creates an order',
      [{ field: 'customerId', message: 'is required when an admin creates an order' }],
    );
  }
  return fromBody;
}

export const createOrderRequest: CommandRequest<CreateOrderBody> = {
  action: 'create',
  validator: compileValidator<CreateOrderBody>(createOrderSchema),
  allowEmpty: false,
  draft: (body, { catalog, actingCustomerId }) => ({
    type: 'CreateOrder',
    customerId: customerOfNewOrder(body.customerId, actingCustomerId),
    currency: body.currency ?? DEFAULT_CURRENCY,
    items: pricedLines(body.items ?? [], catalog),
    ...(body.salesChannel !== undefined ? { salesChannel: body.salesChannel } : {}),
  }),
};

export const addItemRequest: CommandRequest<AddItemBody> = {
  action: 'add-item',
  validator: compileValidator<AddItemBody>(addItemSchema),
  allowEmpty: false,
  draft: ({ sku, quantity }, { catalog }) => {
    const unitPrice = priceFor(catalog, 'sku', sku);
    if (typeof unitPrice !== 'number') rejectUnknown([unitPrice]);
    return { type: 'AddItem', sku, quantity, unitPrice: typeof unitPrice === 'number' ? unitPrice : 0 };
  },
};

// Removing a sku the catalogue no longer lists must stay possible, so no catalogue check here.
export const removeItemRequest: CommandRequest<RemoveItemBody> = {
  action: 'remove-item',
  validator: compileValidator<RemoveItemBody>(removeItemSchema),
  allowEmpty: false,
  draft: ({ sku }) => ({ type: 'RemoveItem', sku }),
};

export const placeOrderRequest: CommandRequest<PlaceOrderBody> = {
  action: 'place',
  validator: compileValidator<PlaceOrderBody>(placeOrderSchema),
  allowEmpty: true,
  draft: () => ({ type: 'PlaceOrder' }),
};

export const cancelOrderRequest: CommandRequest<CancelOrderBody> = {
  action: 'cancel',
  validator: compileValidator<CancelOrderBody>(cancelOrderSchema),
  allowEmpty: true,
  draft: ({ reason, reasonCode }) => {
    const code = reasonCode ?? DEFAULT_REASON_CODE;
    return { type: 'CancelOrder', reasonCode: code, reason: reason ?? defaultCancellationReason[code] };
  },
};

/**
 * The commands a client may address to an existing order, i.e. `/api/commands/orders/{id}/<action>`.
 * Paying and shipping are absent on purpose: they are the saga's steps (DESIGN §7), sent on Kafka only.
 */
export const orderCommandRequests: readonly CommandRequest<{ expectedVersion?: number }>[] = [
  addItemRequest,
  removeItemRequest,
  placeOrderRequest,
  cancelOrderRequest,
];
