import { renderTemplate } from '../notification/templates';
import { INVENTORY_EVENTS } from '../testing/inventory-fixtures';
import { validateInventoryCommand } from '../inventory/validate-command';
import { NOTIFICATION_EVENTS } from '../testing/notification-fixtures';
import { validateNotificationCommand } from '../notification/validate-command';
import { EVENTS, LINES, ORDER_ID, TOTAL, cancelledEvent } from '../testing/order-fixtures';
import { validateOrderCommand } from '../order/validate-command';
import { PAYMENT_EVENTS } from '../testing/payment-fixtures';
import { validatePaymentCommand } from '../payment/validate-command';
import { SHIPMENT_EVENTS } from '../testing/shipment-fixtures';
import { validateShipmentCommand } from '../shipment/validate-command';
import { DEFAULT_PREFERENCES } from '../preferences/preferences';
import type { CancellableStatus } from '../order/state';
import { react, sagaCommandId } from './reactions';
import type { CommandToSend, EventsOf, ReactionContext, SagaAggregate, SagaInput } from './types';

const context: ReactionContext = {
  correlationId: 'corr-9',
  issuedAt: '2025-03-01T10:00:05.000Z',
  preferencesOf: () => ({ channels: ['email'], locale: 'en' }),
};
const input = <A extends SagaAggregate>(aggregate: A, aggregateId: string, event: EventsOf[A], version = 7) =>
  ({ aggregate, aggregateId, version, event }) as SagaInput;

/** The commands without meta, as [aggregate, aggregateId, command type, fields]. */
const shape = (commands: CommandToSend[]) =>
  commands.map(({ aggregate, aggregateId, command }) => {
    const { meta: _meta, ...body } = command;
    return [aggregate, aggregateId, body] as const;
  });

const VALIDATE: { [A in SagaAggregate]: (command: never) => void } = {
  orders: validateOrderCommand,
  inventory: validateInventoryCommand,
  payments: validatePaymentCommand,
  shipments: validateShipmentCommand,
  notifications: validateNotificationCommand,
};

/** Every command a reaction produces must pass its aggregate's validation (outcome-less, as the runtime gets it). */
const reactValid = (sagaInput: SagaInput, ctx: ReactionContext = context): CommandToSend[] => {
  const commands = react(sagaInput, ctx);
  for (const { aggregate, command } of commands)
    expect(() => VALIDATE[aggregate](command as never)).not.toThrow();
  return commands;
};

const emailFor = (trigger: string, template: string, params: Record<string, string>) =>
  [
    'notifications',
    `${ORDER_ID}:${trigger}:email`,
    {
      type: 'SendNotification',
      notificationId: `${ORDER_ID}:${trigger}:email`,
      orderId: ORDER_ID,
      customerId: 'cust-1',
      channel: 'email',
      template,
      params,
      locale: 'en',
    },
  ] as const;

describe('react: order events', () => {
  it('OrderPlaced → ReserveStock per line (keyed by sku) and the placed notification', () => {
    expect(shape(reactValid(input('orders', ORDER_ID, EVENTS.placed)))).toEqual([
      ['inventory', 'SKU-A', { type: 'ReserveStock', sku: 'SKU-A', orderId: ORDER_ID, quantity: 2 }],
      ['inventory', 'SKU-B', { type: 'ReserveStock', sku: 'SKU-B', orderId: ORDER_ID, quantity: 1 }],
      emailFor('OrderPlaced', 'order-placed', { orderId: ORDER_ID, total: '34.99 EUR' }),
    ]);
  });

  it('OrderInventoryReserved → CapturePayment of the order total', () => {
    expect(shape(reactValid(input('orders', ORDER_ID, EVENTS.reserved)))).toEqual([
      ['payments', ORDER_ID, { type: 'CapturePayment', orderId: ORDER_ID, amount: TOTAL, currency: 'EUR' }],
    ]);
    const preV2 = { ...EVENTS.reserved, data: { ...EVENTS.reserved.data, totalAmount: 0, currency: '' } };
    expect(react(input('orders', ORDER_ID, preV2), context)).toEqual([]);
  });

  it('OrderPaid → CreateShipment of the lines and the paid notification', () => {
    expect(shape(reactValid(input('orders', ORDER_ID, EVENTS.paid)))).toEqual([
      [
        'shipments',
        ORDER_ID,
        {
          type: 'CreateShipment',
          orderId: ORDER_ID,
          items: [
            { sku: 'SKU-A', quantity: 2 },
            { sku: 'SKU-B', quantity: 1 },
          ],
        },
      ],
      emailFor('OrderPaid', 'order-paid', { orderId: ORDER_ID, total: '34.99 EUR' }),
    ]);
  });

  it('OrderShipped → CommitStock per line and the shipped notification', () => {
    expect(shape(reactValid(input('orders', ORDER_ID, EVENTS.shipped)))).toEqual([
      ['inventory', 'SKU-A', { type: 'CommitStock', sku: 'SKU-A', orderId: ORDER_ID }],
      ['inventory', 'SKU-B', { type: 'CommitStock', sku: 'SKU-B', orderId: ORDER_ID }],
      emailFor('OrderShipped', 'order-shipped', {
        orderId: ORDER_ID,
        carrier: 'DHL',
        trackingNumber: 'TRK-1',
      }),
    ]);
  });

  it('OrderCompleted → the completed notification', () => {
    expect(shape(reactValid(input('orders', ORDER_ID, EVENTS.completed)))).toEqual([
      emailFor('OrderCompleted', 'order-completed', { orderId: ORDER_ID }),
    ]);
  });

  const release = (sku: string) =>
    ['inventory', sku, { type: 'ReleaseStock', sku, orderId: ORDER_ID }] as const;
  const refund = [
    'payments',
    ORDER_ID,
    { type: 'RefundPayment', orderId: ORDER_ID, reason: 'order cancelled: customer changed their mind' },
  ] as const;
  const voidLabel = [
    'shipments',
    ORDER_ID,
    { type: 'VoidShipment', orderId: ORDER_ID, reason: 'order cancelled: customer changed their mind' },
  ] as const;
  const cancelledMail = emailFor('OrderCancelled', 'order-cancelled', {
    orderId: ORDER_ID,
    reason: 'CUSTOMER_REQUEST',
  });
  it.each<[CancellableStatus, readonly unknown[]]>([
    ['Draft', [cancelledMail]],
    ['Placed', [release('SKU-A'), release('SKU-B'), cancelledMail]],
    ['InventoryReserved', [release('SKU-A'), release('SKU-B'), refund, cancelledMail]],
    ['PaymentCaptured', [release('SKU-A'), release('SKU-B'), refund, voidLabel, cancelledMail]],
  ])('OrderCancelled from %s → its compensations and the cancelled notification', (from, expected) => {
    expect(shape(reactValid(input('orders', ORDER_ID, cancelledEvent(from))))).toEqual(expected);
  });

  it('the order events nobody reacts to', () => {
    for (const event of [EVENTS.created, EVENTS.itemReservedA]) {
      expect(react(input('orders', ORDER_ID, event), context)).toEqual([]);
    }
    const added = { type: 'OrderItemAdded', data: { ...LINES[0], occurredAt: 'x' } } as const;
    expect(react(input('orders', ORDER_ID, added as EventsOf['orders']), context)).toEqual([]);
  });

  it("notifies on the customer's chosen channels, holding SMS and push back in their quiet hours", () => {
    const chosen = (quietHours?: { start: string; end: string; timeZone: string }) => ({
      ...context,
      preferencesOf: (customerId: string) => ({
        channels: customerId === 'cust-1' ? (['email', 'sms', 'push'] as const).slice() : [],
        ...(quietHours ? { quietHours } : {}),
        locale: 'en',
      }),
    });
    const ids = (ctx: typeof context) =>
      react(input('orders', ORDER_ID, EVENTS.completed), ctx).map((c) => c.aggregateId);
    expect(ids(chosen())).toEqual(['email', 'sms', 'push'].map((ch) => `${ORDER_ID}:OrderCompleted:${ch}`));
    // issuedAt is 10:00:05 UTC: inside 09:00–17:00 UTC, outside 22:00–07:00 UTC.
    expect(ids(chosen({ start: '09:00', end: '17:00', timeZone: 'UTC' }))).toEqual([
      `${ORDER_ID}:OrderCompleted:email`,
    ]);
    expect(ids(chosen({ start: '22:00', end: '07:00', timeZone: 'UTC' }))).toHaveLength(3);
  });

  it('notifies on the default channels without preferences, and no one for a pre-v2 record', () => {
    const { preferencesOf: _none, ...defaults } = context;
    const channels = DEFAULT_PREFERENCES.channels;
    const notifications = react(input('orders', ORDER_ID, EVENTS.completed), defaults);
    expect(notifications.map((c) => c.aggregateId)).toEqual(
      channels.map((ch) => `${ORDER_ID}:OrderCompleted:${ch}`),
    );
    const anonymous = { ...EVENTS.completed, data: { ...EVENTS.completed.data, customerId: '' } };
    expect(react(input('orders', ORDER_ID, anonymous), context)).toEqual([]);
  });
});

describe('react: replies from the other aggregates', () => {
  it('StockReserved / StockReservationRejected → RecordStockReservation on the order', () => {
    const reserved = {
      type: 'StockReserved',
      data: { orderId: ORDER_ID, quantity: 2, occurredAt: 'x' },
    } as const;
    expect(shape(reactValid(input('inventory', 'SKU-A', reserved)))).toEqual([
      [
        'orders',
        ORDER_ID,
        { type: 'RecordStockReservation', orderId: ORDER_ID, sku: 'SKU-A', quantity: 2, reserved: true },
      ],
    ]);
    const rejected = {
      type: 'StockReservationRejected',
      data: { orderId: ORDER_ID, quantity: 2, available: 1, reason: 'INSUFFICIENT_STOCK', occurredAt: 'x' },
    } as const;
    expect(shape(reactValid(input('inventory', 'SKU-A', rejected)))).toEqual([
      [
        'orders',
        ORDER_ID,
        { type: 'RecordStockReservation', orderId: ORDER_ID, sku: 'SKU-A', quantity: 2, reserved: false },
      ],
    ]);
  });

  it('PaymentCaptured → CapturePayment on the order (marks it paid)', () => {
    expect(shape(reactValid(input('payments', ORDER_ID, PAYMENT_EVENTS.captured)))).toEqual([
      ['orders', ORDER_ID, { type: 'CapturePayment', orderId: ORDER_ID, paymentId: 'gw-1', amount: TOTAL }],
    ]);
  });

  it('PaymentDeclined / PaymentFailed → CancelOrder PAYMENT_FAILED', () => {
    expect(shape(reactValid(input('payments', ORDER_ID, PAYMENT_EVENTS.declined)))).toEqual([
      [
        'orders',
        ORDER_ID,
        {
          type: 'CancelOrder',
          orderId: ORDER_ID,
          reason: 'payment declined: insufficient funds',
          reasonCode: 'PAYMENT_FAILED',
        },
      ],
    ]);
    expect(shape(reactValid(input('payments', ORDER_ID, PAYMENT_EVENTS.failed)))).toEqual([
      [
        'orders',
        ORDER_ID,
        {
          type: 'CancelOrder',
          orderId: ORDER_ID,
          reason: 'payment failed: gateway timeout',
          reasonCode: 'PAYMENT_FAILED',
        },
      ],
    ]);
  });

  it('ShipmentCreated → ShipOrder', () => {
    expect(shape(reactValid(input('shipments', ORDER_ID, SHIPMENT_EVENTS.created)))).toEqual([
      [
        'orders',
        ORDER_ID,
        {
          type: 'ShipOrder',
          orderId: ORDER_ID,
          shipmentId: 'ship-1',
          carrier: 'DHL',
          trackingNumber: 'TRK-1',
        },
      ],
    ]);
  });

  it('ShipmentFailed → CancelOrder SHIPMENT_FAILED', () => {
    expect(shape(reactValid(input('shipments', ORDER_ID, SHIPMENT_EVENTS.failed)))).toEqual([
      [
        'orders',
        ORDER_ID,
        {
          type: 'CancelOrder',
          orderId: ORDER_ID,
          reason: 'shipment failed: address not served',
          reasonCode: 'SHIPMENT_FAILED',
        },
      ],
    ]);
  });

  it('ShipmentDelivered → CompleteOrder', () => {
    expect(shape(reactValid(input('shipments', ORDER_ID, SHIPMENT_EVENTS.delivered)))).toEqual([
      ['orders', ORDER_ID, { type: 'CompleteOrder', orderId: ORDER_ID }],
    ]);
  });

  it('alerts the operators by email once per fall below the low-stock threshold', () => {
    const alert = reactValid(input('inventory', 'SKU-A', INVENTORY_EVENTS.low, 12));
    expect(shape(alert)).toEqual([
      [
        'notifications',
        'stock:SKU-A:LowStockDetected-v12:email',
        {
          type: 'SendNotification',
          notificationId: 'stock:SKU-A:LowStockDetected-v12:email',
          orderId: 'stock:SKU-A',
          customerId: 'operators',
          channel: 'email',
          template: 'low-stock',
          params: { sku: 'SKU-A', available: '2', threshold: '3' },
        },
      ],
    ]);
    expect(renderTemplate('low-stock', { sku: 'SKU-A', available: '2', threshold: '3' }).subject).toBe(
      'Low stock: SKU-A',
    );
  });

  it('the events nobody reacts to', () => {
    const quiet: SagaInput[] = [
      ...[
        INVENTORY_EVENTS.registered,
        INVENTORY_EVENTS.replenished,
        INVENTORY_EVENTS.released,
        INVENTORY_EVENTS.committed,
        INVENTORY_EVENTS.repriced,
        INVENTORY_EVENTS.renamed,
        INVENTORY_EVENTS.retired,
      ].map((e) => input('inventory', 'SKU-A', e)),
      ...[PAYMENT_EVENTS.voided, PAYMENT_EVENTS.refunded, PAYMENT_EVENTS.refundFailed].map((e) =>
        input('payments', ORDER_ID, e),
      ),
      input('shipments', ORDER_ID, SHIPMENT_EVENTS.inTransit),
      input('notifications', `${ORDER_ID}:OrderPlaced:email`, NOTIFICATION_EVENTS.sent),
      input('notifications', `${ORDER_ID}:OrderPlaced:email`, NOTIFICATION_EVENTS.failed),
    ];
    for (const q of quiet) expect(react(q, context)).toEqual([]);
  });
});

describe('react: command metadata', () => {
  it('derives ids from the event position, so a redelivered event yields the same commands', () => {
    const sagaInput = input('orders', ORDER_ID, EVENTS.placed, 3);
    const commands = react(sagaInput, context);
    expect(commands.map((c) => c.command.meta)).toEqual(
      [0, 1, 2].map((i) => ({
        commandId: `orders:${ORDER_ID}:3:${i}`,
        correlationId: 'corr-9',
        causationId: `${ORDER_ID}:3`,
        issuedAt: context.issuedAt,
      })),
    );
    expect(react(structuredClone(sagaInput), context)).toEqual(commands);
    expect(sagaCommandId({ aggregate: 'inventory', aggregateId: 'SKU-A', version: 12 }, 0)).toBe(
      'inventory:SKU-A:12:0',
    );
  });

  it('uses the event id as causation id when the runtime gives one', () => {
    const [first] = react(
      { ...input('payments', ORDER_ID, PAYMENT_EVENTS.captured), eventId: 'evt-77' },
      context,
    );
    expect(first?.command.meta.causationId).toBe('evt-77');
  });
});
