import { idSchema } from '../../domain/ids';
import { CANCELLATION_REASON_CODES, type CancellationReasonCode } from '../../domain/order/events';
import { MAX_LINE_QUANTITY } from '../../domain/order/money';
import { catalogs } from '../../schemas/catalogs';
import { integerBounds, type IntegerBounds } from '../../schemas/field-bounds';
import { preferencesSchema } from './preferences-schemas';
import { receiptSchema } from './receipt-schema';

/*
 * JSON Schemas of the command API's request bodies, exported as data so the OpenAPI document can
 * embed the very objects the validators are compiled from. Every object schema is closed
 * (`additionalProperties: false`): a misspelt optional field must be reported, not ignored.
 * Each body type sits next to its schema; `T` of compileValidator is asserted, not inferred.
 */

// The id rule is the domain's (domain/ids.ts), so the edge and the domain's checks agree.
export { ID_MAX_LENGTH, ID_PATTERN, idSchema, isValidId } from '../../domain/ids';

export const DEFAULT_CURRENCY = 'EUR';
export const DEFAULT_REASON_CODE: CancellationReasonCode = 'CUSTOMER_REQUEST';
/** A create may start with an empty basket; this bounds one request's work, not an order's size. */
export const MAX_ITEMS_PER_REQUEST = 100;

/**
 * An integer field that ends up in events: at least `minimum` (the domain's floor) and no more
 * than every listed event field can hold (read from the .avsc files) or the domain's own cap.
 */
const eventInteger = (minimum: number, bounds: IntegerBounds, cap: number = Number.MAX_SAFE_INTEGER) =>
  ({
    type: 'integer',
    minimum: Math.max(minimum, bounds.minimum),
    maximum: Math.min(cap, bounds.maximum),
  }) as const;

const orderEvents = catalogs.orders.catalog;
const inventoryEvents = catalogs.inventory.catalog;

const textSchema = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength }) as const;

export const expectedVersionSchema = {
  type: 'integer',
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'Rejected with 409 unless it equals the current version; may be sent as If-Match instead.',
} as const;

export const quantitySchema = eventInteger(
  1,
  integerBounds(orderEvents, ['OrderItemAdded', 'quantity'], ['OrderCreated', 'items.quantity']),
  MAX_LINE_QUANTITY,
);

export const itemSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['sku', 'quantity'],
  properties: { sku: idSchema, quantity: quantitySchema },
} as const;

export interface CreateOrderBody {
  customerId?: string;
  items?: { sku: string; quantity: number }[];
  currency?: string;
  salesChannel?: string;
}

export const createOrderSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    customerId: {
      ...idSchema,
      description:
        "Whose order it is. A customer's token decides it: absent means the token's subject, another value is refused (403). Required when an admin creates an order for a customer.",
    },
    items: { type: 'array', maxItems: MAX_ITEMS_PER_REQUEST, items: itemSchema },
    currency: { type: 'string', pattern: '^[A-Z]{3}$', maxLength: 3, default: DEFAULT_CURRENCY },
    salesChannel: { ...idSchema, maxLength: 32 },
  },
} as const;

export interface AddItemBody {
  sku: string;
  quantity: number;
  expectedVersion?: number;
}

export const addItemSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['sku', 'quantity'],
  properties: { sku: idSchema, quantity: quantitySchema, expectedVersion: expectedVersionSchema },
} as const;

export interface RemoveItemBody {
  sku: string;
  expectedVersion?: number;
}

export const removeItemSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['sku'],
  properties: { sku: idSchema, expectedVersion: expectedVersionSchema },
} as const;

export interface PlaceOrderBody {
  expectedVersion?: number;
}

export const placeOrderSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { expectedVersion: expectedVersionSchema },
} as const;

export interface CancelOrderBody {
  reason?: string;
  reasonCode?: CancellationReasonCode;
  expectedVersion?: number;
}

/**
 * `reason` is optional so that an empty body cancels (the route accepts one); the recorded
 * reason then describes the reason code, because the domain requires a non-empty text.
 */
export const cancelOrderSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    reason: textSchema(500),
    reasonCode: { type: 'string', enum: CANCELLATION_REASON_CODES, default: DEFAULT_REASON_CODE },
    expectedVersion: expectedVersionSchema,
  },
} as const;

/** The low-stock threshold of a product registered without one. */
export const DEFAULT_LOW_STOCK_THRESHOLD = 5;
/** One delivery's worth; a larger number is far more likely a typo than a delivery. */
export const MAX_REPLENISH_QUANTITY = 100_000;

/**
 * The domain requires text that is not blank, so an all-space name is refused here, by field.
 * The pattern alone also refuses "" (with minLength too, an empty value would be reported twice).
 */
const nonBlankTextSchema = (maxLength: number) =>
  ({ type: 'string', maxLength, pattern: '\\S', description: 'Must not be blank.' }) as const;

/** Stock counts become `available` in later events too, so they are held to those fields as well. */
const stockCountSchema = eventInteger(
  0,
  integerBounds(
    inventoryEvents,
    ['ProductRegistered', 'initialStock'],
    ['LowStockDetected', 'available'],
    ['StockReservationRejected', 'available'],
  ),
);

export interface RegisterProductBody {
  sku: string;
  name: string;
  price: number;
  category: string;
  initialStock: number;
  lowStockThreshold?: number;
}

export const registerProductSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['sku', 'name', 'price', 'category', 'initialStock'],
  properties: {
    sku: idSchema,
    name: nonBlankTextSchema(200),
    price: {
      ...eventInteger(0, integerBounds(inventoryEvents, ['ProductRegistered', 'price'])),
      description: 'Integer minor units (cents).',
    },
    category: nonBlankTextSchema(100),
    initialStock: stockCountSchema,
    lowStockThreshold: {
      ...eventInteger(
        0,
        integerBounds(
          inventoryEvents,
          ['ProductRegistered', 'lowStockThreshold'],
          ['LowStockDetected', 'threshold'],
        ),
      ),
      default: DEFAULT_LOW_STOCK_THRESHOLD,
      description: 'LowStockDetected fires when available units drop below this; 0 disables it.',
    },
  },
} as const;

export interface ReplenishStockBody {
  quantity: number;
  expectedVersion?: number;
}

export const replenishStockSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['quantity'],
  properties: {
    quantity: eventInteger(
      1,
      integerBounds(inventoryEvents, ['StockReplenished', 'quantity']),
      MAX_REPLENISH_QUANTITY,
    ),
    expectedVersion: expectedVersionSchema,
  },
} as const;

export interface ChangePriceBody {
  price: number;
  expectedVersion?: number;
}

export const changePriceSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['price'],
  properties: {
    price: {
      ...eventInteger(
        0,
        integerBounds(
          inventoryEvents,
          ['ProductRegistered', 'price'],
          ['ProductPriceChanged', 'price'],
          ['ProductPriceChanged', 'previousPrice'],
        ),
      ),
      description: 'Integer minor units (cents), for order lines added from now on.',
    },
    expectedVersion: expectedVersionSchema,
  },
} as const;

export interface RenameProductBody {
  name: string;
  expectedVersion?: number;
}

export const renameProductSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: nonBlankTextSchema(200), expectedVersion: expectedVersionSchema },
} as const;

export interface RetireProductBody {
  reason?: string;
  expectedVersion?: number;
}

export const DEFAULT_RETIREMENT_REASON = 'no longer sold';

export const retireProductSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    reason: { ...nonBlankTextSchema(500), default: DEFAULT_RETIREMENT_REASON },
    expectedVersion: expectedVersionSchema,
  },
} as const;

export const setPreferencesSchema = {
  ...preferencesSchema,
  properties: { ...preferencesSchema.properties, expectedVersion: expectedVersionSchema },
} as const;

/** Every body schema by route name, for the OpenAPI document. */
export const requestSchemas = {
  create: createOrderSchema,
  'add-item': addItemSchema,
  'remove-item': removeItemSchema,
  place: placeOrderSchema,
  cancel: cancelOrderSchema,
  'inventory/products': registerProductSchema,
  'inventory/replenish': replenishStockSchema,
  'inventory/price': changePriceSchema,
  'inventory/rename': renameProductSchema,
  'inventory/retire': retireProductSchema,
  'customers/notification-preferences': setPreferencesSchema,
  'notifications/receipt': receiptSchema,
} as const;
