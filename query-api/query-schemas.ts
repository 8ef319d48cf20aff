import type { Context } from 'koa';
import { NOTIFICATION_CHANNELS } from '../domain/notification/templates';
import { ORDER_STATUSES } from '../domain/order/state';
import { ValidationError } from '../lib/errors';
import type { QuerySchema } from '../lib/http/query-validation';
import type { OrderStatus } from '../lib/read-models/views';
import { idSchema, isValidId } from '../domain/ids';

/*
 * Query-string schemas of the query API, exported as data so the OpenAPI document describes the
 * very objects the validators are compiled from (as request-schemas.ts does for the command API).
 */

export { ORDER_STATUSES };
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set<OrderStatus>(['Completed', 'Cancelled']);

export const DEFAULT_PAGE_SIZE = 20;
/** Larger requests are clamped, not refused: the response's `pageSize` says what was applied. */
export const MAX_PAGE_SIZE = 100;
/** Deep pages cost a skip over every earlier document; past this, narrow the filter instead. */
export const MAX_PAGE = 10_000;
export const MAX_SEARCH_LENGTH = 100;

const pageSchema = { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 1 } as const;
const pageSizeSchema = {
  type: 'integer',
  minimum: 1,
  default: DEFAULT_PAGE_SIZE,
  description: `Clamped to ${MAX_PAGE_SIZE}.`,
} as const;

export interface PageQuery {
  page?: number;
  pageSize?: number;
}

export interface OrdersQuery extends PageQuery {
  customerId?: string;
  status?: OrderStatus;
}

export const ordersQuerySchema = {
  type: 'object',
  properties: {
    customerId: idSchema,
    status: { type: 'string', enum: [...ORDER_STATUSES] },
    page: pageSchema,
    pageSize: pageSizeSchema,
  },
} satisfies QuerySchema;

/** What the payment, shipment and notification projections write as `status`. */
export const PAYMENT_STATUSES = ['Captured', 'Declined', 'Failed', 'Voided', 'Refunded'] as const;
export const SHIPMENT_STATUSES = [
  'Created',
  'Failed',
  'InTransit',
  'OutForDelivery',
  'Delivered',
  'Voided',
] as const;
export const NOTIFICATION_STATUSES = ['Sent', 'Failed'] as const;

/** Payments or shipments of every order, of one customer's orders, or in one status. */
export interface OrderPartsQuery extends PageQuery {
  customerId?: string;
  status?: string;
}

const orderPartsQuerySchema = (statuses: readonly string[]) =>
  ({
    type: 'object',
    properties: {
      customerId: idSchema,
      status: { type: 'string', enum: [...statuses] },
      page: pageSchema,
      pageSize: pageSizeSchema,
    },
  }) satisfies QuerySchema;

export const paymentsQuerySchema = orderPartsQuerySchema(PAYMENT_STATUSES);
export const shipmentsQuerySchema = orderPartsQuerySchema(SHIPMENT_STATUSES);

export interface NotificationsQuery extends OrderPartsQuery {
  orderId?: string;
  channel?: string;
}

export const notificationsQuerySchema = {
  type: 'object',
  properties: {
    orderId: idSchema,
    customerId: idSchema,
    channel: { type: 'string', enum: [...NOTIFICATION_CHANNELS] },
    status: { type: 'string', enum: [...NOTIFICATION_STATUSES] },
    page: pageSchema,
    pageSize: pageSizeSchema,
  },
} satisfies QuerySchema;

export interface ProductsQuery extends PageQuery {
  category?: string;
}

export const productsQuerySchema = {
  type: 'object',
  properties: {
    category: { type: 'string', minLength: 1, maxLength: 100 },
    page: pageSchema,
    pageSize: pageSizeSchema,
  },
} satisfies QuerySchema;

export interface ProductSearchQuery extends PageQuery {
  query: string;
}

export const productSearchQuerySchema = {
  type: 'object',
  required: ['query'],
  properties: {
    query: {
      type: 'string',
      minLength: 1,
      maxLength: MAX_SEARCH_LENGTH,
      description: 'Matched literally and case-insensitively against name, sku and category.',
    },
    page: pageSchema,
    pageSize: pageSizeSchema,
  },
} satisfies QuerySchema;

/** No parameters at all: unknown ones are still refused by the validator. */
export const emptyQuerySchema = { type: 'object', properties: {} } satisfies QuerySchema;

export const pageRequest = ({ page, pageSize }: PageQuery) => ({
  page: page ?? 1,
  pageSize: Math.min(pageSize ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
});

/** Path ids have the shape of body ids (request-schemas.ts); anything else cannot exist. */
export function pathParam(ctx: Context, name: string): string {
  const value = (ctx.params as Record<string, string | undefined>)[name] ?? '';
  if (!isValidId(value)) {
    throw new ValidationError(`${name} in the path must be 1 to 64 characters of A-Z a-z 0-9 . _ : -`, [
      { field: name, message: 'must be 1 to 64 characters of A-Z a-z 0-9 . _ : -' },
    ]);
  }
  return value;
}
