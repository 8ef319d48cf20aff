import { InvalidStateError } from '../../lib/errors';
import type { ShipmentEvent } from './events';
import type { ShipmentState } from './state';

const corrupt = (event: ShipmentEvent, state: ShipmentState): InvalidStateError =>
  new InvalidStateError(`corrupt history: ${event.type} on a shipment in status ${state.status}`);

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
      if (state.status === 'None' || state.status === 'Failed') throw corrupt(event, state);
      const status = event.type === 'ShipmentDelivered' ? 'Delivered' : event.data.status;
      return { ...state, status, lastUpdateAt: event.data.at };
    }
    default: {
      const unhandled: never = event;
      throw new InvalidStateError(
        `unknown shipment event ${JSON.stringify((unhandled as { type?: unknown }).type)}`,
      );
    }
  }
};
