import {
  byStatus,
  integer,
  object,
  oneOf,
  optional,
  recordOf,
  string,
  type StateReader,
} from '../state-reader';
import type { ClosedReason, InventoryState, Product, UnregisteredProduct } from './state';

const closed = recordOf(oneOf<ClosedReason>(['released', 'committed', 'rejected']));

/** A SKU's inventory state from a snapshot, or a StateShapeError naming the first field out of shape. */
export const readInventoryState: StateReader<InventoryState> = byStatus<InventoryState>({
  Unregistered: object<UnregisteredProduct>({ status: oneOf(['Unregistered']), closed }),
  Registered: object<Product>({
    status: oneOf(['Registered']),
    closed,
    name: string,
    price: integer,
    category: string,
    initialStock: integer,
    lowStockThreshold: integer,
    onHand: integer,
    reserved: integer,
    reservations: recordOf(integer),
    shipped: integer,
    received: integer,
    registeredAs: optional(object<NonNullable<Product['registeredAs']>>({ name: string, price: integer })),
    retired: optional(object<NonNullable<Product['retired']>>({ reason: string, at: string })),
  }),
});
