/**
 * The read side's shared vocabulary: the documents the projections write to MongoDB and the
 * query API serves, and how changes are announced on Redis. Shapes follow DESIGN §7.
 */

export type OrderStatus =
  'Draft' | 'Placed' | 'InventoryReserved' | 'PaymentCaptured' | 'Shipped' | 'Completed' | 'Cancelled';

export interface OrderView {
  _id: string;
  orderId: string;
  customerId: string;
  status: OrderStatus;
  items: { sku: string; quantity: number; unitPrice: number }[];
  totalAmount: number;
  currency: string;
  /** The aggregate version this document reflects; writes are guarded by it. */
  version: number;
  createdAt: string;
  updatedAt: string;
  timeline: { type: string; version: number; at: string }[];
  cancellationReason?: string;
  cancellationCode?: string;
  /** Saga progress: reserved lines, payment and shipment references as they happen. */
  reservedSkus: string[];
  payment?: { paymentId: string; amount: number };
  shipment?: { shipmentId: string; carrier: string; trackingNumber: string };
}

export interface ProductView {
  _id: string;
  sku: string;
  name: string;
  price: number;
  category: string;
  onHand: number;
  reserved: number;
  available: number;
  shipped: number;
  lowStockThreshold: number;
  lowStock: boolean;
  /** No longer sold (ProductRetired): still readable by sku, left out of the catalogue lists. */
  retired?: boolean;
  retiredAt?: string;
  version: number;
  updatedAt: string;
}

export interface PaymentView {
  _id: string;
  orderId: string;
  status: string;
  amount: number;
  refunded: number;
  currency: string;
  gatewayRef?: string;
  reason?: string;
  version: number;
  updatedAt: string;
}

export interface ShipmentView {
  _id: string;
  orderId: string;
  status: string;
  shipmentId?: string;
  carrier?: string;
  trackingNumber?: string;
  labelUrl?: string;
  history: { status: string; at: string }[];
  reason?: string;
  version: number;
  updatedAt: string;
}

export interface NotificationView {
  _id: string;
  notificationId: string;
  orderId: string;
  customerId: string;
  channel: string;
  template: string;
  status: 'Sent' | 'Failed';
  attempts: number;
  providerRef?: string;
  reason?: string;
  /** The provider's receipt: what finally became of a sent message. */
  delivery?: { status: 'delivered' | 'bounced' | 'failed'; at: string; reason?: string };
  version: number;
  updatedAt: string;
}

/**
 * One notification of an order as its view shows it (GET /api/queries/orders/{id}): what was
 * sent on which channel, and what the provider's receipt said became of it.
 */
export type OrderNotification = Pick<
  NotificationView,
  | 'notificationId'
  | 'channel'
  | 'template'
  | 'status'
  | 'attempts'
  | 'reason'
  | 'delivery'
  | 'version'
  | 'updatedAt'
>;

/** A customer's notification preferences (the preferences aggregate is keyed by customerId). */
export interface PreferencesView {
  _id: string;
  customerId: string;
  channels: string[];
  quietHours: { start: string; end: string; timeZone: string } | null;
  locale: string;
  version: number;
  updatedAt: string;
}

/** Logical view names; the physical collection behind each is resolved through `view_aliases`. */
export const VIEWS = ['orders', 'products', 'payments', 'shipments', 'notifications', 'preferences'] as const;
export type ViewName = (typeof VIEWS)[number];

/**
 * A replay builds new collections beside the live ones, then swaps by rewriting this alias
 * document: `{ _id: <view>, collection: <physical name>, swappedAt }`. A rename is not used
 * because FerretDB and MongoDB differ on renaming over an existing collection.
 */
export const ALIAS_COLLECTION = 'view_aliases';
export const defaultCollection = (view: ViewName): string => `${view}_view`;

/** Redis: every projected change is published here as JSON `{ view, id, version, status? }`. */
export const CHANGES_CHANNEL = 'orderstream:changes';
/** Redis: an order's status changes, for the SSE stream of that order. */
export const orderChannel = (orderId: string): string => `orderstream:order:${orderId}`;
/** Redis cache keys of the query API (the projections delete them on change). */
export const cacheKey = (view: ViewName, id: string): string => `orderstream:cache:${view}:${id}`;
