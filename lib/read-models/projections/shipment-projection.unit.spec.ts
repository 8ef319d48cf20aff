import { SHIPMENT_EVENT_TYPES, type ShipmentEvent } from '../../../domain/shipment/events';
import type { ShipmentView } from '../views';
import { evolveShipmentView } from './shipment-projection';

const at = (n: number): string => `2025-01-01T00:00:0${n}.000Z`;
const fold = (events: ShipmentEvent[]): ShipmentView | undefined =>
  events.reduce<ShipmentView | undefined>(
    (doc, event, i) =>
      evolveShipmentView(doc, event, { aggregateId: 'o-1', version: i + 1, occurredAt: at(i) }),
    undefined,
  );
const journey: ShipmentEvent[] = [
  {
    type: 'ShipmentCreated',
    data: {
      shipmentId: 's-1',
      carrier: 'DHL',
      trackingNumber: 'T1',
      labelUrl: 'http://l/1',
      items: [{ sku: 'A', quantity: 1 }],
      occurredAt: at(0),
    },
  },
  { type: 'ShipmentInTransit', data: { status: 'InTransit', at: at(5), occurredAt: at(1) } },
  {
    type: 'ShipmentInTransit',
    data: { status: 'OutForDelivery', at: at(6), location: 'Berlin', occurredAt: at(2) },
  },
  { type: 'ShipmentDelivered', data: { at: at(7), occurredAt: at(3) } },
];

const voided: ShipmentEvent[] = [
  journey[0] as ShipmentEvent,
  { type: 'ShipmentVoidFailed', data: { reason: 'carrier unavailable', occurredAt: at(1) } },
  { type: 'ShipmentVoided', data: { reason: 'order cancelled', shipmentId: 's-1', occurredAt: at(2) } },
];

describe('evolveShipmentView', () => {
  it('keeps a label whose void failed as it was, and shows it voided once the void succeeds', () => {
    expect(fold(voided.slice(0, 2))).toMatchObject({ status: 'Created', version: 2 });
    expect(fold(voided)).toMatchObject({
      status: 'Voided',
      reason: 'order cancelled',
      history: [
        { status: 'Created', at: at(0) },
        { status: 'Voided', at: at(2) },
      ],
      version: 3,
    });
  });

  it('tracks a shipment to delivery with the carrier times in its history', () => {
    expect(fold(journey)).toEqual({
      _id: 'o-1',
      orderId: 'o-1',
      status: 'Delivered',
      shipmentId: 's-1',
      carrier: 'DHL',
      trackingNumber: 'T1',
      labelUrl: 'http://l/1',
      history: [
        { status: 'Created', at: at(0) },
        { status: 'InTransit', at: at(5) },
        { status: 'OutForDelivery', at: at(6) },
        { status: 'Delivered', at: at(7) },
      ],
      version: 4,
      updatedAt: at(3),
    });
  });

  it('records a failed shipment with its reason', () => {
    expect(fold([{ type: 'ShipmentFailed', data: { reason: 'refused', occurredAt: at(0) } }])).toMatchObject({
      status: 'Failed',
      reason: 'refused',
      history: [{ status: 'Failed', at: at(0) }],
    });
  });

  it('covers every shipment event type', () => {
    expect(new Set([...journey.map((e) => e.type), 'ShipmentFailed', ...voided.map((e) => e.type)])).toEqual(
      new Set(SHIPMENT_EVENT_TYPES),
    );
  });

  it('returns the same document for a redelivered event', () => {
    const doc = fold(journey) as ShipmentView;
    journey.forEach((e, i) =>
      expect(evolveShipmentView(doc, e, { aggregateId: 'o-1', version: i + 1, occurredAt: at(0) })).toBe(doc),
    );
  });
});
