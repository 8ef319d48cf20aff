import type { CommandMeta } from '../order/commands';
import type { MinorUnits } from '../order/money';

interface InventoryCommandBase<Type extends string> {
  type: Type;
  /** The aggregate id: one inventory aggregate per SKU, so two orders never both take the last unit. */
  sku: string;
  /** Checked by the command processor against the stored version, never by the decider. */
  expectedVersion?: number;
  meta: CommandMeta;
}

/** Idempotent: registering the same product again changes nothing (start-up seeding re-runs). */
export interface RegisterProduct extends InventoryCommandBase<'RegisterProduct'> {
  name: string;
  price: MinorUnits;
  category: string;
  initialStock: number;
  /** LowStockDetected fires when available units drop below this; 0 disables it. */
  lowStockThreshold: number;
}

export interface ReplenishStock extends InventoryCommandBase<'ReplenishStock'> {
  quantity: number;
}

export interface ReserveStock extends InventoryCommandBase<'ReserveStock'> {
  orderId: string;
  quantity: number;
}

/** Compensation: frees whatever `orderId` holds of this SKU, and closes the order for this SKU. */
export interface ReleaseStock extends InventoryCommandBase<'ReleaseStock'> {
  orderId: string;
}

/** On shipment: the reserved units leave the warehouse. */
export interface CommitStock extends InventoryCommandBase<'CommitStock'> {
  orderId: string;
}

/** Idempotent: the price it already has changes nothing. */
export interface ChangeProductPrice extends InventoryCommandBase<'ChangeProductPrice'> {
  price: MinorUnits;
}

/** Idempotent: the name it already has changes nothing. */
export interface RenameProduct extends InventoryCommandBase<'RenameProduct'> {
  name: string;
}

/** Idempotent: retiring a retired product changes nothing. */
export interface RetireProduct extends InventoryCommandBase<'RetireProduct'> {
  reason: string;
}

export type InventoryCommand =
  | RegisterProduct
  | ReplenishStock
  | ReserveStock
  | ReleaseStock
  | CommitStock
  | ChangeProductPrice
  | RenameProduct
  | RetireProduct;

export type InventoryCommandType = InventoryCommand['type'];
