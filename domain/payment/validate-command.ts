import type { FieldError } from '../../lib/errors';
import {
  checkEnvelope,
  currencyCode,
  minorUnits,
  nonEmptyString,
  object,
  oneOf,
  optional,
  throwIfInvalid,
  unknownType,
  type Check,
} from '../order/field-checks';
import type { PaymentCommand } from './commands';

/** An outcome `{status, …}`: each status names the one string field it must carry. */
const outcome = (fieldOf: Record<string, string>): Check =>
  object((errors, prefix, value) => {
    oneOf(Object.keys(fieldOf))(errors, `${prefix}.status`, value.status);
    const field = fieldOf[value.status as string];
    if (field !== undefined) nonEmptyString(errors, `${prefix}.${field}`, value[field]);
  });

const captureOutcome = outcome({ captured: 'gatewayRef', declined: 'reason', failed: 'reason' });
const refundOutcome = outcome({ refunded: 'gatewayRef', failed: 'reason' });

/** Throws a ValidationError naming every malformed field. */
export const validatePaymentCommand = (command: PaymentCommand): void => {
  const errors: FieldError[] = [];
  checkEnvelope(errors, command, 'orderId', command.orderId);
  switch (command.type) {
    case 'CapturePayment':
      minorUnits(errors, 'amount', command.amount);
      currencyCode(errors, 'currency', command.currency);
      optional(captureOutcome)(errors, 'outcome', command.outcome);
      break;
    case 'RefundPayment':
      nonEmptyString(errors, 'reason', command.reason);
      optional(refundOutcome)(errors, 'outcome', command.outcome);
      break;
    default: {
      const unknown: never = command;
      unknownType(errors, 'payment', (unknown as { type?: unknown }).type);
    }
  }
  throwIfInvalid(command.type, errors);
};
