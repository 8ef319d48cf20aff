import type { ShipmentEvent } from '../../../domain/shipment/events';
import type { ShipmentView } from '../views';
import { alreadyApplied, unknownEvent, type EventEnvelope } from './envelope';

const blank = (orderId: string): Omit<ShipmentView, 'version' | 'updatedAt' | 'status'> => ({
  _id: orderId,
  orderId,
  history: [],
});

/** The shipment of one order (the shipment aggregate is keyed by orderId), with its tracking history. */
export const evolveShipmentView = (
  doc: ShipmentView | undefined,
  event: ShipmentEvent,
  envelope: EventEnvelope,
): ShipmentView | undefined => {
  if (alreadyApplied(doc, envelope)) return doc;
  const at = event.data.occurredAt;
  const base = { ...(doc ?? blank(envelope.aggregateId)), version: envelope.version, updatedAt: at };
  const moved = (status: string, when: string): ShipmentView => ({
    ...base,
    status,
    history: [...base.history, { status, at: when }],
  });
  switch (event.type) {
    case 'ShipmentCreated': {
      const { shipmentId, carrier, trackingNumber, labelUrl } = event.data;
      return { ...moved('Created', at), shipmentId, carrier, trackingNumber, labelUrl };
    }
    case 'ShipmentFailed':
      return { ...moved('Failed', at), reason: event.data.reason };
    case 'ShipmentInTransit':
      // The carrier's own timestamp: when the parcel moved, not when we heard of it.
      return moved(event.data.status, event.data.at);
    case 'ShipmentDelivered':
      return moved('Delivered', event.data.at);
    case 'ShipmentVoided':
      return { ...moved('Voided', at), reason: event.data.reason };
    case 'ShipmentVoidFailed':
      // The label is still valid until a retry voids it: the view keeps its status.
      return { ...base, status: doc?.status ?? 'Created' };
    default:
      throw unknownEvent('shipment', event);
  }
};
