import { ValidationError, type FieldError } from '../../lib/errors';
import { MAX_LINE_QUANTITY } from './money';
import { isCancellationReasonCode } from './events';
import type { OrderCommand } from './commands';

/*
 * Commands arrive as JSON from Kafka, so the static types are a promise, not a guarantee:
 * every field is checked at run time and all problems are reported at once, by field path.
 */

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const CURRENCY = /^[A-Z]{3}$/;

type Check = (errors: FieldError[], field: string, value: unknown) => void;

const nonEmptyString: Check = (errors, field, value) => {
  if (typeof value !== 'string' || value.trim() === '')
    errors.push({ field, message: 'must be a non-empty string' });
};

const quantity: Check = (errors, field, value) => {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_LINE_QUANTITY) {
    errors.push({ field, message: `must be an integer from 1 to ${MAX_LINE_QUANTITY}` });
  }
};

const minorUnits: Check = (errors, field, value) => {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    errors.push({ field, message: 'must be a non-negative integer amount in minor units' });
  }
};

const isoInstant: Check = (errors, field, value) => {
  if (typeof value !== 'string' || !ISO_INSTANT.test(value) || Number.isNaN(Date.parse(value))) {
    errors.push({ field, message: 'must be an ISO-8601 date-time with an offset' });
  }
};

const optional =
  (check: Check): Check =>
  (errors, field, value) => {
    if (value !== undefined) check(errors, field, value);
  };

const eachElement =
  (check: (errors: FieldError[], prefix: string, element: Record<string, unknown>) => void): Check =>
  (errors, field, value) => {
    if (!Array.isArray(value)) {
      errors.push({ field, message: 'must be an array' });
      return;
    }
    value.forEach((element: unknown, i) => {
      if (element === null || typeof element !== 'object') {
        errors.push({ field: `${field}[${i}]`, message: 'must be an object' });
      } else {
        check(errors, `${field}[${i}]`, element as Record<string, unknown>);
      }
    });
  };

const orderLine = eachElement((errors, prefix, line) => {
  nonEmptyString(errors, `${prefix}.sku`, line.sku);
  quantity(errors, `${prefix}.quantity`, line.quantity);
  minorUnits(errors, `${prefix}.unitPrice`, line.unitPrice);
});

const reservation = eachElement((errors, prefix, r) => {
  nonEmptyString(errors, `${prefix}.sku`, r.sku);
  quantity(errors, `${prefix}.quantity`, r.quantity);
});

/** Throws a ValidationError naming every malformed field; returns normally when the command is well formed. */
export const validateOrderCommand = (command: OrderCommand): void => {
  const errors: FieldError[] = [];
  nonEmptyString(errors, 'orderId', command.orderId);
  if (
    command.expectedVersion !== undefined &&
    !(Number.isInteger(command.expectedVersion) && command.expectedVersion >= 0)
  ) {
    errors.push({ field: 'expectedVersion', message: 'must be a non-negative integer' });
  }
  const meta: Partial<OrderCommand['meta']> = command.meta ?? {};
  nonEmptyString(errors, 'meta.commandId', meta.commandId);
  nonEmptyString(errors, 'meta.correlationId', meta.correlationId);
  optional(nonEmptyString)(errors, 'meta.causationId', meta.causationId);
  isoInstant(errors, 'meta.issuedAt', meta.issuedAt);

  switch (command.type) {
    case 'CreateOrder':
      nonEmptyString(errors, 'customerId', command.customerId);
      if (typeof command.currency !== 'string' || !CURRENCY.test(command.currency)) {
        errors.push({ field: 'currency', message: 'must be an ISO 4217 code such as "EUR"' });
      }
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
    case 'ConfirmInventoryReserved':
      optional(reservation)(errors, 'reservations', command.reservations);
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
      errors.push({
        field: 'type',
        message: `unknown order command ${JSON.stringify((unknown as { type?: unknown }).type)}`,
      });
    }
  }
  if (errors.length > 0) {
    throw new ValidationError(
      `invalid ${String(command.type)} command: ${errors.map((e) => e.field).join(', ')}`,
      errors,
    );
  }
};
