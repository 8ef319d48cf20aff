import type { MinorUnits } from '../order/money';

/** Domain payload only (the SKU is the aggregate id, in the envelope); occurredAt is meta.issuedAt. */
interface InventoryEventOf<Type extends string, Data> {
  type: Type;
  data: Data & { occurredAt: string };
}

export const RESERVATION_REJECTION_REASONS = [
  /** available = onHand − reserved was below the quantity asked for. */
  'INSUFFICIENT_STOCK',
  /** The order's reservation of this SKU was already released, committed or rejected. */
  'ORDER_CLOSED',
  /** No product is registered under this SKU. */
  'UNKNOWN_PRODUCT',
] as const;
export type ReservationRejectionReason = (typeof RESERVATION_REJECTION_REASONS)[number];

export type ProductRegistered = InventoryEventOf<
  'ProductRegistered',
  { name: string; price: MinorUnits; category: string; initialStock: number; lowStockThreshold: number }
>;
export type StockReplenished = InventoryEventOf<'StockReplenished', { quantity: number }>;
export type StockReserved = InventoryEventOf<'StockReserved', { orderId: string; quantity: number }>;
/** An event, not an error: the saga needs the answer to cancel the order. */
export type StockReservationRejected = InventoryEventOf<
  'StockReservationRejected',
  { orderId: string; quantity: number; available: number; reason: ReservationRejectionReason }
>;
/** quantity 0 records a release that overtook its reservation: it closes the order for this SKU. */
export type StockReleased = InventoryEventOf<'StockReleased', { orderId: string; quantity: number }>;
export type StockCommitted = InventoryEventOf<'StockCommitted', { orderId: string; quantity: number }>;
/** A new list price for lines added from now on; lines already in orders keep theirs. */
export type ProductPriceChanged = InventoryEventOf<
  'ProductPriceChanged',
  { price: MinorUnits; previousPrice: MinorUnits }
>;
export type ProductRenamed = InventoryEventOf<'ProductRenamed', { name: string; previousName: string }>;
/**
 * No longer sold: no new order line may take it. Orders that already hold it are still
 * reserved, shipped and released as usual, since those lines were sold before.
 */
export type ProductRetired = InventoryEventOf<'ProductRetired', { reason: string }>;
/** Emitted with the event that takes available units from ≥ threshold to below it. */
export type LowStockDetected = InventoryEventOf<'LowStockDetected', { available: number; threshold: number }>;

export type InventoryEvent =
  | ProductRegistered
  | StockReplenished
  | StockReserved
  | StockReservationRejected
  | StockReleased
  | StockCommitted
  | LowStockDetected
  | ProductPriceChanged
  | ProductRenamed
  | ProductRetired;

export type InventoryEventType = InventoryEvent['type'];

export const INVENTORY_EVENT_TYPES = [
  'ProductRegistered',
  'StockReplenished',
  'StockReserved',
  'StockReservationRejected',
  'StockReleased',
  'StockCommitted',
  'LowStockDetected',
  'ProductPriceChanged',
  'ProductRenamed',
  'ProductRetired',
] as const satisfies readonly InventoryEventType[];

// Compile-time guard: adding an event to the union without listing it above fails here.
const _everyEventTypeListed: [Exclude<InventoryEventType, (typeof INVENTORY_EVENT_TYPES)[number]>] extends [
  never,
]
  ? true
  : never = true;
