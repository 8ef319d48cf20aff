import { InvalidStateError, NotFoundError, ValidationError } from '../../lib/errors';
import type { Decider } from '../decider';
import { MAX_LINE_QUANTITY, orderTotal, type OrderLine } from './money';
import type { OrderCommand, OrderCommandType, StockReservation } from './commands';
import { DEFAULT_SALES_CHANNEL, type OrderEvent } from './events';
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
  ConfirmInventoryReserved: ['Placed'],
  CapturePayment: ['InventoryReserved'],
  ShipOrder: ['PaymentCaptured'],
  CompleteOrder: ['Shipped'],
  CancelOrder: CANCELLABLE_STATUSES,
};

const invalid = (field: string, message: string): ValidationError =>
  new ValidationError(`${field} ${message}`, [{ field, message }]);

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

const sameReservations = (
  reservations: readonly StockReservation[],
  items: readonly OrderLine[],
): boolean => {
  const reserved = new Map<string, number>();
  for (const r of reservations) reserved.set(r.sku, (reserved.get(r.sku) ?? 0) + r.quantity);
  return reserved.size === items.length && items.every((item) => reserved.get(item.sku) === item.quantity);
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
      return [{ type: 'OrderPlaced', data: { totalAmount: state.totalAmount, occurredAt } }];
    case 'ConfirmInventoryReserved': {
      const reservations =
        command.reservations ?? state.items.map(({ sku, quantity }) => ({ sku, quantity }));
      if (!sameReservations(reservations, state.items)) {
        throw invalid('reservations', `must cover exactly the lines of order ${command.orderId}`);
      }
      return [
        {
          type: 'OrderInventoryReserved',
          data: { reservations: reservations.map(({ sku, quantity }) => ({ sku, quantity })), occurredAt },
        },
      ];
    }
    case 'CapturePayment':
      if (command.amount !== state.totalAmount) {
        throw invalid('amount', `must equal the order total ${state.totalAmount}, got ${command.amount}`);
      }
      return [
        { type: 'OrderPaid', data: { paymentId: command.paymentId, amount: command.amount, occurredAt } },
      ];
    case 'ShipOrder': {
      const { shipmentId, carrier, trackingNumber } = command;
      return [{ type: 'OrderShipped', data: { shipmentId, carrier, trackingNumber, occurredAt } }];
    }
    case 'CompleteOrder':
      return [{ type: 'OrderCompleted', data: { occurredAt } }];
    case 'CancelOrder': {
      const cancelledFromStatus = state.status;
      if (!isCancellableStatus(cancelledFromStatus)) {
        throw new InvalidStateError(
          `order ${command.orderId} in status ${cancelledFromStatus} cannot be cancelled`,
        );
      }
      const { reason, reasonCode } = command;
      return [{ type: 'OrderCancelled', data: { reason, reasonCode, cancelledFromStatus, occurredAt } }];
    }
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
  if (state.status === 'None') throw new NotFoundError(`order ${command.orderId} does not exist`);
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
