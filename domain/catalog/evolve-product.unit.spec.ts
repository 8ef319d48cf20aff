import { INVENTORY_EVENTS as E } from '../testing/inventory-fixtures';
import { createCatalog } from './catalog';
import { evolveCatalogProduct } from './evolve-product';

const fold = (events: (typeof E)[keyof typeof E][]) =>
  events.reduce<ReturnType<typeof evolveCatalogProduct>>(
    (product, event) => evolveCatalogProduct(product, 'SKU-A', event),
    undefined,
  );

describe('evolveCatalogProduct', () => {
  it('knows a product from its registration, with the latest price and name', () => {
    expect(fold([E.registered])).toEqual({ sku: 'SKU-A', name: 'Widget', price: 1250, category: 'tools' });
    expect(fold([E.registered, E.reserved, E.repriced, E.renamed, E.committed, E.low])).toEqual({
      sku: 'SKU-A',
      name: 'Widget Pro',
      price: 1500,
      category: 'tools',
    });
  });

  it('knows nothing of a sku whose only events are stock movements', () => {
    expect(fold([E.released])).toBeUndefined();
    expect(fold([E.repriced])).toBeUndefined();
  });

  it('marks a retired product, which a catalogue then no longer prices', () => {
    const retired = fold([E.registered, E.retired]);
    expect(retired).toMatchObject({ retired: true, price: 1250 });
    const catalog = createCatalog([retired!]);
    expect(catalog.productOf('SKU-A')).toMatchObject({ retired: true });
    expect(catalog.priceOf('SKU-A')).toBeUndefined();
  });
});
