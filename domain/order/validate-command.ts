import type { FieldError } from '../../lib/errors';
import { MAX_LINE_QUANTITY } from './money';
import { isCancellationReasonCode } from './events';
import type { OrderCommand } from './commands';
import {
  checkEnvelope,
  currencyCode,
  eachElement,
  integerIn,
  minorUnits,
  nonEmptyString,
  optional,
  throwIfInvalid,
  unknownType,
} from './field-checks';

const quantity = integerIn(1, MAX_LINE_QUANTITY);

const orderLine = eachElement((errors, prefix, line) => {
  nonEmptyString(errors, `${prefix}.sku`, line.sku);
  quantity(errors, `${prefix}.quantity`, line.quantity);
  minorUnits(errors, `${prefix}.unitPrice`, line.unitPrice);
});

/** Throws a ValidationError naming every malformed field; returns normally when the command is well formed. */
export const validateOrderCommand = (command: OrderCommand): void => {
  const errors: FieldError[] = [];
  checkEnvelope(errors, command, 'orderId', command.orderId);

  switch (command.type) {
    case 'CreateOrder':
      nonEmptyString(errors, 'customerId', command.customerId);
      currencyCode(errors, 'currency', command.currency);
      orderLine(errors, 'items', command.items);
      optional(nonEmptyString)(errors, 'salesChannel', command.salesChannel);
      break;
    case 'AddItem':
      nonEmptyString(errors, 'sku', command.sku);
      quantity(errors, 'quantity', command.quantity);
      minorUnits(errors, 'unitPrice', command.unitPrice);
      break;
    case 'RemoveItem':
      nonEmptyString(errors, 'sku', command.sku);
      break;
    case 'RecordStockReservation':
      nonEmptyString(errors, 'sku', command.sku);
      quantity(errors, 'quantity', command.quantity);
      if (typeof command.reserved !== 'boolean') {
        errors.push({ field: 'reserved', message: 'must be a boolean' });
      }
      break;
    case 'CapturePayment':
      nonEmptyString(errors, 'paymentId', command.paymentId);
      minorUnits(errors, 'amount', command.amount);
      break;
    case 'ShipOrder':
      nonEmptyString(errors, 'shipmentId', command.shipmentId);
      nonEmptyString(errors, 'carrier', command.carrier);
      nonEmptyString(errors, 'trackingNumber', command.trackingNumber);
      break;
    case 'CancelOrder':
      nonEmptyString(errors, 'reason', command.reason);
      if (!isCancellationReasonCode(command.reasonCode)) {
        errors.push({ field: 'reasonCode', message: 'must be a known cancellation reason code' });
      }
      break;
    case 'PlaceOrder':
    case 'CompleteOrder':
      break;
    default: {
      const unknown: never = command;
      unknownType(errors, 'order', (unknown as { type?: unknown }).type);
    }
  }
  throwIfInvalid(command.type, errors);
};
