import { InvalidStateError, NotFoundError } from '../../lib/errors';
import { foldEvents } from '../decider';
import { deciderSpecification } from '../testing/decider-spec';
import {
  COMMANDS,
  EVENTS,
  HISTORY,
  ISSUED_AT,
  LINES,
  TOTAL,
  cancelledEvent,
} from '../testing/order-fixtures';
import type { OrderCommandType } from './commands';
import { orderDecider } from './decider';
import type { OrderEvent } from './events';
import type { OrderStatus } from './state';

const given = deciderSpecification(orderDecider);
const occurredAt = ISSUED_AT;

type Status = OrderStatus | 'None';
type Outcome = 'ok' | 'NotFound' | 'Invalid' | 'Nothing';

/*
 * The lifecycle of DESIGN §5 written out by hand, cell by cell, independently of the decider's
 * own transition table, so a wrong entry in either one fails a test.
 */
const COLUMNS: OrderCommandType[] = [
  'CreateOrder',
  'AddItem',
  'RemoveItem',
  'PlaceOrder',
  'RecordStockReservation',
  'CapturePayment',
  'ShipOrder',
  'CompleteOrder',
  'CancelOrder',
];
const o = 'ok' as const;
const N = 'NotFound' as const;
const X = 'Invalid' as const;
const _ = 'Nothing' as const; // accepted, no events: a late or repeated saga reply
// prettier-ignore
const MATRIX: Record<Status, Outcome[]> = {
  //                 Create Add Remove Place Record Capture Ship Complete Cancel
  None:              [o,    N,  N,     N,    N,     N,      N,   N,       N],
  Draft:             [X,    o,  o,     o,    X,     X,      X,   X,       o],
  Placed:            [X,    X,  X,     X,    o,     X,      X,   X,       o],
  InventoryReserved: [X,    X,  X,     X,    _,     o,      X,   X,       o],
  PaymentCaptured:   [X,    X,  X,     X,    _,     X,      o,   X,       o],
  Shipped:           [X,    X,  X,     X,    _,     X,      X,   o,       X],
  Completed:         [X,    X,  X,     X,    _,     X,      X,   X,       X],
  Cancelled:         [X,    X,  X,     X,    _,     X,      X,   X,       X],
};

/** The events each allowed command must produce, given the fixture histories. */
const expectedEvents = (command: OrderCommandType, from: Status): OrderEvent[] => {
  switch (command) {
    case 'CreateOrder':
      return [EVENTS.created];
    case 'AddItem':
      return [{ type: 'OrderItemAdded', data: { sku: 'SKU-C', quantity: 3, unitPrice: 100, occurredAt } }];
    case 'RemoveItem':
      return [{ type: 'OrderItemRemoved', data: { sku: 'SKU-B', occurredAt } }];
    case 'PlaceOrder':
      return [EVENTS.placed];
    case 'RecordStockReservation':
      return [EVENTS.itemReservedA];
    case 'CapturePayment':
      return [EVENTS.paid];
    case 'ShipOrder':
      return [EVENTS.shipped];
    case 'CompleteOrder':
      return [EVENTS.completed];
    case 'CancelOrder':
      return [cancelledEvent(from as 'Draft')];
  }
};

const cells = (Object.keys(MATRIX) as Status[]).flatMap((status) =>
  COLUMNS.map((command, i) => ({ status, command, outcome: MATRIX[status][i] as Outcome })),
);

describe('order lifecycle matrix (status × command)', () => {
  it('covers every status and every command type', () => {
    expect(cells).toHaveLength(8 * 9);
    expect(new Set(COLUMNS).size).toBe(Object.keys(COMMANDS).length);
  });

  it.each(cells.filter((c) => c.outcome === 'ok'))('$status × $command is allowed', ({ status, command }) => {
    given(HISTORY[status]).when(COMMANDS[command]).then(expectedEvents(command, status));
  });

  it.each(cells.filter((c) => c.outcome === 'Invalid'))(
    '$status × $command throws InvalidStateError',
    ({ status, command }) => {
      given(HISTORY[status]).when(COMMANDS[command]).thenThrows(InvalidStateError, 'INVALID_STATE');
    },
  );

  it.each(cells.filter((c) => c.outcome === 'Nothing'))(
    '$status × $command is accepted and changes nothing',
    ({ status, command }) => {
      given(HISTORY[status]).when(COMMANDS[command]).then([]);
    },
  );

  it.each(cells.filter((c) => c.outcome === 'NotFound'))(
    '$status × $command throws NotFoundError',
    ({ status, command }) => {
      given(HISTORY[status]).when(COMMANDS[command]).thenThrows(NotFoundError, 'NOT_FOUND');
    },
  );

  it.each(['Placed', 'InventoryReserved', 'PaymentCaptured'] as const)(
    'an order cancelled from %s stays cancelled and refuses a second cancel',
    (from) => {
      const cancelled = [...HISTORY[from], ...expectedEvents('CancelOrder', from)];
      given(cancelled).when(COMMANDS.CancelOrder).thenThrows(InvalidStateError);
      given(cancelled).when(COMMANDS.CapturePayment).thenThrows(InvalidStateError);
    },
  );
});

describe('order state (evolve)', () => {
  const stateAfter = (events: OrderEvent[]) => foldEvents(orderDecider, events);

  it('starts as a not-yet-created order', () => {
    expect(orderDecider.initialState()).toEqual({ status: 'None' });
  });

  it('walks the happy path to Completed, keeping totals, payment and shipment', () => {
    const state = stateAfter(HISTORY.Completed);
    expect(state).toEqual({
      status: 'Completed',
      customerId: 'cust-1',
      currency: 'EUR',
      salesChannel: 'web',
      items: LINES,
      totalAmount: TOTAL,
      createdAt: occurredAt,
      updatedAt: occurredAt,
      reservedItems: [
        { sku: 'SKU-A', quantity: 2 },
        { sku: 'SKU-B', quantity: 1 },
      ],
      payment: { paymentId: 'pay-1', amount: TOTAL },
      shipment: { shipmentId: 'ship-1', carrier: 'DHL', trackingNumber: 'TRK-1' },
    });
  });

  it.each(Object.keys(HISTORY) as Status[])('the %s fixture history yields that status', (status) => {
    expect(stateAfter(HISTORY[status]).status).toBe(status);
  });

  it('recomputes the total when items are added and removed, and records updatedAt', () => {
    const later = '2025-03-01T11:00:00.000Z';
    const state = stateAfter([
      EVENTS.created,
      { type: 'OrderItemAdded', data: { sku: 'SKU-A', quantity: 1, unitPrice: 1250, occurredAt: later } },
      { type: 'OrderItemAdded', data: { sku: 'SKU-C', quantity: 4, unitPrice: 10, occurredAt: later } },
      { type: 'OrderItemRemoved', data: { sku: 'SKU-B', occurredAt: later } },
    ]);
    expect(state).toMatchObject({
      status: 'Draft',
      items: [
        { sku: 'SKU-A', quantity: 3, unitPrice: 1250 },
        { sku: 'SKU-C', quantity: 4, unitPrice: 10 },
      ],
      totalAmount: 3 * 1250 + 4 * 10,
      createdAt: occurredAt,
      updatedAt: later,
    });
  });

  it('records why and from where an order was cancelled', () => {
    expect(stateAfter(HISTORY.Cancelled)).toMatchObject({
      status: 'Cancelled',
      cancellation: { reason: 'duplicate', reasonCode: 'OTHER', cancelledFromStatus: 'Draft' },
    });
  });

  it('refuses a history that cannot exist', () => {
    expect(() => stateAfter([EVENTS.placed])).toThrow(InvalidStateError);
    expect(() => stateAfter([EVENTS.created, EVENTS.created])).toThrow(InvalidStateError);
  });

  it('does not mutate the state it is given', () => {
    const draft = Object.freeze(stateAfter(HISTORY.Draft));
    const before = structuredClone(draft);
    orderDecider.evolve(draft, {
      type: 'OrderItemAdded',
      data: { sku: 'SKU-A', quantity: 1, unitPrice: 1250, occurredAt },
    });
    expect(draft).toEqual(before);
  });
});
