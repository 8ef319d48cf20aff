import type { CommandMeta, OrderCommand } from '../order/commands';
import type { CancellationReasonCode, OrderEvent } from '../order/events';
import type { CancellableStatus, OrderStatus } from '../order/state';

/** Shared by the decider and schema tests: one order walked through its whole lifecycle. */

export const ORDER_ID = 'order-1';
export const ISSUED_AT = '2025-03-01T10:00:00.000Z';

export const meta = (issuedAt: string = ISSUED_AT, commandId = 'cmd-1'): CommandMeta => ({
  commandId,
  correlationId: 'corr-1',
  issuedAt,
});

type WithoutEnvelope<C> = C extends OrderCommand ? Omit<C, 'orderId' | 'meta'> : never;

/** Builds a command for ORDER_ID with default metadata; `at` overrides issuedAt. */
export const command = <C extends WithoutEnvelope<OrderCommand>>(
  body: C,
  at: string = ISSUED_AT,
): Extract<OrderCommand, { type: C['type'] }> =>
  ({ ...body, orderId: ORDER_ID, meta: meta(at) }) as unknown as Extract<OrderCommand, { type: C['type'] }>;

// Two lines: 2 × 1250 + 1 × 999 = 3499 minor units.
export const LINES = [
  { sku: 'SKU-A', quantity: 2, unitPrice: 1250 },
  { sku: 'SKU-B', quantity: 1, unitPrice: 999 },
];
export const TOTAL = 3499;

/** One valid command of each type, shaped for the state in which it is allowed. */
export const COMMANDS = {
  CreateOrder: command({ type: 'CreateOrder', customerId: 'cust-1', currency: 'EUR', items: LINES }),
  AddItem: command({ type: 'AddItem', sku: 'SKU-C', quantity: 3, unitPrice: 100 }),
  RemoveItem: command({ type: 'RemoveItem', sku: 'SKU-B' }),
  PlaceOrder: command({ type: 'PlaceOrder' }),
  RecordStockReservation: command({
    type: 'RecordStockReservation',
    sku: 'SKU-A',
    quantity: 2,
    reserved: true,
  }),
  CapturePayment: command({ type: 'CapturePayment', paymentId: 'pay-1', amount: TOTAL }),
  ShipOrder: command({ type: 'ShipOrder', shipmentId: 'ship-1', carrier: 'DHL', trackingNumber: 'TRK-1' }),
  CompleteOrder: command({ type: 'CompleteOrder' }),
  CancelOrder: command({
    type: 'CancelOrder',
    reason: 'customer changed their mind',
    reasonCode: 'CUSTOMER_REQUEST',
  }),
} satisfies { [T in OrderCommand['type']]: Extract<OrderCommand, { type: T }> };

const occurredAt = ISSUED_AT;
const CUSTOMER = 'cust-1';
const CURRENCY = 'EUR';

export const EVENTS = {
  created: {
    type: 'OrderCreated',
    data: { customerId: CUSTOMER, currency: CURRENCY, items: LINES, salesChannel: 'web', occurredAt },
  },
  placed: {
    type: 'OrderPlaced',
    data: { totalAmount: TOTAL, customerId: CUSTOMER, currency: CURRENCY, items: LINES, occurredAt },
  },
  itemReservedA: { type: 'OrderItemReserved', data: { sku: 'SKU-A', quantity: 2, occurredAt } },
  itemReservedB: { type: 'OrderItemReserved', data: { sku: 'SKU-B', quantity: 1, occurredAt } },
  reserved: {
    type: 'OrderInventoryReserved',
    data: {
      reservations: [
        { sku: 'SKU-A', quantity: 2 },
        { sku: 'SKU-B', quantity: 1 },
      ],
      totalAmount: TOTAL,
      currency: CURRENCY,
      customerId: CUSTOMER,
      occurredAt,
    },
  },
  paid: {
    type: 'OrderPaid',
    data: {
      paymentId: 'pay-1',
      amount: TOTAL,
      customerId: CUSTOMER,
      currency: CURRENCY,
      items: LINES,
      occurredAt,
    },
  },
  shipped: {
    type: 'OrderShipped',
    data: {
      shipmentId: 'ship-1',
      carrier: 'DHL',
      trackingNumber: 'TRK-1',
      customerId: CUSTOMER,
      items: LINES,
      occurredAt,
    },
  },
  completed: { type: 'OrderCompleted', data: { customerId: CUSTOMER, occurredAt } },
} satisfies Record<string, OrderEvent>;

/** The OrderCancelled the fixture order gets when cancelled from `from` (customer request by default). */
export const cancelledEvent = (
  from: CancellableStatus,
  reason = 'customer changed their mind',
  reasonCode: CancellationReasonCode = 'CUSTOMER_REQUEST',
): OrderEvent => ({
  type: 'OrderCancelled',
  data: { reason, reasonCode, cancelledFromStatus: from, customerId: CUSTOMER, items: LINES, occurredAt },
});

const reservedHistory = [
  EVENTS.created,
  EVENTS.placed,
  EVENTS.itemReservedA,
  EVENTS.itemReservedB,
  EVENTS.reserved,
];

/** A history that leaves the order in each status (Cancelled: cancelled while Draft). */
export const HISTORY: Record<OrderStatus | 'None', OrderEvent[]> = {
  None: [],
  Draft: [EVENTS.created],
  Placed: [EVENTS.created, EVENTS.placed],
  InventoryReserved: reservedHistory,
  PaymentCaptured: [...reservedHistory, EVENTS.paid],
  Shipped: [...reservedHistory, EVENTS.paid, EVENTS.shipped],
  Completed: [...reservedHistory, EVENTS.paid, EVENTS.shipped, EVENTS.completed],
  Cancelled: [EVENTS.created, cancelledEvent('Draft', 'duplicate', 'OTHER')],
};
