import { InvalidStateError, NotFoundError, ValidationError } from '../../lib/errors';
import { deciderSpecification } from '../testing/decider-spec';
import { COMMANDS, EVENTS, HISTORY, ISSUED_AT, command, meta } from '../testing/order-fixtures';
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
  it('accepts explicit reservations that cover the order, in any order', () => {
    const reservations = [
      { sku: 'SKU-B', quantity: 1 },
      { sku: 'SKU-A', quantity: 2 },
    ];
    given(HISTORY.Placed)
      .when(command({ type: 'ConfirmInventoryReserved', reservations }))
      .then([{ type: 'OrderInventoryReserved', data: { reservations, occurredAt } }]);
  });

  it.each([
    ['a missing sku', [{ sku: 'SKU-A', quantity: 2 }]],
    [
      'a wrong quantity',
      [
        { sku: 'SKU-A', quantity: 1 },
        { sku: 'SKU-B', quantity: 1 },
      ],
    ],
    [
      'an extra sku',
      [
        { sku: 'SKU-A', quantity: 2 },
        { sku: 'SKU-B', quantity: 1 },
        { sku: 'SKU-C', quantity: 1 },
      ],
    ],
  ])('rejects reservations with %s', (_name, reservations) => {
    given(HISTORY.Placed)
      .when(command({ type: 'ConfirmInventoryReserved', reservations }))
      .thenThrows(ValidationError, failsOn('reservations'));
  });

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
