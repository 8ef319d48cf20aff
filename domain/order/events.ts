import type { MinorUnits, OrderLine } from './money';
import type { StockReservation } from './commands';
import type { CancellableStatus } from './state';

export const CANCELLATION_REASON_CODES = [
  'CUSTOMER_REQUEST',
  'OUT_OF_STOCK',
  'PAYMENT_FAILED',
  'SHIPMENT_FAILED',
  'DEADLINE_EXCEEDED',
  'OTHER',
] as const;

export type CancellationReasonCode = (typeof CANCELLATION_REASON_CODES)[number];

export const isCancellationReasonCode = (value: unknown): value is CancellationReasonCode =>
  (CANCELLATION_REASON_CODES as readonly unknown[]).includes(value);

export const DEFAULT_SALES_CHANNEL = 'web';

/**
 * Domain payload only: aggregateId, version, event/command ids and headers form the envelope
 * the event store adds. `occurredAt` is the issuing command's `meta.issuedAt`.
 */
interface OrderEventOf<Type extends string, Data> {
  type: Type;
  data: Data & { occurredAt: string };
}

export type OrderCreated = OrderEventOf<
  'OrderCreated',
  { customerId: string; currency: string; items: OrderLine[]; salesChannel: string }
>;
export type OrderItemAdded = OrderEventOf<'OrderItemAdded', OrderLine>;
export type OrderItemRemoved = OrderEventOf<'OrderItemRemoved', { sku: string }>;

/*
 * From OrderPlaced on, events also carry what the saga needs to react without reading state
 * (customerId, currency, items): reactions are pure functions of one event. These fields were
 * added with Avro defaults ('' and []), so a record written before them decodes with the
 * default, and the reactions treat '' / [] as "not known" (see domain/saga/reactions.ts).
 */
interface OrderFacts {
  customerId: string;
  currency: string;
  items: OrderLine[];
}

export type OrderPlaced = OrderEventOf<'OrderPlaced', { totalAmount: MinorUnits } & OrderFacts>;
/** The inventory aggregate reserved one line; OrderInventoryReserved follows once every line is. */
export type OrderItemReserved = OrderEventOf<'OrderItemReserved', StockReservation>;
export type OrderInventoryReserved = OrderEventOf<
  'OrderInventoryReserved',
  { reservations: StockReservation[]; totalAmount: MinorUnits; currency: string; customerId: string }
>;
export type OrderPaid = OrderEventOf<'OrderPaid', { paymentId: string; amount: MinorUnits } & OrderFacts>;
export type OrderShipped = OrderEventOf<
  'OrderShipped',
  { shipmentId: string; carrier: string; trackingNumber: string; customerId: string; items: OrderLine[] }
>;
export type OrderCompleted = OrderEventOf<'OrderCompleted', { customerId: string }>;
export type OrderCancelled = OrderEventOf<
  'OrderCancelled',
  {
    reason: string;
    reasonCode: CancellationReasonCode;
    cancelledFromStatus: CancellableStatus;
    customerId: string;
    items: OrderLine[];
  }
>;

export type OrderEvent =
  | OrderCreated
  | OrderItemAdded
  | OrderItemRemoved
  | OrderPlaced
  | OrderItemReserved
  | OrderInventoryReserved
  | OrderPaid
  | OrderShipped
  | OrderCompleted
  | OrderCancelled;

export type OrderEventType = OrderEvent['type'];

/** Every event type, in lifecycle order; schemas and tests iterate it so none is forgotten. */
export const ORDER_EVENT_TYPES = [
  'OrderCreated',
  'OrderItemAdded',
  'OrderItemRemoved',
  'OrderPlaced',
  'OrderItemReserved',
  'OrderInventoryReserved',
  'OrderPaid',
  'OrderShipped',
  'OrderCompleted',
  'OrderCancelled',
] as const satisfies readonly OrderEventType[];

export const isOrderEventType = (value: unknown): value is OrderEventType =>
  (ORDER_EVENT_TYPES as readonly unknown[]).includes(value);

// Compile-time guard: adding an event to the union without listing it above fails here.
const _everyEventTypeListed: [Exclude<OrderEventType, (typeof ORDER_EVENT_TYPES)[number]>] extends [never]
  ? true
  : never = true;
