import type { FieldError } from '../../lib/errors';
import {
  checkEnvelope,
  integerIn,
  minorUnits,
  nonEmptyString,
  throwIfInvalid,
  unknownType,
} from '../order/field-checks';
import type { InventoryCommand } from './commands';

const count = integerIn(0);
const quantity = integerIn(1);

/** Throws a ValidationError naming every malformed field. */
export const validateInventoryCommand = (command: InventoryCommand): void => {
  const errors: FieldError[] = [];
  checkEnvelope(errors, command, 'sku', command.sku);
  switch (command.type) {
    case 'RegisterProduct':
      nonEmptyString(errors, 'name', command.name);
      minorUnits(errors, 'price', command.price);
      nonEmptyString(errors, 'category', command.category);
      count(errors, 'initialStock', command.initialStock);
      count(errors, 'lowStockThreshold', command.lowStockThreshold);
      break;
    case 'ReplenishStock':
      quantity(errors, 'quantity', command.quantity);
      break;
    case 'ReserveStock':
      nonEmptyString(errors, 'orderId', command.orderId);
      quantity(errors, 'quantity', command.quantity);
      break;
    case 'ReleaseStock':
    case 'CommitStock':
      nonEmptyString(errors, 'orderId', command.orderId);
      break;
    case 'ChangeProductPrice':
      minorUnits(errors, 'price', command.price);
      break;
    case 'RenameProduct':
      nonEmptyString(errors, 'name', command.name);
      break;
    case 'RetireProduct':
      nonEmptyString(errors, 'reason', command.reason);
      break;
    default: {
      const unknown: never = command;
      unknownType(errors, 'inventory', (unknown as { type?: unknown }).type);
    }
  }
  throwIfInvalid(command.type, errors);
};
