import {
  arrayOf,
  byStatus,
  integer,
  object,
  oneOf,
  optional,
  string,
  type StateReader,
} from '../state-reader';
import type { ShipmentItem } from './commands';
import type { ShipmentState } from './state';

type Variant<S extends ShipmentState['status']> = Extract<ShipmentState, { status: S }>;
type WithParcel = Extract<ShipmentState, { trackingNumber: string }>;

const item = object<ShipmentItem>({ sku: string, quantity: integer });

const withParcel = object<WithParcel>({
  status: oneOf(['Created', 'InTransit', 'OutForDelivery', 'Delivered']),
  shipmentId: string,
  carrier: string,
  trackingNumber: string,
  labelUrl: string,
  items: arrayOf(item),
  lastUpdateAt: optional(string),
  voidFailures: optional(integer),
});

/** A shipment's state from a snapshot, or a StateShapeError naming the first field out of shape. */
export const readShipmentState: StateReader<ShipmentState> = byStatus<ShipmentState>({
  None: object<Variant<'None'>>({ status: oneOf(['None']) }),
  Created: withParcel,
  InTransit: withParcel,
  OutForDelivery: withParcel,
  Delivered: withParcel,
  Failed: object<Variant<'Failed'>>({ status: oneOf(['Failed']), reason: string }),
  Voided: object<Variant<'Voided'>>({
    status: oneOf(['Voided']),
    reason: string,
    shipmentId: optional(string),
  }),
});
