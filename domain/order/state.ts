import type { MinorUnits, OrderLine } from './money';
import type { CancellationReasonCode, OrderEventType } from './events';
import type { StockReservation } from './commands';

export const ORDER_STATUSES = [
  'Draft',
  'Placed',
  'InventoryReserved',
  'PaymentCaptured',
  'Shipped',
  'Completed',
  'Cancelled',
] as const;

/** The statuses the read side shows (DESIGN §7). */
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * The status each event moves an order to; the events missing here (items added, removed or
 * reserved one by one) leave it where it is. The aggregate, the order view and the saga's
 * timers all read an order's status from this one table.
 */
export const STATUS_AFTER: Readonly<Partial<Record<OrderEventType, OrderStatus>>> = {
  OrderCreated: 'Draft',
  OrderPlaced: 'Placed',
  OrderInventoryReserved: 'InventoryReserved',
  OrderPaid: 'PaymentCaptured',
  OrderShipped: 'Shipped',
  OrderCompleted: 'Completed',
  OrderCancelled: 'Cancelled',
};

/** Statuses from which CancelOrder is allowed: everything before Shipped. */
export const CANCELLABLE_STATUSES = ['Draft', 'Placed', 'InventoryReserved', 'PaymentCaptured'] as const;
export type CancellableStatus = (typeof CANCELLABLE_STATUSES)[number];

export const isCancellableStatus = (status: string): status is CancellableStatus =>
  (CANCELLABLE_STATUSES as readonly string[]).includes(status);

export interface NoOrder {
  status: 'None';
}

/**
 * The aggregate's state once created. The version is deliberately absent: the event store owns
 * it (it is the stream position), and a copy here could only drift from it.
 */
export interface ExistingOrder {
  status: OrderStatus;
  customerId: string;
  currency: string;
  salesChannel: string;
  items: OrderLine[];
  /** Sum of quantity × unitPrice over items, in minor units. */
  totalAmount: MinorUnits;
  createdAt: string;
  updatedAt: string;
  /** Lines the inventory aggregate has reserved so far, while Placed (absent until the first). */
  reservedItems?: StockReservation[];
  /** Kept for compensation (refund) and for the shipment saga. */
  payment?: { paymentId: string; amount: MinorUnits };
  shipment?: { shipmentId: string; carrier: string; trackingNumber: string };
  cancellation?: {
    reason: string;
    reasonCode: CancellationReasonCode;
    cancelledFromStatus: CancellableStatus;
  };
}

export type OrderState = NoOrder | ExistingOrder;

export const initialOrderState = (): OrderState => ({ status: 'None' });
