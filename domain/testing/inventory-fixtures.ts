import type { InventoryCommand } from '../inventory/commands';
import type { InventoryEvent } from '../inventory/events';
import { ISSUED_AT, meta } from './order-fixtures';

export const SKU = 'SKU-A';

type Body<C> = C extends InventoryCommand ? Omit<C, 'sku' | 'meta'> : never;

/** A command for SKU with default metadata. */
export const inventoryCommand = <C extends Body<InventoryCommand>>(body: C, sku = SKU): InventoryCommand =>
  ({ ...body, sku, meta: meta() }) as unknown as InventoryCommand;

const occurredAt = ISSUED_AT;

/** 10 units, low below 3. */
export const REGISTER = inventoryCommand({
  type: 'RegisterProduct',
  name: 'Widget',
  price: 1250,
  category: 'tools',
  initialStock: 10,
  lowStockThreshold: 3,
});

/** One event of each type, shaped as the decider emits them. */
export const INVENTORY_EVENTS = {
  registered: {
    type: 'ProductRegistered',
    data: {
      name: 'Widget',
      price: 1250,
      category: 'tools',
      initialStock: 10,
      lowStockThreshold: 3,
      occurredAt,
    },
  },
  replenished: { type: 'StockReplenished', data: { quantity: 5, occurredAt } },
  reserved: { type: 'StockReserved', data: { orderId: 'order-1', quantity: 4, occurredAt } },
  rejected: {
    type: 'StockReservationRejected',
    data: { orderId: 'order-2', quantity: 20, available: 6, reason: 'INSUFFICIENT_STOCK', occurredAt },
  },
  released: { type: 'StockReleased', data: { orderId: 'order-1', quantity: 4, occurredAt } },
  committed: { type: 'StockCommitted', data: { orderId: 'order-1', quantity: 4, occurredAt } },
  low: { type: 'LowStockDetected', data: { available: 2, threshold: 3, occurredAt } },
  repriced: { type: 'ProductPriceChanged', data: { price: 1500, previousPrice: 1250, occurredAt } },
  renamed: { type: 'ProductRenamed', data: { name: 'Widget Pro', previousName: 'Widget', occurredAt } },
  retired: { type: 'ProductRetired', data: { reason: 'end of line', occurredAt } },
} satisfies Record<string, InventoryEvent>;
