import type { ShipmentItem } from './commands';

/** Domain payload only (the orderId is the aggregate id, in the envelope); occurredAt is meta.issuedAt. */
interface ShipmentEventOf<Type extends string, Data> {
  type: Type;
  data: Data & { occurredAt: string };
}

export type ShipmentCreated = ShipmentEventOf<
  'ShipmentCreated',
  { shipmentId: string; carrier: string; trackingNumber: string; labelUrl: string; items: ShipmentItem[] }
>;
export type ShipmentFailed = ShipmentEventOf<'ShipmentFailed', { reason: string }>;
/** Also records OutForDelivery: both are "on the way" to the saga, only the status differs. */
export type ShipmentInTransit = ShipmentEventOf<
  'ShipmentInTransit',
  { status: 'InTransit' | 'OutForDelivery'; at: string; location?: string }
>;
export type ShipmentDelivered = ShipmentEventOf<'ShipmentDelivered', { at: string; location?: string }>;

/** Cancelled: the label was voided (shipmentId), or no label was bought yet and none will be. */
export type ShipmentVoided = ShipmentEventOf<'ShipmentVoided', { reason: string; shipmentId?: string }>;
/** The void call failed; the label stays valid and a later VoidShipment retries it. */
export type ShipmentVoidFailed = ShipmentEventOf<'ShipmentVoidFailed', { reason: string }>;

export type ShipmentEvent =
  | ShipmentCreated
  | ShipmentFailed
  | ShipmentInTransit
  | ShipmentDelivered
  | ShipmentVoided
  | ShipmentVoidFailed;

export type ShipmentEventType = ShipmentEvent['type'];

export const SHIPMENT_EVENT_TYPES = [
  'ShipmentCreated',
  'ShipmentFailed',
  'ShipmentInTransit',
  'ShipmentDelivered',
  'ShipmentVoided',
  'ShipmentVoidFailed',
] as const satisfies readonly ShipmentEventType[];

const _everyEventTypeListed: [Exclude<ShipmentEventType, (typeof SHIPMENT_EVENT_TYPES)[number]>] extends [
  never,
]
  ? true
  : never = true;
