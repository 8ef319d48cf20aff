import { Type, type Static } from '@sinclair/typebox';
import { Instant, OneOf, Tagged, Text, commandSchema } from '../command-schema';
import { StockReservationSchema } from '../order/commands';

/*
 * Each shipment command is one schema (see ../command-schema.ts): the decider validates commands
 * from Kafka with it, and the types below are `Static` of it. The aggregate id is `orderId`.
 */

/** A carrier's own words (an id, a tracking number, a label URL, a reason): never blank. */
const CarrierText = () => Text(2000);

/** What the carrier answered to "create a shipment"; the runtime fills it in before `decide`. */
export const CreateShipmentOutcomeSchema = Tagged('status', [
  Type.Object({
    status: Type.Literal('created'),
    shipmentId: CarrierText(),
    carrier: CarrierText(),
    trackingNumber: CarrierText(),
    labelUrl: CarrierText(),
  }),
  Type.Object({ status: Type.Literal('failed'), reason: CarrierText() }),
]);

/** What the carrier answered to "void this label". */
export const VoidShipmentOutcomeSchema = Tagged('status', [
  Type.Object({ status: Type.Literal('voided') }),
  Type.Object({ status: Type.Literal('failed'), reason: CarrierText() }),
]);

/** Carrier tracking milestones, in the order a parcel passes them. */
export const TRACKING_STATUSES = ['InTransit', 'OutForDelivery', 'Delivered'] as const;
export type TrackingStatus = (typeof TRACKING_STATUSES)[number];

export const CreateShipmentSchema = commandSchema('CreateShipment', 'orderId', {
  /** The lines to ship: the sku and how many units. */
  items: Type.Array(StockReservationSchema, { minItems: 1 }),
  outcome: Type.Optional(CreateShipmentOutcomeSchema),
});

export const RecordTrackingUpdateSchema = commandSchema('RecordTrackingUpdate', 'orderId', {
  status: OneOf(TRACKING_STATUSES),
  at: Instant(),
  location: Type.Optional(CarrierText()),
});

export const VoidShipmentSchema = commandSchema('VoidShipment', 'orderId', {
  reason: Text(500),
  outcome: Type.Optional(VoidShipmentOutcomeSchema),
});

export type ShipmentItem = Static<typeof StockReservationSchema>;
export type CreateShipmentOutcome = Static<typeof CreateShipmentOutcomeSchema>;
export type VoidShipmentOutcome = Static<typeof VoidShipmentOutcomeSchema>;
export type CreateShipment = Static<typeof CreateShipmentSchema>;
export type RecordTrackingUpdate = Static<typeof RecordTrackingUpdateSchema>;
export type VoidShipment = Static<typeof VoidShipmentSchema>;

export const SHIPMENT_COMMAND_SCHEMAS = [
  CreateShipmentSchema,
  RecordTrackingUpdateSchema,
  VoidShipmentSchema,
] as const;

export type ShipmentCommand = Static<(typeof SHIPMENT_COMMAND_SCHEMAS)[number]>;
