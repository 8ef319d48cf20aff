import { NotFoundError } from '../../lib/errors';
import { foldEvents } from '../decider';
import { COMMANDS, EVENTS, ORDER_ID } from '../testing/order-fixtures';
import { orderHiddenFrom } from './access';
import type { OrderCommand } from './commands';
import { orderDecider } from './decider';

const created = foldEvents(orderDecider, [EVENTS.created]);
const as = (customerId: string | undefined, command: OrderCommand): OrderCommand => ({
  ...command,
  meta: { ...command.meta, ...(customerId !== undefined ? { customerId } : {}) },
});

describe('orderHiddenFrom', () => {
  it('hides an order from another customer with the unknown-order answer', () => {
    const hidden = orderHiddenFrom(as('cust-2', COMMANDS.PlaceOrder), created);
    expect(hidden).toBeInstanceOf(NotFoundError);
    let unknown: unknown;
    try {
      orderDecider.decide(COMMANDS.PlaceOrder, orderDecider.initialState());
    } catch (err) {
      unknown = err;
    }
    expect(hidden?.message).toBe((unknown as Error).message);
    expect(hidden?.message).toContain(ORDER_ID);
  });

  it("lets the order's own customer, admins and the saga (no acting customer) through", () => {
    expect(EVENTS.created.data.customerId).toBe('cust-1');
    expect(orderHiddenFrom(as('cust-1', COMMANDS.PlaceOrder), created)).toBeUndefined();
    expect(orderHiddenFrom(as(undefined, COMMANDS.PlaceOrder), created)).toBeUndefined();
  });

  it('leaves unknown orders and creates to the decider', () => {
    expect(orderHiddenFrom(as('cust-2', COMMANDS.PlaceOrder), orderDecider.initialState())).toBeUndefined();
    expect(orderHiddenFrom(as('cust-2', COMMANDS.CreateOrder), created)).toBeUndefined();
  });
});
