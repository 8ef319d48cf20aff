import { InvalidStateError, NotFoundError, ValidationError } from '../../lib/errors';
import { deciderSpecification } from '../testing/decider-spec';
import {
  COMMANDS,
  EVENTS,
  HISTORY,
  ISSUED_AT,
  LINES,
  cancelledEvent,
  command,
  meta,
} from '../testing/order-fixtures';
import type { OrderCommand } from './commands';
import { orderDecider } from './decider';

const given = deciderSpecification(orderDecider);
const occurredAt = ISSUED_AT;

/** Asserts a ValidationError that names exactly these fields. */
const failsOn =
  (...fields: string[]) =>
  (error: ValidationError): boolean => {
    expect(error.errors.map((e) => e.field).sort()).toEqual([...fields].sort());
    return true;
  };

const create = (overrides: Partial<Extract<OrderCommand, { type: 'CreateOrder' }>>): OrderCommand => ({
  ...COMMANDS.CreateOrder,
  ...overrides,
});

describe('CreateOrder', () => {
  it('defaults the sales channel to web and keeps an explicit one', () => {
    given([])
      .when(create({ salesChannel: 'mobile' }))
      .then([{ ...EVENTS.created, data: { ...EVENTS.created.data, salesChannel: 'mobile' } }]);
  });

  it('accepts an empty order, which then cannot be placed', () => {
    const empty = { type: 'OrderCreated' as const, data: { ...EVENTS.created.data, items: [] } };
    given([])
      .when(create({ items: [] }))
      .then([empty]);
    given([empty]).when(COMMANDS.PlaceOrder).thenThrows(InvalidStateError, 'INVALID_STATE');
  });

  it('merges lines with the same sku', () => {
    const items = [
      { sku: 'SKU-A', quantity: 2, unitPrice: 5 },
      { sku: 'SKU-A', quantity: 3, unitPrice: 5 },
    ];
    given([])
      .when(create({ items }))
      .then([
        {
          ...EVENTS.created,
          data: { ...EVENTS.created.data, items: [{ sku: 'SKU-A', quantity: 5, unitPrice: 5 }] },
        },
      ]);
  });

  it.each([
    ['a zero quantity', { sku: 'S', quantity: 0, unitPrice: 1 }, 'items[0].quantity'],
    ['a quantity above 1000', { sku: 'S', quantity: 1001, unitPrice: 1 }, 'items[0].quantity'],
    ['a fractional quantity', { sku: 'S', quantity: 1.5, unitPrice: 1 }, 'items[0].quantity'],
    ['a negative unit price', { sku: 'S', quantity: 1, unitPrice: -1 }, 'items[0].unitPrice'],
    [
      'a fractional unit price (not minor units)',
      { sku: 'S', quantity: 1, unitPrice: 9.99 },
      'items[0].unitPrice',
    ],
    ['an empty sku', { sku: ' ', quantity: 1, unitPrice: 1 }, 'items[0].sku'],
  ])('rejects %s', (_name, line, field) => {
    given([])
      .when(create({ items: [line] }))
      .thenThrows(ValidationError, failsOn(field));
  });

  it('accepts the bounds: quantity 1 and 1000, unit price 0', () => {
    const items = [
      { sku: 'A', quantity: 1, unitPrice: 0 },
      { sku: 'B', quantity: 1000, unitPrice: 0 },
    ];
    given([])
      .when(create({ items }))
      .then([{ ...EVENTS.created, data: { ...EVENTS.created.data, items } }]);
  });

  it('rejects the same sku at two prices, and merged lines above 1000', () => {
    const twoPrices = [
      { sku: 'A', quantity: 1, unitPrice: 5 },
      { sku: 'A', quantity: 1, unitPrice: 6 },
    ];
    given([])
      .when(create({ items: twoPrices }))
      .thenThrows(ValidationError, failsOn('items[1].unitPrice'));
    const tooMany = [
      { sku: 'A', quantity: 600, unitPrice: 5 },
      { sku: 'A', quantity: 401, unitPrice: 5 },
    ];
    given([])
      .when(create({ items: tooMany }))
      .thenThrows(ValidationError, failsOn('items[1].quantity'));
  });

  it('names every bad field at once', () => {
    const bad = {
      ...create({ customerId: '', currency: 'euro', salesChannel: '' }),
      orderId: '',
      expectedVersion: -1,
      meta: { commandId: '', correlationId: 'c', issuedAt: 'yesterday' },
    };
    given([])
      .when(bad)
      .thenThrows(
        ValidationError,
        failsOn(
          'orderId',
          'expectedVersion',
          'meta.commandId',
          'meta.issuedAt',
          'customerId',
          'currency',
          'salesChannel',
        ),
      );
  });

  it('validates before looking up the order (400 before 404 and 409)', () => {
    const badAdd = command({ type: 'AddItem', sku: 'X', quantity: 0, unitPrice: 1 });
    given([]).when(badAdd).thenThrows(ValidationError, failsOn('quantity'));
    given(HISTORY.Completed).when(badAdd).thenThrows(ValidationError, failsOn('quantity'));
  });

  it('takes event time from meta.issuedAt, never the clock', () => {
    const at = '2031-12-24T18:30:00.000+01:00';
    given([])
      .when({ ...COMMANDS.CreateOrder, meta: meta(at) })
      .then([{ ...EVENTS.created, data: { ...EVENTS.created.data, occurredAt: at } }]);
  });
});

describe('items in Draft', () => {
  it('adding an existing sku adds to its quantity', () => {
    const add = command({ type: 'AddItem', sku: 'SKU-A', quantity: 998, unitPrice: 1250 });
    given(HISTORY.Draft)
      .when(add)
      .then([{ type: 'OrderItemAdded', data: { sku: 'SKU-A', quantity: 998, unitPrice: 1250, occurredAt } }]);
  });

  it('refuses to bring a line above 1000 or to change its price', () => {
    given(HISTORY.Draft)
      .when(command({ type: 'AddItem', sku: 'SKU-A', quantity: 999, unitPrice: 1250 }))
      .thenThrows(ValidationError, failsOn('quantity'));
    given(HISTORY.Draft)
      .when(command({ type: 'AddItem', sku: 'SKU-A', quantity: 1, unitPrice: 1 }))
      .thenThrows(ValidationError, failsOn('unitPrice'));
  });

  it('removing an absent sku is a validation error', () => {
    given(HISTORY.Draft)
      .when(command({ type: 'RemoveItem', sku: 'SKU-Z' }))
      .thenThrows(ValidationError, failsOn('sku'));
  });

  it('an order whose items were all removed cannot be placed', () => {
    const emptied = [
      ...HISTORY.Draft,
      { type: 'OrderItemRemoved' as const, data: { sku: 'SKU-A', occurredAt } },
      { type: 'OrderItemRemoved' as const, data: { sku: 'SKU-B', occurredAt } },
    ];
    given(emptied).when(COMMANDS.PlaceOrder).thenThrows(InvalidStateError);
  });
});

describe('later steps', () => {
  it.each([0, 3498, 3500])('rejects a payment of %i when the total is 3499', (amount) => {
    given(HISTORY.InventoryReserved)
      .when(command({ type: 'CapturePayment', paymentId: 'pay-1', amount }))
      .thenThrows(ValidationError, failsOn('amount'));
  });

  it('rejects a shipment without carrier or tracking number', () => {
    given(HISTORY.PaymentCaptured)
      .when(command({ type: 'ShipOrder', shipmentId: 'ship-1', carrier: '', trackingNumber: '' }))
      .thenThrows(ValidationError, failsOn('carrier', 'trackingNumber'));
  });

  it('rejects a cancel without a reason or with an unknown reason code', () => {
    const cancel = { ...COMMANDS.CancelOrder, reason: '', reasonCode: 'BORED' } as unknown as OrderCommand;
    given(HISTORY.Draft).when(cancel).thenThrows(ValidationError, failsOn('reason', 'reasonCode'));
  });

  it('rejects an unknown command type with a ValidationError, not a crash', () => {
    const unknown = { ...COMMANDS.PlaceOrder, type: 'RefundOrder' } as unknown as OrderCommand;
    given(HISTORY.Draft).when(unknown).thenThrows(ValidationError, failsOn('type'));
  });

  it('uses NotFoundError for an unknown order even when the command is well formed', () => {
    given([])
      .when(COMMANDS.CancelOrder)
      .thenThrows(NotFoundError, (e) => e.message.includes('order-1'));
  });
});

describe('per-SKU stock reservation (RecordStockReservation)', () => {
  const reply = (sku: string, quantity: number, reserved = true) =>
    command({ type: 'RecordStockReservation', sku, quantity, reserved });

  it('records one line and waits for the others', () => {
    given(HISTORY.Placed).when(reply('SKU-A', 2)).then([EVENTS.itemReservedA]);
  });

  it('the reply that completes the set also emits OrderInventoryReserved, whatever the reply order', () => {
    given([...HISTORY.Placed, EVENTS.itemReservedA])
      .when(reply('SKU-B', 1))
      .then([EVENTS.itemReservedB, EVENTS.reserved]);
    given([...HISTORY.Placed, EVENTS.itemReservedB])
      .when(reply('SKU-A', 2))
      .then([EVENTS.itemReservedA, EVENTS.reserved]);
  });

  it('a single-line order is reserved by its one reply', () => {
    const line = { sku: 'SKU-A', quantity: 2, unitPrice: 1250 };
    const created = { type: 'OrderCreated' as const, data: { ...EVENTS.created.data, items: [line] } };
    const placed = {
      type: 'OrderPlaced' as const,
      data: { ...EVENTS.placed.data, items: [line], totalAmount: 2500 },
    };
    given([created, placed])
      .when(reply('SKU-A', 2))
      .then([
        EVENTS.itemReservedA,
        {
          type: 'OrderInventoryReserved',
          data: {
            reservations: [{ sku: 'SKU-A', quantity: 2 }],
            totalAmount: 2500,
            currency: 'EUR',
            customerId: 'cust-1',
            occurredAt,
          },
        },
      ]);
  });

  it('a repeated reply changes nothing', () => {
    given([...HISTORY.Placed, EVENTS.itemReservedA])
      .when(reply('SKU-A', 2))
      .then([]);
  });

  it('a rejected line cancels the order OUT_OF_STOCK, naming the sku and carrying every line to release', () => {
    const expected = [
      {
        type: 'OrderCancelled',
        data: {
          reason: 'out of stock: SKU-B (1 requested)',
          reasonCode: 'OUT_OF_STOCK',
          cancelledFromStatus: 'Placed',
          customerId: 'cust-1',
          items: LINES,
          occurredAt,
        },
      },
    ] as const;
    given(HISTORY.Placed)
      .when(reply('SKU-B', 1, false))
      .then([...expected]);
    given([...HISTORY.Placed, EVENTS.itemReservedA])
      .when(reply('SKU-B', 1, false))
      .then([...expected]);
  });

  it('late replies after a cancel, or after the set is complete, change nothing', () => {
    const cancelledWhilePlaced = [...HISTORY.Placed, cancelledEvent('Placed')];
    given(cancelledWhilePlaced).when(reply('SKU-A', 2)).then([]);
    given(cancelledWhilePlaced)
      .when(reply('SKU-A', 2, false))
      .then([]);
    given(HISTORY.InventoryReserved)
      .when(reply('SKU-B', 1, false))
      .then([]);
  });

  it('refuses a reply for a sku not on the order, or for another quantity', () => {
    given(HISTORY.Placed).when(reply('SKU-Z', 1)).thenThrows(ValidationError, failsOn('sku'));
    given(HISTORY.Placed).when(reply('SKU-A', 3)).thenThrows(ValidationError, failsOn('quantity'));
  });

  it('refuses a malformed reply before looking at the order', () => {
    const bad = { ...reply('', 0), reserved: 'yes' } as unknown as OrderCommand;
    given([])
      .when(bad)
      .thenThrows(ValidationError, failsOn('sku', 'quantity', 'reserved'));
  });

  it('is not expected on a Draft order', () => {
    given(HISTORY.Draft).when(reply('SKU-A', 2)).thenThrows(InvalidStateError);
  });
});
