import { commandValidator } from '../command-validator';
import { INVENTORY_COMMAND_SCHEMAS, type InventoryCommand } from './commands';

/** Throws a ValidationError naming every malformed field. */
export const validateInventoryCommand: (command: InventoryCommand) => void =
  commandValidator<InventoryCommand>('inventory', INVENTORY_COMMAND_SCHEMAS);
