import type { ShipmentCommand } from './commands';
import type { ShipmentState } from './state';

/** A label exists and the parcel is not delivered yet: a void still has something to stop. */
const voidable = (state: ShipmentState): boolean =>
  state.status === 'Created' || state.status === 'InTransit' || state.status === 'OutForDelivery';

/**
 * Whether the runtime must call the carrier before `decide`: to create a shipment that does not
 * exist yet, or to void a label that does.
 */
export const effectNeeded = (command: ShipmentCommand, state: ShipmentState): boolean => {
  switch (command.type) {
    case 'CreateShipment':
      return state.status === 'None';
    case 'VoidShipment':
      return voidable(state);
    case 'RecordTrackingUpdate':
      return false;
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
};

/**
 * One label per order, whatever command id asks for it; one void per order, so every retry of
 * a void (a redelivery, a compensation retry, an operator's re-drive) is the same request.
 */
export const carrierIdempotencyKey = (command: ShipmentCommand): string =>
  command.type === 'VoidShipment' ? `shipment:${command.orderId}:void` : `shipment:${command.orderId}:create`;
