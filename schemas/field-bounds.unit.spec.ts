import { catalogs } from './catalogs';
import { AVRO_INT, AVRO_LONG, integerBounds } from './field-bounds';

describe('integerBounds', () => {
  it('reads int and long from the latest schema, through arrays, intersecting several fields', () => {
    expect(integerBounds(catalogs.orders.catalog, ['OrderItemAdded', 'quantity'])).toEqual(AVRO_INT);
    expect(integerBounds(catalogs.orders.catalog, ['OrderCreated', 'items.unitPrice'])).toEqual(AVRO_LONG);
    expect(
      integerBounds(
        catalogs.orders.catalog,
        ['OrderCreated', 'items.unitPrice'],
        ['OrderItemAdded', 'quantity'],
      ),
    ).toEqual(AVRO_INT);
  });

  it('refuses a field that is not an integer or does not exist', () => {
    expect(() => integerBounds(catalogs.orders.catalog, ['OrderItemAdded', 'sku'])).toThrow(/not an integer/);
    expect(() => integerBounds(catalogs.orders.catalog, ['OrderItemAdded', 'colour'])).toThrow(/no field/);
  });

  it('is exactly what the serde can encode: the maximum fits, one more does not', () => {
    const { maximum } = integerBounds(catalogs.inventory.catalog, ['ProductRegistered', 'lowStockThreshold']);
    const event = (lowStockThreshold: number) => ({
      type: 'ProductRegistered' as const,
      data: { name: 'n', price: 0, category: 'c', initialStock: 0, lowStockThreshold, occurredAt: 'x' },
    });
    expect(() => catalogs.inventory.serde.encode(event(maximum))).not.toThrow();
    expect(() => catalogs.inventory.serde.encode(event(maximum + 1))).toThrow(/does not fit/);
  });
});
