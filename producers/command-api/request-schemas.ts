import { CloneType, Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import {
  AddItemSchema,
  CancelOrderSchema,
  CreateOrderSchema,
  OrderLineSchema,
  RemoveItemSchema,
} from '../../domain/order/commands';
import type { CancellationReasonCode } from '../../domain/order/events';
import { RecordDeliveryReceiptSchema } from '../../domain/notification/commands';
import { SetNotificationPreferencesSchema } from '../../domain/preferences/commands';
import { DEFAULT_PREFERENCES } from '../../domain/preferences/preferences';
import {
  ChangeProductPriceSchema,
  RegisterProductSchema,
  RenameProductSchema,
  ReplenishStockSchema,
  RetireProductSchema,
} from '../../domain/inventory/commands';

/*
 * JSON Schemas of the command API's request bodies, exported as data so the OpenAPI document can
 * embed the very objects the validators are compiled from. Each body is derived from its
 * command's schema (domain/<aggregate>/commands.ts), field by field, so the edge refuses exactly
 * what the decider would; the body's type is `Static` of its schema. What the edge adds is only
 * what HTTP needs: which fields a client may leave out (and their defaults), descriptions, and
 * closed objects (`additionalProperties: false`): a misspelt optional field must be reported,
 * not ignored.
 */

// The id rule is the domain's (domain/ids.ts), for path parameters.
export { ID_MAX_LENGTH, ID_PATTERN, idSchema, isValidId } from '../../domain/ids';
export { MAX_REPLENISH_QUANTITY } from '../../domain/inventory/commands';

export const DEFAULT_CURRENCY = 'EUR';
export const DEFAULT_REASON_CODE: CancellationReasonCode = 'CUSTOMER_REQUEST';

/**
 * A body: closed to unknown fields, and plain JSON (without TypeBox's symbol keys), because the
 * OpenAPI document embeds this very object and is served as JSON.
 */
const body = <Properties extends Record<string, TSchema>>(properties: Properties): TObject<Properties> =>
  JSON.parse(JSON.stringify(Type.Object(properties, { additionalProperties: false }))) as TObject<Properties>;

/** A command field a client may leave out, with the value it then takes. */
const optional = <T extends TSchema>(schema: T, options: { default?: unknown; description?: string } = {}) =>
  Type.Optional(CloneType(schema, options));

const create = CreateOrderSchema.properties;

export const expectedVersionSchema = optional(create.expectedVersion, {
  description: 'Rejected with 409 unless it equals the current version; may be sent as If-Match instead.',
});

/** A line as a client asks for it: the catalogue prices it. */
export const itemSchema = Type.Pick(OrderLineSchema, ['sku', 'quantity'], { additionalProperties: false });

export const createOrderSchema = body({
  customerId: optional(create.customerId, {
    description:
      "Whose order it is. A customer's token decides it: absent means the token's subject, another value is refused (403). Required when an admin creates an order for a customer.",
  }),
  items: optional(Type.Array(itemSchema, { maxItems: create.items.maxItems })),
  currency: optional(create.currency, { default: DEFAULT_CURRENCY }),
  salesChannel: create.salesChannel,
});
export type CreateOrderBody = Static<typeof createOrderSchema>;

export const addItemSchema = body({
  sku: AddItemSchema.properties.sku,
  quantity: AddItemSchema.properties.quantity,
  expectedVersion: expectedVersionSchema,
});
export type AddItemBody = Static<typeof addItemSchema>;

export const removeItemSchema = body({
  sku: RemoveItemSchema.properties.sku,
  expectedVersion: expectedVersionSchema,
});
export type RemoveItemBody = Static<typeof removeItemSchema>;

export const placeOrderSchema = body({ expectedVersion: expectedVersionSchema });
export type PlaceOrderBody = Static<typeof placeOrderSchema>;

/**
 * `reason` is optional so that an empty body cancels (the route accepts one); the recorded
 * reason then describes the reason code, because the domain requires a non-empty text.
 */
export const cancelOrderSchema = body({
  reason: optional(CancelOrderSchema.properties.reason),
  reasonCode: optional(CancelOrderSchema.properties.reasonCode, { default: DEFAULT_REASON_CODE }),
  expectedVersion: expectedVersionSchema,
});
export type CancelOrderBody = Static<typeof cancelOrderSchema>;

/** The low-stock threshold of a product registered without one. */
export const DEFAULT_LOW_STOCK_THRESHOLD = 5;

const register = RegisterProductSchema.properties;

export const registerProductSchema = body({
  sku: register.sku,
  name: register.name,
  price: register.price,
  category: register.category,
  initialStock: register.initialStock,
  lowStockThreshold: optional(register.lowStockThreshold, { default: DEFAULT_LOW_STOCK_THRESHOLD }),
});
export type RegisterProductBody = Static<typeof registerProductSchema>;

export const replenishStockSchema = body({
  quantity: ReplenishStockSchema.properties.quantity,
  expectedVersion: expectedVersionSchema,
});
export type ReplenishStockBody = Static<typeof replenishStockSchema>;

export const changePriceSchema = body({
  price: ChangeProductPriceSchema.properties.price,
  expectedVersion: expectedVersionSchema,
});
export type ChangePriceBody = Static<typeof changePriceSchema>;

export const renameProductSchema = body({
  name: RenameProductSchema.properties.name,
  expectedVersion: expectedVersionSchema,
});
export type RenameProductBody = Static<typeof renameProductSchema>;

export const DEFAULT_RETIREMENT_REASON = 'no longer sold';

export const retireProductSchema = body({
  reason: optional(RetireProductSchema.properties.reason, { default: DEFAULT_RETIREMENT_REASON }),
  expectedVersion: expectedVersionSchema,
});
export type RetireProductBody = Static<typeof retireProductSchema>;

const preferences = SetNotificationPreferencesSchema.properties;

/** The whole set of a customer's notification preferences; it replaces the one in force. */
export const setPreferencesSchema = body({
  channels: preferences.channels,
  quietHours: preferences.quietHours,
  locale: optional(preferences.locale, { default: DEFAULT_PREFERENCES.locale }),
  expectedVersion: expectedVersionSchema,
});
export type SetPreferencesBody = Static<typeof setPreferencesSchema>;

const receipt = RecordDeliveryReceiptSchema.properties;

/** A provider's delivery receipt for one sent notification. */
export const receiptSchema = body({ status: receipt.status, at: receipt.at, reason: receipt.reason });
export type ReceiptBody = Static<typeof receiptSchema>;

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
