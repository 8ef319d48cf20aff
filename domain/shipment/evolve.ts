import { InvalidStateError } from '../../lib/errors';
import type { ShipmentEvent } from './events';
import type { Parcel, ShipmentState } from './state';

const corrupt = (event: ShipmentEvent, state: ShipmentState): InvalidStateError =>
  new InvalidStateError(`corrupt history: ${event.type} on a shipment in status ${state.status}`);

const hasLabel = (state: ShipmentState): state is Extract<ShipmentState, Parcel> =>
  state.status === 'Created' || state.status === 'InTransit' || state.status === 'OutForDelivery';

export const evolveShipment = (state: ShipmentState, event: ShipmentEvent): ShipmentState => {
  switch (event.type) {
    case 'ShipmentCreated': {
      if (state.status !== 'None') throw corrupt(event, state);
      const { shipmentId, carrier, trackingNumber, labelUrl, items } = event.data;
      return { status: 'Created', shipmentId, carrier, trackingNumber, labelUrl, items };
    }
    case 'ShipmentFailed':
      if (state.status !== 'None') throw corrupt(event, state);
      return { status: 'Failed', reason: event.data.reason };
    case 'ShipmentInTransit':
    case 'ShipmentDelivered': {
      if (state.status === 'None' || state.status === 'Failed' || state.status === 'Voided')
        throw corrupt(event, state);
      const status = event.type === 'ShipmentDelivered' ? 'Delivered' : event.data.status;
      return { ...state, status, lastUpdateAt: event.data.at };
    }
    case 'ShipmentVoided': {
      const { reason, shipmentId } = event.data;
      if (state.status === 'None' && shipmentId === undefined) return { status: 'Voided', reason };
      if (!hasLabel(state) || state.shipmentId !== shipmentId) throw corrupt(event, state);
      return { status: 'Voided', reason, shipmentId };
    }
    case 'ShipmentVoidFailed':
      if (!hasLabel(state)) throw corrupt(event, state);
      return { ...state, voidFailures: (state.voidFailures ?? 0) + 1 };
    default: {
      const unhandled: never = event;
      throw new InvalidStateError(
        `unknown shipment event ${JSON.stringify((unhandled as { type?: unknown }).type)}`,
      );
    }
  }
};
