import type { CommandMeta } from '../order/commands';
import type { StockReservation } from '../order/commands';

/** A line to ship: the sku and how many units. */
export type ShipmentItem = StockReservation;

/** What the carrier answered to "create a shipment"; the runtime fills it in before `decide`. */
export type CreateShipmentOutcome =
  | { status: 'created'; shipmentId: string; carrier: string; trackingNumber: string; labelUrl: string }
  | { status: 'failed'; reason: string };

/** What the carrier answered to "void this label". */
export type VoidShipmentOutcome = { status: 'voided' } | { status: 'failed'; reason: string };

/** Carrier tracking milestones, in the order a parcel passes them. */
export const TRACKING_STATUSES = ['InTransit', 'OutForDelivery', 'Delivered'] as const;
export type TrackingStatus = (typeof TRACKING_STATUSES)[number];

interface ShipmentCommandBase<Type extends string> {
  type: Type;
  /** The aggregate id: one shipment per order. */
  orderId: string;
  expectedVersion?: number;
  meta: CommandMeta;
}

export interface CreateShipment extends ShipmentCommandBase<'CreateShipment'> {
  items: ShipmentItem[];
  /** Required exactly when `effectNeeded` says the carrier must be called. */
  outcome?: CreateShipmentOutcome;
}

/** A carrier webhook; updates may arrive late, twice or out of order. */
export interface RecordTrackingUpdate extends ShipmentCommandBase<'RecordTrackingUpdate'> {
  status: TrackingStatus;
  /** When the carrier saw it (ISO-8601); distinct from meta.issuedAt, when we heard of it. */
  at: string;
  location?: string;
}

/**
 * Compensation for a cancelled order. Before any label it closes the shipment, so a
 * CreateShipment still in flight buys nothing; after one it voids the label with the carrier.
 */
export interface VoidShipment extends ShipmentCommandBase<'VoidShipment'> {
  reason: string;
  /** Required exactly when `effectNeeded` says the carrier must be called. */
  outcome?: VoidShipmentOutcome;
}

export type ShipmentCommand = CreateShipment | RecordTrackingUpdate | VoidShipment;
