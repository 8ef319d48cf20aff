import type { ShipmentCommand } from './commands';
import type { ShipmentState } from './state';

/** Whether the runtime must call the carrier before `decide`: only to create a shipment that does not exist yet. */
export const effectNeeded = (command: ShipmentCommand, state: ShipmentState): boolean =>
  command.type === 'CreateShipment' && state.status === 'None';

/** One label per order, whatever command id asks for it. */
export const carrierIdempotencyKey = (command: ShipmentCommand): string =>
  `shipment:${command.orderId}:create`;
