import { InvalidStateError } from '../../lib/errors';
import type { InventoryEvent } from './events';
import { reservationOf, type ClosedReason, type InventoryState, type Product } from './state';

const corrupt = (event: InventoryEvent, why: string): InvalidStateError =>
  new InvalidStateError(`corrupt history: ${event.type} ${why}`);

const withoutKey = (record: Record<string, number>, key: string): Record<string, number> => {
  const { [key]: _removed, ...rest } = record;
  return rest;
};

/** A closed order keeps the reason it was first closed with (a later rejection does not overwrite "committed"). */
const close = (state: InventoryState, orderId: string, reason: ClosedReason): Record<string, ClosedReason> =>
  Object.hasOwn(state.closed, orderId) ? state.closed : { ...state.closed, [orderId]: reason };

/** Takes `orderId`'s reservation off the books, closing the order for this SKU. */
const settle = (state: Product, orderId: string, quantity: number, reason: ClosedReason): Product => ({
  ...state,
  reserved: state.reserved - quantity,
  reservations: withoutKey(state.reservations, orderId),
  closed: close(state, orderId, reason),
});

/** Name and price as registered: kept on the first change, since the current ones move. */
const registration = (product: Product): NonNullable<Product['registeredAs']> =>
  product.registeredAs ?? { name: product.name, price: product.price };

const registered = (state: InventoryState, event: InventoryEvent): Product => {
  if (state.status !== 'Registered') throw corrupt(event, 'before ProductRegistered');
  return state;
};

/**
 * Events are facts; evolve only refuses histories that cannot exist (a product registered
 * twice, stock moving on an unregistered SKU, or a settlement that disagrees with the open
 * reservation), since hiding them would let a forked history (G1) go unnoticed.
 */
export const evolveInventory = (state: InventoryState, event: InventoryEvent): InventoryState => {
  switch (event.type) {
    case 'ProductRegistered': {
      if (state.status === 'Registered') throw corrupt(event, 'on a registered product');
      const { name, price, category, initialStock, lowStockThreshold } = event.data;
      return {
        status: 'Registered',
        name,
        price,
        category,
        initialStock,
        lowStockThreshold,
        onHand: initialStock,
        reserved: 0,
        reservations: {},
        shipped: 0,
        received: initialStock,
        closed: state.closed,
      };
    }
    case 'StockReplenished': {
      const product = registered(state, event);
      const { quantity } = event.data;
      return { ...product, onHand: product.onHand + quantity, received: product.received + quantity };
    }
    case 'StockReserved': {
      const product = registered(state, event);
      const { orderId, quantity } = event.data;
      return {
        ...product,
        reserved: product.reserved + quantity,
        reservations: { ...product.reservations, [orderId]: quantity },
      };
    }
    case 'StockReservationRejected':
      return { ...state, closed: close(state, event.data.orderId, 'rejected') };
    case 'StockReleased': {
      const { orderId, quantity } = event.data;
      if ((reservationOf(state, orderId) ?? 0) !== quantity)
        throw corrupt(event, `of ${quantity} for ${orderId}`);
      return state.status === 'Registered'
        ? settle(state, orderId, quantity, 'released')
        : { ...state, closed: close(state, orderId, 'released') };
    }
    case 'StockCommitted': {
      const product = registered(state, event);
      const { orderId, quantity } = event.data;
      if (reservationOf(product, orderId) !== quantity) throw corrupt(event, `of ${quantity} for ${orderId}`);
      const settled = settle(product, orderId, quantity, 'committed');
      return { ...settled, onHand: product.onHand - quantity, shipped: product.shipped + quantity };
    }
    case 'LowStockDetected':
      return state;
    case 'ProductPriceChanged': {
      const product = registered(state, event);
      return { ...product, registeredAs: registration(product), price: event.data.price };
    }
    case 'ProductRenamed': {
      const product = registered(state, event);
      return { ...product, registeredAs: registration(product), name: event.data.name };
    }
    case 'ProductRetired': {
      const product = registered(state, event);
      return { ...product, retired: { reason: event.data.reason, at: event.data.occurredAt } };
    }
    default: {
      const unhandled: never = event;
      throw new InvalidStateError(
        `unknown inventory event ${JSON.stringify((unhandled as { type?: unknown }).type)}`,
      );
    }
  }
};
