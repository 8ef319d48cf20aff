import { commandValidator } from '../command-validator';
import { SHIPMENT_COMMAND_SCHEMAS, type ShipmentCommand } from './commands';

/** Throws a ValidationError naming every malformed field. */
export const validateShipmentCommand: (command: ShipmentCommand) => void = commandValidator<ShipmentCommand>(
  'shipment',
  SHIPMENT_COMMAND_SCHEMAS,
);
