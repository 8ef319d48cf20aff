import { ValidationError } from '../../lib/errors';
import { catalog, createCatalog, listProducts, priceOf, productOf } from './catalog';

describe('seed catalogue', () => {
  it('prices a known sku in integer minor units and knows nothing of other skus', () => {
    expect(priceOf('ELEC-0001')).toBe(12900);
    expect(productOf('ELEC-0001')).toEqual({
      sku: 'ELEC-0001',
      name: 'Mechanical Keyboard',
      price: 12900,
      category: 'electronics',
    });
    expect(priceOf('NOPE-0000')).toBeUndefined();
    expect(productOf('elec-0001')).toBeUndefined();
  });

  it('lists about two dozen products with unique skus across several categories', () => {
    const products = listProducts();
    expect(products.length).toBeGreaterThanOrEqual(20);
    expect(new Set(products.map((p) => p.sku)).size).toBe(products.length);
    expect(new Set(products.map((p) => p.category)).size).toBeGreaterThan(3);
    expect(products.every((p) => Number.isSafeInteger(p.price) && p.price > 0)).toBe(true);
  });

  it('cannot be changed through what it hands out', () => {
    const product = catalog.list()[0] as { price: number };
    expect(() => {
      product.price = 1;
    }).toThrow(TypeError);
  });
});

describe('createCatalog', () => {
  it('refuses a list with a duplicate sku or a fractional price, naming the entries', () => {
    let caught: unknown;
    try {
      createCatalog([
        { sku: 'A-1', name: 'a', price: 100, category: 'x' },
        { sku: 'A-1', name: 'b', price: 9.99, category: 'x' },
      ]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).errors.map((e) => e.field)).toEqual(['[1].sku', '[1].price']);
  });
});
