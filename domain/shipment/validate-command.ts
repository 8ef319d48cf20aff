import type { FieldError } from '../../lib/errors';
import { MAX_LINE_QUANTITY } from '../order/money';
import {
  checkEnvelope,
  eachElement,
  integerIn,
  isoInstant,
  nonEmptyString,
  object,
  oneOf,
  optional,
  throwIfInvalid,
  unknownType,
} from '../order/field-checks';
import { TRACKING_STATUSES, type ShipmentCommand } from './commands';

const items = eachElement((errors, prefix, item) => {
  nonEmptyString(errors, `${prefix}.sku`, item.sku);
  integerIn(1, MAX_LINE_QUANTITY)(errors, `${prefix}.quantity`, item.quantity);
});

const outcome = object((errors, prefix, value) => {
  oneOf(['created', 'failed'])(errors, `${prefix}.status`, value.status);
  if (value.status === 'created') {
    for (const field of ['shipmentId', 'carrier', 'trackingNumber', 'labelUrl']) {
      nonEmptyString(errors, `${prefix}.${field}`, value[field]);
    }
  } else if (value.status === 'failed') {
    nonEmptyString(errors, `${prefix}.reason`, value.reason);
  }
});

const voidOutcome = object((errors, prefix, value) => {
  oneOf(['voided', 'failed'])(errors, `${prefix}.status`, value.status);
  if (value.status === 'failed') nonEmptyString(errors, `${prefix}.reason`, value.reason);
});

/** Throws a ValidationError naming every malformed field. */
export const validateShipmentCommand = (command: ShipmentCommand): void => {
  const errors: FieldError[] = [];
  checkEnvelope(errors, command, 'orderId', command.orderId);
  switch (command.type) {
    case 'CreateShipment':
      items(errors, 'items', command.items);
      if (Array.isArray(command.items) && command.items.length === 0) {
        errors.push({ field: 'items', message: 'must not be empty' });
      }
      optional(outcome)(errors, 'outcome', command.outcome);
      break;
    case 'RecordTrackingUpdate':
      oneOf(TRACKING_STATUSES)(errors, 'status', command.status);
      isoInstant(errors, 'at', command.at);
      optional(nonEmptyString)(errors, 'location', command.location);
      break;
    case 'VoidShipment':
      nonEmptyString(errors, 'reason', command.reason);
      optional(voidOutcome)(errors, 'outcome', command.outcome);
      break;
    default: {
      const unknown: never = command;
      unknownType(errors, 'shipment', (unknown as { type?: unknown }).type);
    }
  }
  throwIfInvalid(command.type, errors);
};
