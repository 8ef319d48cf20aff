import type { Static } from '@sinclair/typebox';
import { Id, IntegerIn, MAX_EVENT_INTEGER, MinorUnits, Text, commandSchema } from '../command-schema';

/*
 * Each inventory command is one schema (see ../command-schema.ts): the decider validates
 * commands from Kafka with it, the command API derives its request bodies from it, and the type
 * below is `Static` of it. The aggregate id is `sku`: one inventory aggregate per SKU, so two
 * orders never both take the last unit.
 */

/** One delivery's worth; a larger number is far more likely a typo than a delivery. */
export const MAX_REPLENISH_QUANTITY = 100_000;

/** Stock counts become `available` in later events too; every one of those is a long. */
const StockCount = () => IntegerIn(0, MAX_EVENT_INTEGER);

const ProductName = () => Text(200);

/** Idempotent: registering the same product again changes nothing (start-up seeding re-runs). */
export const RegisterProductSchema = commandSchema('RegisterProduct', 'sku', {
  name: ProductName(),
  price: MinorUnits(),
  category: Text(100),
  initialStock: StockCount(),
  lowStockThreshold: IntegerIn(0, MAX_EVENT_INTEGER, {
    description: 'LowStockDetected fires when available units drop below this; 0 disables it.',
  }),
});

export const ReplenishStockSchema = commandSchema('ReplenishStock', 'sku', {
  quantity: IntegerIn(1, MAX_REPLENISH_QUANTITY),
});

export const ReserveStockSchema = commandSchema('ReserveStock', 'sku', {
  orderId: Id(),
  quantity: IntegerIn(1, MAX_EVENT_INTEGER),
});

/** Compensation: frees whatever `orderId` holds of this SKU, and closes the order for this SKU. */
export const ReleaseStockSchema = commandSchema('ReleaseStock', 'sku', { orderId: Id() });

/** On shipment: the reserved units leave the warehouse. */
export const CommitStockSchema = commandSchema('CommitStock', 'sku', { orderId: Id() });

/** Idempotent: the price it already has changes nothing. */
export const ChangeProductPriceSchema = commandSchema('ChangeProductPrice', 'sku', {
  price: MinorUnits({ description: 'Integer minor units (cents), for order lines added from now on.' }),
});

/** Idempotent: the name it already has changes nothing. */
export const RenameProductSchema = commandSchema('RenameProduct', 'sku', { name: ProductName() });

/** Idempotent: retiring a retired product changes nothing. */
export const RetireProductSchema = commandSchema('RetireProduct', 'sku', { reason: Text(500) });

export type RegisterProduct = Static<typeof RegisterProductSchema>;
export type ReplenishStock = Static<typeof ReplenishStockSchema>;
export type ReserveStock = Static<typeof ReserveStockSchema>;
export type ReleaseStock = Static<typeof ReleaseStockSchema>;
export type CommitStock = Static<typeof CommitStockSchema>;
export type ChangeProductPrice = Static<typeof ChangeProductPriceSchema>;
export type RenameProduct = Static<typeof RenameProductSchema>;
export type RetireProduct = Static<typeof RetireProductSchema>;

export const INVENTORY_COMMAND_SCHEMAS = [
  RegisterProductSchema,
  ReplenishStockSchema,
  ReserveStockSchema,
  ReleaseStockSchema,
  CommitStockSchema,
  ChangeProductPriceSchema,
  RenameProductSchema,
  RetireProductSchema,
] as const;

export type InventoryCommand = Static<(typeof INVENTORY_COMMAND_SCHEMAS)[number]>;

export type InventoryCommandType = InventoryCommand['type'];
