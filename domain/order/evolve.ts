import { InvalidStateError } from '../../lib/errors';
import { orderTotal, type OrderLine } from './money';
import type { OrderEvent } from './events';
import { STATUS_AFTER, type ExistingOrder, type OrderState } from './state';

const addLine = (items: readonly OrderLine[], line: OrderLine): OrderLine[] =>
  items.some((item) => item.sku === line.sku)
    ? items.map((item) =>
        item.sku === line.sku ? { ...item, quantity: item.quantity + line.quantity } : item,
      )
    : [...items, { sku: line.sku, quantity: line.quantity, unitPrice: line.unitPrice }];

const withItems = (state: ExistingOrder, items: OrderLine[], at: string): ExistingOrder => ({
  ...state,
  items,
  totalAmount: orderTotal(items),
  updatedAt: at,
});

/**
 * Events are facts, so evolve does not re-check transitions. It only refuses a history that
 * cannot exist (an event before OrderCreated, or a second OrderCreated): that is corruption
 * of G1, and hiding it would let a fork go unnoticed.
 */
export const evolveOrder = (state: OrderState, event: OrderEvent): OrderState => {
  const next = evolveFields(state, event);
  const status = STATUS_AFTER[event.type];
  return status && next.status !== 'None' && next.status !== status ? { ...next, status } : next;
};

/** Everything but the status, which STATUS_AFTER gives. */
const evolveFields = (state: OrderState, event: OrderEvent): OrderState => {
  if (event.type === 'OrderCreated') {
    if (state.status !== 'None')
      throw new InvalidStateError('corrupt history: OrderCreated on an existing order');
    const { customerId, currency, salesChannel, items, occurredAt } = event.data;
    return {
      status: 'Draft',
      customerId,
      currency,
      salesChannel,
      items: items.reduce<OrderLine[]>(addLine, []),
      totalAmount: orderTotal(items),
      createdAt: occurredAt,
      updatedAt: occurredAt,
    };
  }
  if (state.status === 'None') {
    throw new InvalidStateError(`corrupt history: ${event.type} before OrderCreated`);
  }
  const at = event.data.occurredAt;
  switch (event.type) {
    case 'OrderItemAdded':
      return withItems(state, addLine(state.items, event.data), at);
    case 'OrderItemRemoved':
      return withItems(
        state,
        state.items.filter((item) => item.sku !== event.data.sku),
        at,
      );
    case 'OrderPlaced':
      return { ...state, updatedAt: at };
    case 'OrderItemReserved': {
      const { sku, quantity } = event.data;
      return { ...state, reservedItems: [...(state.reservedItems ?? []), { sku, quantity }], updatedAt: at };
    }
    case 'OrderInventoryReserved':
      return { ...state, updatedAt: at };
    case 'OrderPaid':
      return {
        ...state,
        payment: { paymentId: event.data.paymentId, amount: event.data.amount },
        updatedAt: at,
      };
    case 'OrderShipped': {
      const { shipmentId, carrier, trackingNumber } = event.data;
      return {
        ...state,
        shipment: { shipmentId, carrier, trackingNumber },
        updatedAt: at,
      };
    }
    case 'OrderCompleted':
      return { ...state, updatedAt: at };
    case 'OrderCancelled': {
      const { reason, reasonCode, cancelledFromStatus } = event.data;
      return {
        ...state,
        cancellation: { reason, reasonCode, cancelledFromStatus },
        updatedAt: at,
      };
    }
    default: {
      const unhandled: never = event;
      throw new InvalidStateError(
        `unknown order event ${JSON.stringify((unhandled as { type?: unknown }).type)}`,
      );
    }
  }
};
