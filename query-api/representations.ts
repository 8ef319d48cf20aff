import type { NotificationView, OrderNotification, OrderView, ProductView } from '../lib/read-models/views';

/** The views as clients see them (DESIGN §7): MongoDB's `_id` is an internal detail. */

export type OrderBody = Omit<OrderView, '_id'> & { notifications?: OrderNotification[] };

/** The order as GET /api/queries/orders/{id} serves it: its view and its notifications. */
export type OrderWithNotifications = OrderView & { notifications: OrderNotification[] };

export const orderNotification = (n: NotificationView): OrderNotification => ({
  notificationId: n.notificationId,
  channel: n.channel,
  template: n.template,
  status: n.status,
  attempts: n.attempts,
  ...(n.reason !== undefined ? { reason: n.reason } : {}),
  ...(n.delivery !== undefined ? { delivery: n.delivery } : {}),
  version: n.version,
  updatedAt: n.updatedAt,
});

/**
 * The ETag's version part of an order with its notifications. Versions only grow, so the sum of
 * the notifications' versions grows with every receipt or new notification: a validator that
 * changes whenever the body does. Without notifications it is the order's version, as before.
 */
export const orderValidator = (doc: OrderView & { notifications?: OrderNotification[] }): string | number => {
  const notifications = doc.notifications ?? [];
  if (notifications.length === 0) return doc.version;
  return `${doc.version}.${notifications.reduce((sum, n) => sum + n.version, 0)}`;
};

export function orderBody(doc: OrderView & { notifications?: OrderNotification[] }): OrderBody {
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
