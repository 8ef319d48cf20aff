import { commandValidator } from '../command-validator';
import { ORDER_COMMAND_SCHEMAS, type OrderCommand } from './commands';

/** Throws a ValidationError naming every malformed field; returns normally when the command is well formed. */
export const validateOrderCommand: (command: OrderCommand) => void = commandValidator<OrderCommand>(
  'order',
  ORDER_COMMAND_SCHEMAS,
);
