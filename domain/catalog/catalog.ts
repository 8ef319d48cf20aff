import { isValidId } from '../ids';
import { ValidationError, type FieldError } from '../../lib/errors';
import type { MinorUnits } from '../order/money';
import seed from './products.json';

/**
 * The product catalogue the command side prices order lines from. Clients send only sku and
 * quantity: a price taken from the request would let any client set its own price.
 */
export interface Product {
  sku: string;
  name: string;
  /** Integer minor units (cents); one price list, applied whatever the order's currency. */
  price: MinorUnits;
  category: string;
  /** No longer sold (ProductRetired): new order lines may not take it. */
  retired?: boolean;
}

export interface Catalog {
  productOf(sku: string): Product | undefined;
  /** The price a new order line takes; undefined for an unknown or retired product. */
  priceOf(sku: string): MinorUnits | undefined;
  /** Every product, in catalogue order. */
  list(): readonly Product[];
}

function problemsOf(products: readonly Product[]): FieldError[] {
  const problems: FieldError[] = [];
  const seen = new Set<string>();
  products.forEach((p, i) => {
    if (!isValidId(p.sku)) problems.push({ field: `[${i}].sku`, message: 'invalid sku' });
    else if (seen.has(p.sku)) problems.push({ field: `[${i}].sku`, message: `duplicate sku ${p.sku}` });
    seen.add(p.sku);
    if (!Number.isSafeInteger(p.price) || p.price < 0) {
      problems.push({ field: `[${i}].price`, message: 'must be a non-negative integer in minor units' });
    }
    if (typeof p.name !== 'string' || p.name === '')
      problems.push({ field: `[${i}].name`, message: 'is required' });
    if (typeof p.category !== 'string' || p.category === '') {
      problems.push({ field: `[${i}].category`, message: 'is required' });
    }
  });
  return problems;
}

export const priceOnSale = (product: Product | undefined): MinorUnits | undefined =>
  product && !product.retired ? product.price : undefined;

/**
 * A catalogue over a fixed product list. A malformed list fails here, at load, rather than as a
 * wrong price on some order later.
 */
export function createCatalog(products: readonly Product[]): Catalog {
  const problems = problemsOf(products);
  if (problems.length > 0) throw new ValidationError('invalid product catalogue', problems);
  const frozen = Object.freeze(products.map((p) => Object.freeze({ ...p })));
  const bySku = new Map(frozen.map((p) => [p.sku, p]));
  return {
    productOf: (sku) => bySku.get(sku),
    priceOf: (sku) => priceOnSale(bySku.get(sku)),
    list: () => frozen,
  };
}

/** The seed catalogue shipped with the repository (products.json). */
export const catalog: Catalog = createCatalog(seed);

export const productOf = (sku: string): Product | undefined => catalog.productOf(sku);
export const priceOf = (sku: string): MinorUnits | undefined => catalog.priceOf(sku);
export const listProducts = (): readonly Product[] => catalog.list();
