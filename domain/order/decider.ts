import { InvalidStateError } from '../../lib/errors';
import { orderNotFound } from './access';
import type { Decider } from '../decider';
import { MAX_LINE_QUANTITY, orderTotal, type OrderLine } from './money';
import type { OrderCommand, OrderCommandType, RecordStockReservation } from './commands';
import { DEFAULT_SALES_CHANNEL, type CancellationReasonCode, type OrderEvent } from './events';
import { invalidField as invalid } from '../command-validator';
import {
  CANCELLABLE_STATUSES,
  initialOrderState,
  isCancellableStatus,
  type ExistingOrder,
  type OrderState,
  type OrderStatus,
} from './state';
import { evolveOrder } from './evolve';
import { validateOrderCommand } from './validate-command';

/**
 * The statuses in which each command (other than CreateOrder) is allowed, as a table rather
 * than scattered ifs, so the lifecycle of DESIGN §5 reads in one place.
 */
const ALLOWED_IN: Record<Exclude<OrderCommandType, 'CreateOrder'>, readonly OrderStatus[]> = {
  AddItem: ['Draft'],
  RemoveItem: ['Draft'],
  PlaceOrder: ['Draft'],
  // Accepted in every status after Draft, but only Placed acts on it: inventory replies that
  // arrive after a cancel (or twice) are normal in a choreography, not errors.
  RecordStockReservation: [
    'Placed',
    'InventoryReserved',
    'PaymentCaptured',
    'Shipped',
    'Completed',
    'Cancelled',
  ],
  CapturePayment: ['InventoryReserved'],
  ShipOrder: ['PaymentCaptured'],
  CompleteOrder: ['Shipped'],
  CancelOrder: CANCELLABLE_STATUSES,
};

/** Merges lines with the same sku, as AddItem would; one sku cannot carry two prices. */
const mergeLines = (lines: readonly OrderLine[], field: string): OrderLine[] => {
  const merged: OrderLine[] = [];
  lines.forEach((line, i) => {
    const existing = merged.find((m) => m.sku === line.sku);
    if (existing === undefined) {
      merged.push({ sku: line.sku, quantity: line.quantity, unitPrice: line.unitPrice });
      return;
    }
    if (existing.unitPrice !== line.unitPrice) {
      throw invalid(
        `${field}[${i}].unitPrice`,
        `differs from the unit price already on the order for ${line.sku}`,
      );
    }
    existing.quantity += line.quantity;
    if (existing.quantity > MAX_LINE_QUANTITY) {
      throw invalid(`${field}[${i}].quantity`, `would bring ${line.sku} above ${MAX_LINE_QUANTITY}`);
    }
  });
  if (!Number.isSafeInteger(orderTotal(merged)))
    throw invalid(field, 'total exceeds the largest exact amount');
  return merged;
};

/** What the saga needs from the order on its later events (see OrderFacts in events.ts). */
const facts = (state: ExistingOrder) => ({
  customerId: state.customerId,
  currency: state.currency,
  items: state.items.map(({ sku, quantity, unitPrice }) => ({ sku, quantity, unitPrice })),
});

const cancelled = (
  state: ExistingOrder,
  reason: string,
  reasonCode: CancellationReasonCode,
  occurredAt: string,
): OrderEvent => {
  const cancelledFromStatus = state.status;
  if (!isCancellableStatus(cancelledFromStatus)) {
    throw new InvalidStateError(`an order in status ${cancelledFromStatus} cannot be cancelled`);
  }
  const { customerId, items } = facts(state);
  return {
    type: 'OrderCancelled',
    data: { reason, reasonCode, cancelledFromStatus, customerId, items, occurredAt },
  };
};

/**
 * Per-SKU reservation (DESIGN §5): each line is reserved by its own inventory aggregate, and
 * the reply that completes the set also emits OrderInventoryReserved, in the same decide, so
 * "all lines reserved" is a fact in the log rather than something every reader recomputes.
 */
const recordStockReservation = (command: RecordStockReservation, state: ExistingOrder): OrderEvent[] => {
  if (state.status !== 'Placed') return [];
  const occurredAt = command.meta.issuedAt;
  const { sku, quantity } = command;
  const line = state.items.find((item) => item.sku === sku);
  if (line === undefined) throw invalid('sku', `${sku} is not on order ${command.orderId}`);
  if (!command.reserved) {
    return [cancelled(state, `out of stock: ${sku} (${quantity} requested)`, 'OUT_OF_STOCK', occurredAt)];
  }
  if (quantity !== line.quantity) {
    throw invalid('quantity', `must equal the ${line.quantity} units of ${sku} on the order`);
  }
  const already = state.reservedItems ?? [];
  if (already.some((r) => r.sku === sku)) return [];
  const itemReserved: OrderEvent = { type: 'OrderItemReserved', data: { sku, quantity, occurredAt } };
  const reserved = [...already, { sku, quantity }];
  if (!state.items.every((item) => reserved.some((r) => r.sku === item.sku))) return [itemReserved];
  return [
    itemReserved,
    {
      type: 'OrderInventoryReserved',
      data: {
        // In line order, whatever order the replies came in.
        reservations: state.items.map((item) => ({ sku: item.sku, quantity: item.quantity })),
        totalAmount: state.totalAmount,
        currency: state.currency,
        customerId: state.customerId,
        occurredAt,
      },
    },
  ];
};

const decideForExisting = (
  command: Exclude<OrderCommand, { type: 'CreateOrder' }>,
  state: ExistingOrder,
): OrderEvent[] => {
  const occurredAt = command.meta.issuedAt;
  switch (command.type) {
    case 'AddItem': {
      const { sku, quantity, unitPrice } = command;
      const existing = state.items.find((item) => item.sku === sku);
      if (existing !== undefined && existing.unitPrice !== unitPrice) {
        throw invalid(
          'unitPrice',
          `differs from the unit price ${existing.unitPrice} already on the order for ${sku}`,
        );
      }
      if ((existing?.quantity ?? 0) + quantity > MAX_LINE_QUANTITY) {
        throw invalid('quantity', `would bring ${sku} above ${MAX_LINE_QUANTITY}`);
      }
      if (!Number.isSafeInteger(state.totalAmount + quantity * unitPrice)) {
        throw invalid('unitPrice', 'makes the order total exceed the largest exact amount');
      }
      return [{ type: 'OrderItemAdded', data: { sku, quantity, unitPrice, occurredAt } }];
    }
    case 'RemoveItem':
      if (!state.items.some((item) => item.sku === command.sku)) {
        throw invalid('sku', `${command.sku} is not on order ${command.orderId}`);
      }
      return [{ type: 'OrderItemRemoved', data: { sku: command.sku, occurredAt } }];
    case 'PlaceOrder':
      if (state.items.length === 0) {
        throw new InvalidStateError(`order ${command.orderId} has no items and cannot be placed`);
      }
      return [{ type: 'OrderPlaced', data: { totalAmount: state.totalAmount, ...facts(state), occurredAt } }];
    case 'RecordStockReservation':
      return recordStockReservation(command, state);
    case 'CapturePayment':
      if (command.amount !== state.totalAmount) {
        throw invalid('amount', `must equal the order total ${state.totalAmount}, got ${command.amount}`);
      }
      return [
        {
          type: 'OrderPaid',
          data: { paymentId: command.paymentId, amount: command.amount, ...facts(state), occurredAt },
        },
      ];
    case 'ShipOrder': {
      const { shipmentId, carrier, trackingNumber } = command;
      const { customerId, items } = facts(state);
      return [
        {
          type: 'OrderShipped',
          data: { shipmentId, carrier, trackingNumber, customerId, items, occurredAt },
        },
      ];
    }
    case 'CompleteOrder':
      return [{ type: 'OrderCompleted', data: { customerId: state.customerId, occurredAt } }];
    case 'CancelOrder':
      return [cancelled(state, command.reason, command.reasonCode, occurredAt)];
    default: {
      const unhandled: never = command;
      throw invalid(
        'type',
        `unknown order command ${JSON.stringify((unhandled as { type?: unknown }).type)}`,
      );
    }
  }
};

/**
 * Order: validation (400) first, then existence (404), then the state table (409), then the
 * checks that need both command and state (lines, amounts).
 */
export const decideOrder = (command: OrderCommand, state: OrderState): OrderEvent[] => {
  validateOrderCommand(command);
  if (command.type === 'CreateOrder') {
    if (state.status !== 'None') throw new InvalidStateError(`order ${command.orderId} already exists`);
    const { customerId, currency, items, salesChannel } = command;
    return [
      {
        type: 'OrderCreated',
        data: {
          customerId,
          currency,
          items: mergeLines(items, 'items'),
          salesChannel: salesChannel ?? DEFAULT_SALES_CHANNEL,
          occurredAt: command.meta.issuedAt,
        },
      },
    ];
  }
  if (state.status === 'None') throw orderNotFound(command.orderId);
  if (!ALLOWED_IN[command.type].includes(state.status)) {
    throw new InvalidStateError(
      `${command.type} is not allowed on order ${command.orderId} in status ${state.status}`,
    );
  }
  return decideForExisting(command, state);
};

export const orderDecider: Decider<OrderCommand, OrderEvent, OrderState> = {
  decide: decideOrder,
  evolve: evolveOrder,
  initialState: initialOrderState,
};
