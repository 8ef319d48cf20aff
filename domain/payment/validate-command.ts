import { commandValidator } from '../command-validator';
import { PAYMENT_COMMAND_SCHEMAS, type PaymentCommand } from './commands';

/** Throws a ValidationError naming every malformed field. */
export const validatePaymentCommand: (command: PaymentCommand) => void = commandValidator<PaymentCommand>(
  'payment',
  PAYMENT_COMMAND_SCHEMAS,
);
