import type { InventoryEvent } from '../inventory/events';
import type { Product } from './catalog';

/**
 * A catalogue entry from its inventory events: what the command side prices new order lines
 * from. Stock movements do not change what a product is or costs, so they leave it as it was.
 */
export const evolveCatalogProduct = (
  product: Product | undefined,
  sku: string,
  event: InventoryEvent,
): Product | undefined => {
  switch (event.type) {
    case 'ProductRegistered': {
      const { name, price, category } = event.data;
      return { sku, name, price, category };
    }
    case 'ProductPriceChanged':
      return product && { ...product, price: event.data.price };
    case 'ProductRenamed':
      return product && { ...product, name: event.data.name };
    case 'ProductRetired':
      return product && { ...product, retired: true };
    case 'StockReplenished':
    case 'StockReserved':
    case 'StockReservationRejected':
    case 'StockReleased':
    case 'StockCommitted':
    case 'LowStockDetected':
      return product;
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
};
