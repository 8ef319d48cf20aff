import { catalog } from '../../domain/catalog/catalog';
import { ORDER_STATUSES } from '../../domain/order/state';
import type { OrderStatus, OrderView } from '../../lib/read-models/views';

/** Every order status, in lifecycle order; the views' statuses rotate through them. */
export const STATUSES: readonly OrderStatus[] = ORDER_STATUSES;
const products = catalog.list();

/** The n-th of a run's order views: three items, four timeline entries, customers round-robin. */
export const orderView = (runId: string, n: number, customers: number): OrderView => {
  const at = new Date(Date.UTC(2025, 0, 1) + n * 60_000).toISOString();
  const items = [0, 1, 2].map((k) => {
    const p = products[(n + k) % products.length] as (typeof products)[number];
    return { sku: p.sku, quantity: 1 + ((n + k) % 3), unitPrice: p.price };
  });
  const id = `${runId}-o${n}`;
  return {
    _id: id,
    orderId: id,
    customerId: `${runId}-c${n % customers}`,
    status: STATUSES[n % STATUSES.length] as OrderStatus,
    items,
    totalAmount: items.reduce((s, i) => s + i.quantity * i.unitPrice, 0),
    currency: 'EUR',
    version: 4,
    createdAt: at,
    updatedAt: at,
    timeline: ['OrderCreated', 'OrderItemAdded', 'OrderItemAdded', 'OrderPlaced'].map((type, v) => ({
      type,
      version: v + 1,
      at,
    })),
    reservedSkus: [],
  };
};
