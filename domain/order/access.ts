import { NotFoundError } from '../../lib/errors';
import type { OrderCommand } from './commands';
import type { OrderState } from './state';

/** The answer for an order id that does not exist, and for one the actor may not see. */
export const orderNotFound = (orderId: string): NotFoundError =>
  new NotFoundError(`order ${orderId} does not exist`);

/**
 * The error to answer with when the command's acting customer (meta.customerId) is not the
 * order's customer: exactly the unknown-order answer, given before version or state are looked
 * at, so a customer cannot learn that someone else's order id exists. Commands without an acting
 * customer (admins, the saga) see every order. A create is not concealed: its id is new.
 */
export const orderHiddenFrom = (command: OrderCommand, state: OrderState): NotFoundError | undefined => {
  const actor = command.meta.customerId;
  if (actor === undefined || command.type === 'CreateOrder' || state.status === 'None') return undefined;
  return state.customerId === actor ? undefined : orderNotFound(command.orderId);
};
