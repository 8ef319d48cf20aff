import { InvalidStateError, NotFoundError } from '../../lib/errors';
import type { Decider } from '../decider';
import type {
  ChangeProductPrice,
  InventoryCommand,
  RegisterProduct,
  RenameProduct,
  ReserveStock,
  RetireProduct,
} from './commands';
import type { InventoryEvent, LowStockDetected, ReservationRejectionReason } from './events';
import { evolveInventory } from './evolve';
import {
  available,
  closedReasonOf,
  initialInventoryState,
  reservationOf,
  type InventoryState,
  type Product,
} from './state';
import { validateInventoryCommand } from './validate-command';

/** LowStockDetected when `after` is the first available count below the threshold. */
const lowStock = (
  threshold: number,
  before: number,
  after: number,
  occurredAt: string,
): LowStockDetected[] =>
  before >= threshold && after < threshold
    ? [{ type: 'LowStockDetected', data: { available: after, threshold, occurredAt } }]
    : [];

// Against the registration, not the current details: start-up seeding re-sends it after changes.
const sameRegistration = (product: Product, command: RegisterProduct): boolean =>
  (product.registeredAs?.name ?? product.name) === command.name &&
  (product.registeredAs?.price ?? product.price) === command.price &&
  product.category === command.category &&
  product.initialStock === command.initialStock &&
  product.lowStockThreshold === command.lowStockThreshold;

const register = (command: RegisterProduct, state: InventoryState): InventoryEvent[] => {
  if (state.status === 'Registered') {
    if (sameRegistration(state, command)) return [];
    throw new InvalidStateError(`product ${command.sku} is already registered with other details`);
  }
  const { name, price, category, initialStock, lowStockThreshold } = command;
  const occurredAt = command.meta.issuedAt;
  return [
    {
      type: 'ProductRegistered',
      data: { name, price, category, initialStock, lowStockThreshold, occurredAt },
    },
    // "Crossing" from no stock record at all: a product registered below its threshold is low.
    ...lowStock(lowStockThreshold, Number.POSITIVE_INFINITY, initialStock, occurredAt),
  ];
};

/**
 * Idempotent per (sku, orderId): an open reservation answers a repeated ReserveStock with no
 * new event (its StockReserved is already in the log); a closed one answers with a rejection,
 * so a reservation that arrives after its order's release can never take stock again.
 */
const reserve = (command: ReserveStock, state: InventoryState): InventoryEvent[] => {
  const { orderId, quantity } = command;
  const occurredAt = command.meta.issuedAt;
  const rejected = (reason: ReservationRejectionReason, availableNow: number): InventoryEvent[] => [
    {
      type: 'StockReservationRejected',
      data: { orderId, quantity, available: availableNow, reason, occurredAt },
    },
  ];
  const open = reservationOf(state, orderId);
  if (open !== undefined) {
    if (open === quantity) return [];
    throw new InvalidStateError(`order ${orderId} already holds ${open} of ${command.sku}, not ${quantity}`);
  }
  if (state.status !== 'Registered') {
    return rejected(closedReasonOf(state, orderId) ? 'ORDER_CLOSED' : 'UNKNOWN_PRODUCT', 0);
  }
  const before = available(state);
  if (closedReasonOf(state, orderId) !== undefined) return rejected('ORDER_CLOSED', before);
  if (before < quantity) return rejected('INSUFFICIENT_STOCK', before);
  return [
    { type: 'StockReserved', data: { orderId, quantity, occurredAt } },
    ...lowStock(state.lowStockThreshold, before, before - quantity, occurredAt),
  ];
};

/** Price, name and retirement: each idempotent, and a retired product's details are final. */
const changeDetails = (
  command: ChangeProductPrice | RenameProduct | RetireProduct,
  product: Product,
): InventoryEvent[] => {
  const occurredAt = command.meta.issuedAt;
  if (product.retired) {
    if (command.type === 'RetireProduct') return [];
    throw new InvalidStateError(`product ${command.sku} is retired; its details no longer change`);
  }
  switch (command.type) {
    case 'ChangeProductPrice':
      return command.price === product.price
        ? []
        : [
            {
              type: 'ProductPriceChanged',
              data: { price: command.price, previousPrice: product.price, occurredAt },
            },
          ];
    case 'RenameProduct':
      return command.name === product.name
        ? []
        : [{ type: 'ProductRenamed', data: { name: command.name, previousName: product.name, occurredAt } }];
    case 'RetireProduct':
      return [{ type: 'ProductRetired', data: { reason: command.reason, occurredAt } }];
    default: {
      const unhandled: never = command;
      throw new InvalidStateError(`unknown product change ${JSON.stringify(unhandled)}`);
    }
  }
};

/** Order: validation, then the command's own rules; compensations (release) never fail on state. */
export const decideInventory = (command: InventoryCommand, state: InventoryState): InventoryEvent[] => {
  validateInventoryCommand(command);
  const occurredAt = command.meta.issuedAt;
  switch (command.type) {
    case 'RegisterProduct':
      return register(command, state);
    case 'ReserveStock':
      return reserve(command, state);
    case 'ReleaseStock': {
      const { orderId } = command;
      if (closedReasonOf(state, orderId) !== undefined) return [];
      // An unknown order is released with quantity 0: that closes it, so its reservation, if
      // still in flight, is rejected when it arrives instead of leaking stock.
      const quantity = reservationOf(state, orderId) ?? 0;
      return [{ type: 'StockReleased', data: { orderId, quantity, occurredAt } }];
    }
    case 'ReplenishStock':
    case 'CommitStock':
    case 'ChangeProductPrice':
    case 'RenameProduct':
    case 'RetireProduct':
      break;
    default: {
      const unhandled: never = command;
      throw new InvalidStateError(`unknown inventory command ${JSON.stringify(unhandled)}`);
    }
  }
  if (state.status !== 'Registered') throw new NotFoundError(`product ${command.sku} is not registered`);
  if (
    command.type === 'ChangeProductPrice' ||
    command.type === 'RenameProduct' ||
    command.type === 'RetireProduct'
  ) {
    return changeDetails(command, state);
  }
  if (command.type === 'ReplenishStock') {
    return [{ type: 'StockReplenished', data: { quantity: command.quantity, occurredAt } }];
  }
  const { orderId } = command;
  const quantity = reservationOf(state, orderId);
  if (quantity !== undefined) return [{ type: 'StockCommitted', data: { orderId, quantity, occurredAt } }];
  if (closedReasonOf(state, orderId) === 'committed') return [];
  throw new InvalidStateError(`order ${orderId} holds no reservation of ${command.sku} to commit`);
};

export const inventoryDecider: Decider<InventoryCommand, InventoryEvent, InventoryState> = {
  decide: decideInventory,
  evolve: evolveInventory,
  initialState: initialInventoryState,
};
