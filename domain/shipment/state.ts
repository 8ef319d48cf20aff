import type { ShipmentItem } from './commands';

export interface Parcel {
  shipmentId: string;
  carrier: string;
  trackingNumber: string;
  labelUrl: string;
  items: ShipmentItem[];
  /** The latest carrier time we recorded. */
  lastUpdateAt?: string;
  /** Failed void attempts so far (absent in states written before voids existed: none). */
  voidFailures?: number;
}

export type ShipmentState =
  | { status: 'None' }
  | ({ status: 'Created' | 'InTransit' | 'OutForDelivery' | 'Delivered' } & Parcel)
  | { status: 'Failed'; reason: string }
  /** Final: the order was cancelled; shipmentId is the voided label, absent when none was bought. */
  | { status: 'Voided'; reason: string; shipmentId?: string };

export type ShipmentStatus = ShipmentState['status'];

/** Progress rank of the parcel statuses; a tracking update never moves a parcel backwards. */
export const PROGRESS: Record<'Created' | 'InTransit' | 'OutForDelivery' | 'Delivered', number> = {
  Created: 0,
  InTransit: 1,
  OutForDelivery: 2,
  Delivered: 3,
};

export const initialShipmentState = (): ShipmentState => ({ status: 'None' });
