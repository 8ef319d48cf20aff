import { Type, type Static } from '@sinclair/typebox';
import {
  CommandMetaSchema,
  CurrencyCode,
  Id,
  LineQuantity,
  MinorUnits,
  OneOf,
  Text,
  commandSchema,
} from '../command-schema';
import { CANCELLATION_REASON_CODES } from './events';

/*
 * Each order command is one schema (see ../command-schema.ts): the decider validates commands
 * from Kafka with it, the command API derives its request bodies from it, and the type below is
 * `Static` of it.
 */

export type CommandMeta = Static<typeof CommandMetaSchema>;

/** One line of an order, priced when it was added. */
export const OrderLineSchema = Type.Object({
  sku: Id(),
  quantity: LineQuantity(),
  unitPrice: MinorUnits(),
});

/** A create bounds one request's work, not an order's size (AddItem can grow it further). */
export const MAX_ITEMS_PER_CREATE = 100;

export const CreateOrderSchema = commandSchema('CreateOrder', 'orderId', {
  customerId: Id(),
  currency: CurrencyCode(),
  items: Type.Array(OrderLineSchema, {
    maxItems: MAX_ITEMS_PER_CREATE,
    description: 'May be empty; lines with the same sku are merged.',
  }),
  salesChannel: Type.Optional(Id({ maxLength: 32, description: 'Defaults to "web".' })),
});

export const AddItemSchema = commandSchema('AddItem', 'orderId', {
  sku: Id(),
  quantity: LineQuantity(),
  unitPrice: MinorUnits(),
});

export const RemoveItemSchema = commandSchema('RemoveItem', 'orderId', { sku: Id() });

export const PlaceOrderSchema = commandSchema('PlaceOrder', 'orderId', {});

export const StockReservationSchema = Type.Object({ sku: Id(), quantity: LineQuantity() });

/**
 * The inventory aggregate's answer for one line of a Placed order (sent by the saga on
 * StockReserved / StockReservationRejected). Late or repeated answers are normal: outside
 * Placed this command changes nothing.
 */
export const RecordStockReservationSchema = commandSchema('RecordStockReservation', 'orderId', {
  ...StockReservationSchema.properties,
  reserved: Type.Boolean(),
});

export const CapturePaymentSchema = commandSchema('CapturePayment', 'orderId', {
  paymentId: Text(500),
  amount: MinorUnits({ description: "Must equal the order's totalAmount." }),
});

export const ShipOrderSchema = commandSchema('ShipOrder', 'orderId', {
  shipmentId: Text(500),
  carrier: Text(500),
  trackingNumber: Text(500),
});

export const CompleteOrderSchema = commandSchema('CompleteOrder', 'orderId', {});

export const CancelOrderSchema = commandSchema('CancelOrder', 'orderId', {
  reason: Text(500),
  reasonCode: OneOf(CANCELLATION_REASON_CODES),
});

export type StockReservation = Static<typeof StockReservationSchema>;
export type CreateOrder = Static<typeof CreateOrderSchema>;
export type AddItem = Static<typeof AddItemSchema>;
export type RemoveItem = Static<typeof RemoveItemSchema>;
export type PlaceOrder = Static<typeof PlaceOrderSchema>;
export type RecordStockReservation = Static<typeof RecordStockReservationSchema>;
export type CapturePayment = Static<typeof CapturePaymentSchema>;
export type ShipOrder = Static<typeof ShipOrderSchema>;
export type CompleteOrder = Static<typeof CompleteOrderSchema>;
export type CancelOrder = Static<typeof CancelOrderSchema>;

export const ORDER_COMMAND_SCHEMAS = [
  CreateOrderSchema,
  AddItemSchema,
  RemoveItemSchema,
  PlaceOrderSchema,
  RecordStockReservationSchema,
  CapturePaymentSchema,
  ShipOrderSchema,
  CompleteOrderSchema,
  CancelOrderSchema,
] as const;

export type OrderCommand = Static<(typeof ORDER_COMMAND_SCHEMAS)[number]>;

export type OrderCommandType = OrderCommand['type'];
