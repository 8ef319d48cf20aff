import type { InventoryEvent } from '../../../domain/inventory/events';
import type { ProductView } from '../views';
import { alreadyApplied, unknownEvent, type EventEnvelope } from './envelope';

type Stock = Pick<ProductView, 'onHand' | 'reserved' | 'shipped'>;

/** Derived fields, recomputed after every event so they can never drift from the counts. */
const withStock = (doc: ProductView, stock: Partial<Stock>): ProductView => {
  const next = { ...doc, ...stock };
  const available = next.onHand - next.reserved;
  // A threshold of 0 disables the alert (RegisterProduct), as LowStockDetected does.
  return { ...next, available, lowStock: next.lowStockThreshold > 0 && available < next.lowStockThreshold };
};

/**
 * The product view, from the inventory aggregate (one per SKU): catalogue fields and stock
 * levels. A SKU's events before ProductRegistered (a release of an order that never reserved
 * it) describe no product, so they produce no document.
 */
export const evolveProductView = (
  doc: ProductView | undefined,
  event: InventoryEvent,
  envelope: EventEnvelope,
): ProductView | undefined => {
  if (alreadyApplied(doc, envelope)) return doc;
  const at = event.data.occurredAt;
  if (event.type === 'ProductRegistered') {
    const { name, price, category, initialStock, lowStockThreshold } = event.data;
    return withStock(
      {
        _id: envelope.aggregateId,
        sku: envelope.aggregateId,
        name,
        price,
        category,
        onHand: initialStock,
        reserved: 0,
        available: initialStock,
        shipped: 0,
        lowStockThreshold,
        lowStock: false,
        version: envelope.version,
        updatedAt: at,
      },
      {},
    );
  }
  if (doc === undefined) return undefined;
  const base: ProductView = { ...doc, version: envelope.version, updatedAt: at };
  switch (event.type) {
    case 'StockReplenished':
      return withStock(base, { onHand: base.onHand + event.data.quantity });
    case 'StockReserved':
      return withStock(base, { reserved: base.reserved + event.data.quantity });
    case 'StockReservationRejected':
      return base;
    case 'StockReleased':
      return withStock(base, { reserved: base.reserved - event.data.quantity });
    case 'StockCommitted': {
      const { quantity } = event.data;
      return withStock(base, {
        reserved: base.reserved - quantity,
        onHand: base.onHand - quantity,
        shipped: base.shipped + quantity,
      });
    }
    case 'LowStockDetected':
      // The flag is derived from the counts; the alert itself changes none of them.
      return withStock(base, {});
    case 'ProductPriceChanged':
      return { ...base, price: event.data.price };
    case 'ProductRenamed':
      return { ...base, name: event.data.name };
    case 'ProductRetired':
      return { ...base, retired: true, retiredAt: event.data.occurredAt };
    default:
      throw unknownEvent('product', event);
  }
};
