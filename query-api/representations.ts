import type { OrderView, ProductView } from '../lib/read-models/views';

/** The views as clients see them (DESIGN §7): MongoDB's `_id` is an internal detail. */

export type OrderBody = Omit<OrderView, '_id'>;

export function orderBody(doc: OrderView): OrderBody {
  const { _id, ...order } = doc;
  return order;
}

export interface ProductBody {
  sku: string;
  name: string;
  price: number;
  category: string;
  available: number;
  onHand: number;
  reserved: number;
  lowStock: boolean;
  retired: boolean;
  version: number;
  updatedAt: string;
}

export const productBody = (doc: ProductView): ProductBody => ({
  sku: doc.sku,
  name: doc.name,
  price: doc.price,
  category: doc.category,
  available: doc.available,
  onHand: doc.onHand,
  reserved: doc.reserved,
  lowStock: doc.lowStock,
  retired: doc.retired ?? false,
  version: doc.version,
  updatedAt: doc.updatedAt,
});

export interface InventoryBody {
  sku: string;
  onHand: number;
  reserved: number;
  available: number;
  version: number;
  updatedAt: string;
}

export const inventoryBody = (doc: ProductView): InventoryBody => ({
  sku: doc.sku,
  onHand: doc.onHand,
  reserved: doc.reserved,
  available: doc.available,
  version: doc.version,
  updatedAt: doc.updatedAt,
});

/** Payment, shipment and notification views are served as projected, without MongoDB's `_id`. */
export const withoutId = <T extends { _id: string }>({ _id, ...rest }: T): Omit<T, '_id'> => rest;
