import type {
  CreateShipment,
  CreateShipmentOutcome,
  RecordTrackingUpdate,
  TrackingStatus,
  VoidShipment,
  VoidShipmentOutcome,
} from '../shipment/commands';
import type { ShipmentEvent } from '../shipment/events';
import { ISSUED_AT, ORDER_ID, meta } from './order-fixtures';

const occurredAt = ISSUED_AT;
export const SHIPMENT_ITEMS = [
  { sku: 'SKU-A', quantity: 2 },
  { sku: 'SKU-B', quantity: 1 },
];
export const CREATED_OUTCOME = {
  status: 'created',
  shipmentId: 'ship-1',
  carrier: 'DHL',
  trackingNumber: 'TRK-1',
  labelUrl: 'https://labels.example/ship-1.pdf',
} as const;

export const createShipment = (outcome?: CreateShipmentOutcome): CreateShipment => ({
  type: 'CreateShipment',
  orderId: ORDER_ID,
  items: SHIPMENT_ITEMS,
  ...(outcome === undefined ? {} : { outcome }),
  meta: meta(),
});

export const trackingUpdate = (status: TrackingStatus, location?: string): RecordTrackingUpdate => ({
  type: 'RecordTrackingUpdate',
  orderId: ORDER_ID,
  status,
  at: '2025-03-02T08:00:00.000Z',
  ...(location === undefined ? {} : { location }),
  meta: meta(),
});

export const voidShipment = (outcome?: VoidShipmentOutcome): VoidShipment => ({
  type: 'VoidShipment',
  orderId: ORDER_ID,
  reason: 'order cancelled: customer request',
  ...(outcome === undefined ? {} : { outcome }),
  meta: meta(),
});

const { status: _created, ...parcel } = CREATED_OUTCOME;

export const SHIPMENT_EVENTS = {
  created: { type: 'ShipmentCreated', data: { ...parcel, items: SHIPMENT_ITEMS, occurredAt } },
  failed: { type: 'ShipmentFailed', data: { reason: 'address not served', occurredAt } },
  inTransit: {
    type: 'ShipmentInTransit',
    data: { status: 'InTransit', at: '2025-03-02T08:00:00.000Z', location: 'Leipzig hub', occurredAt },
  },
  outForDelivery: {
    type: 'ShipmentInTransit',
    data: { status: 'OutForDelivery', at: '2025-03-02T08:00:00.000Z', occurredAt },
  },
  delivered: { type: 'ShipmentDelivered', data: { at: '2025-03-02T08:00:00.000Z', occurredAt } },
  voided: {
    type: 'ShipmentVoided',
    data: { reason: 'order cancelled: customer request', shipmentId: 'ship-1', occurredAt },
  },
  voidedBeforeLabel: {
    type: 'ShipmentVoided',
    data: { reason: 'order cancelled: customer request', occurredAt },
  },
  voidFailed: { type: 'ShipmentVoidFailed', data: { reason: 'carrier unavailable', occurredAt } },
} satisfies Record<string, ShipmentEvent>;
