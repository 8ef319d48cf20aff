/**
 * A product JSON holds and a naive schema accepts, but whose lowStockThreshold no event can
 * hold (avsc writes a long only up to 2^53 − 2): the edge must refuse it, and a processor that
 * meets it anyway must answer and dead-letter it.
 */
export const UNENCODABLE_PRODUCT = {
  sku: '0',
  name: '0',
  price: 0,
  category: '0',
  initialStock: 0,
  lowStockThreshold: 9007199254740991,
} as const;
