import type { MinorUnits } from '../order/money';

/** Why an order holds nothing of this SKU any more; a closed order can never reserve it again. */
export type ClosedReason = 'released' | 'committed' | 'rejected';

/**
 * Plain JSON (records, not Maps or Sets) so the runtime can snapshot it as is. `closed` grows
 * with every order that touched the SKU, on purpose: it is what turns a ReserveStock that
 * arrives after its order's ReleaseStock into a rejection instead of a leaked reservation.
 */
interface ClosedOrders {
  closed: Record<string, ClosedReason>;
}

/** No product registered yet; reservations are rejected, releases still close the order. */
export interface UnregisteredProduct extends ClosedOrders {
  status: 'Unregistered';
}

export interface Product extends ClosedOrders {
  status: 'Registered';
  name: string;
  price: MinorUnits;
  category: string;
  initialStock: number;
  lowStockThreshold: number;
  /** Units in the warehouse, reserved or not. */
  onHand: number;
  /** Sum of `reservations`; always ≤ onHand. */
  reserved: number;
  /** Open reservations by orderId. */
  reservations: Record<string, number>;
  /** Units that left the warehouse (committed); onHand + shipped = received. */
  shipped: number;
  /** initialStock + every replenishment. */
  received: number;
  /** Name and price as registered, before any change: what a repeated RegisterProduct is compared with. */
  registeredAs?: { name: string; price: MinorUnits };
  /** Set once by ProductRetired: not for sale any more. */
  retired?: { reason: string; at: string };
}

export type InventoryState = UnregisteredProduct | Product;

export const initialInventoryState = (): InventoryState => ({ status: 'Unregistered', closed: {} });

export const available = (product: Product): number => product.onHand - product.reserved;

export const reservationOf = (state: InventoryState, orderId: string): number | undefined =>
  state.status === 'Registered' && Object.hasOwn(state.reservations, orderId)
    ? state.reservations[orderId]
    : undefined;

export const closedReasonOf = (state: InventoryState, orderId: string): ClosedReason | undefined =>
  Object.hasOwn(state.closed, orderId) ? state.closed[orderId] : undefined;
