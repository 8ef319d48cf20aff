import { INVENTORY_EVENT_TYPES, type InventoryEvent } from '../../../domain/inventory/events';
import type { ProductView } from '../views';
import { evolveProductView } from './product-projection';

const at = (n: number): string => `2025-01-01T00:00:${String(n).padStart(2, '0')}.000Z`;
const fold = (events: InventoryEvent[]): ProductView | undefined =>
  events.reduce<ProductView | undefined>(
    (doc, event, i) =>
      evolveProductView(doc, event, { aggregateId: 'SKU-1', version: i + 1, occurredAt: at(i) }),
    undefined,
  );
const history: InventoryEvent[] = [
  { type: 'StockReleased', data: { orderId: 'o-0', quantity: 0, occurredAt: at(0) } },
  {
    type: 'ProductRegistered',
    data: {
      name: 'Mug',
      price: 900,
      category: 'kitchen',
      initialStock: 5,
      lowStockThreshold: 3,
      occurredAt: at(1),
    },
  },
  { type: 'StockReserved', data: { orderId: 'o-1', quantity: 2, occurredAt: at(2) } },
  { type: 'StockReserved', data: { orderId: 'o-2', quantity: 1, occurredAt: at(3) } },
  { type: 'LowStockDetected', data: { available: 2, threshold: 3, occurredAt: at(4) } },
  {
    type: 'StockReservationRejected',
    data: { orderId: 'o-3', quantity: 9, available: 2, reason: 'INSUFFICIENT_STOCK', occurredAt: at(5) },
  },
  { type: 'StockReleased', data: { orderId: 'o-2', quantity: 1, occurredAt: at(6) } },
  { type: 'StockCommitted', data: { orderId: 'o-1', quantity: 2, occurredAt: at(7) } },
  { type: 'StockReplenished', data: { quantity: 10, occurredAt: at(8) } },
];
const changes: InventoryEvent[] = [
  { type: 'ProductPriceChanged', data: { price: 1100, previousPrice: 900, occurredAt: at(9) } },
  { type: 'ProductRenamed', data: { name: 'Big mug', previousName: 'Mug', occurredAt: at(10) } },
  { type: 'ProductRetired', data: { reason: 'end of line', occurredAt: at(11) } },
];

describe('evolveProductView', () => {
  it('covers every inventory event type', () => {
    expect(new Set([...history, ...changes].map((e) => e.type))).toEqual(new Set(INVENTORY_EVENT_TYPES));
  });

  it('ignores a SKU until its product is registered', () => {
    expect(fold(history.slice(0, 1))).toBeUndefined();
    expect(fold(history.slice(0, 2))).toMatchObject({
      sku: 'SKU-1',
      onHand: 5,
      reserved: 0,
      available: 5,
      lowStock: false,
      version: 2,
    });
  });

  it('keeps available = onHand − reserved and the low-stock flag through reservations and shipments', () => {
    expect(fold(history.slice(0, 4))).toMatchObject({ onHand: 5, reserved: 3, available: 2, lowStock: true });
    expect(fold(history.slice(0, 7))).toMatchObject({
      onHand: 5,
      reserved: 2,
      available: 3,
      lowStock: false,
    });
    expect(fold(history)).toEqual({
      _id: 'SKU-1',
      sku: 'SKU-1',
      name: 'Mug',
      price: 900,
      category: 'kitchen',
      onHand: 13,
      reserved: 0,
      available: 13,
      shipped: 2,
      lowStockThreshold: 3,
      lowStock: false,
      version: 9,
      updatedAt: at(8),
    });
  });

  it('takes the new price and name, and marks a retired product without touching its stock', () => {
    expect(fold([...history, ...changes.slice(0, 2)])).toMatchObject({
      name: 'Big mug',
      price: 1100,
      onHand: 13,
      version: 11,
    });
    expect(fold(history)).not.toHaveProperty('retired');
    expect(fold([...history, ...changes])).toMatchObject({
      retired: true,
      retiredAt: at(11),
      available: 13,
      version: 12,
    });
  });

  it('never flags low stock when the threshold is 0', () => {
    const doc = evolveProductView(
      undefined,
      {
        type: 'ProductRegistered',
        data: {
          name: 'x',
          price: 1,
          category: 'c',
          initialStock: 0,
          lowStockThreshold: 0,
          occurredAt: at(0),
        },
      },
      { aggregateId: 'SKU-2', version: 1, occurredAt: at(0) },
    );
    expect(doc).toMatchObject({ available: 0, lowStock: false });
  });

  it('returns the same document for a redelivered event', () => {
    const doc = fold(history) as ProductView;
    history.forEach((event, i) =>
      expect(evolveProductView(doc, event, { aggregateId: 'SKU-1', version: i + 1, occurredAt: at(0) })).toBe(
        doc,
      ),
    );
  });
});
