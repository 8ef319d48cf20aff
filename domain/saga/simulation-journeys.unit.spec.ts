import type { OrderLine } from '../order/money';
import { DEFAULT_PREFERENCES } from '../preferences/preferences';
import { cancellation, expectSettled, ledgerNet, neverOversold, types } from '../testing/saga-assertions';
import { createShop, type Shop, type StockedProduct } from '../testing/saga-shop';
import { preferring, type SagaWorld } from '../testing/saga-world';
import type { CommandToSend } from './types';

/*
 * The choreography proven in memory before Kafka carries it: every decider and `react`, wired
 * by a queue, walked through each journey of DESIGN §5, including the races a cancel can cause.
 */

const A = 'SKU-A';
const B = 'SKU-B';
const PRODUCTS: StockedProduct[] = [
  { sku: A, price: 1000, stock: 5 },
  { sku: B, price: 250, stock: 3 },
];
const LINES: OrderLine[] = [
  { sku: A, quantity: 2, unitPrice: 1000 },
  { sku: B, quantity: 1, unitPrice: 250 },
];
const TOTAL = 2250;

describe('saga simulation: scripted journeys', () => {
  it('happy path: placed → reserved per SKU → paid → shipped → delivered → Completed', () => {
    const shop = createShop(PRODUCTS);
    neverOversold(shop);
    shop.placeOrder('o-1', 'cust-1', LINES);
    shop.world.run();

    expect(types(shop.world.eventsOf('orders', 'o-1'))).toEqual([
      'OrderCreated',
      'OrderPlaced',
      'OrderItemReserved',
      'OrderItemReserved',
      'OrderInventoryReserved',
      'OrderPaid',
      'OrderShipped',
      'OrderCompleted',
    ]);
    expect(shop.product(A)).toMatchObject({ onHand: 3, reserved: 0, shipped: 2 });
    expect(shop.product(B)).toMatchObject({ onHand: 2, reserved: 0, shipped: 1 });
    expect(shop.payment('o-1')).toMatchObject({ status: 'Captured', amount: TOTAL });
    expect(shop.world.stateOf('shipments', 'o-1')).toMatchObject({ status: 'Delivered' });
    const channels = DEFAULT_PREFERENCES.channels;
    for (const trigger of ['OrderPlaced', 'OrderPaid', 'OrderShipped', 'OrderCompleted']) {
      for (const channel of channels) {
        expect(types(shop.world.eventsOf('notifications', `o-1:${trigger}:${channel}`))).toEqual([
          'NotificationSent',
        ]);
      }
    }
    expect(shop.world.rejections).toEqual([]);
    expectSettled(shop);
  });

  it('out of stock on the second SKU: the first is released and the order Cancelled OUT_OF_STOCK', () => {
    const shop = createShop([PRODUCTS[0] as StockedProduct, { sku: B, price: 250, stock: 0 }]);
    shop.placeOrder('o-1', 'cust-1', LINES);
    shop.world.run();

    expect(shop.order('o-1')).toMatchObject({
      status: 'Cancelled',
      cancellation: {
        reasonCode: 'OUT_OF_STOCK',
        cancelledFromStatus: 'Placed',
        reason: expect.stringContaining(B),
      },
    });
    expect(types(shop.world.eventsOf('inventory', A))).toEqual([
      'ProductRegistered',
      'StockReserved',
      'StockReleased',
    ]);
    expect(shop.product(A)).toMatchObject({ onHand: 5, reserved: 0 });
    expect(types(shop.world.eventsOf('inventory', B))).toEqual([
      'ProductRegistered',
      'StockReservationRejected',
    ]);
    expect(shop.world.eventsOf('payments', 'o-1')).toEqual([]);
    expect(shop.externals.charges.size).toBe(0);
    expectSettled(shop);
  });

  it('payment declined: stock released, order Cancelled PAYMENT_FAILED, nothing charged', () => {
    const shop = createShop(PRODUCTS, { policy: { capture: () => 'declined' } });
    shop.placeOrder('o-1', 'cust-1', LINES);
    shop.world.run();

    expect(cancellation(shop, 'o-1')).toEqual({ reasonCode: 'PAYMENT_FAILED', from: 'InventoryReserved' });
    expect(types(shop.world.eventsOf('payments', 'o-1'))).toEqual(['PaymentDeclined']); // the refund had nothing to do
    expect(shop.product(A)).toMatchObject({ onHand: 5, reserved: 0 });
    expect(shop.product(B)).toMatchObject({ onHand: 3, reserved: 0 });
    expectSettled(shop);
  });

  it('shipment failed: refund and release, order Cancelled SHIPMENT_FAILED', () => {
    const shop = createShop(PRODUCTS, { policy: { shipment: () => 'failed' } });
    shop.placeOrder('o-1', 'cust-1', LINES);
    shop.world.run();

    expect(cancellation(shop, 'o-1')).toEqual({ reasonCode: 'SHIPMENT_FAILED', from: 'PaymentCaptured' });
    expect(types(shop.world.eventsOf('payments', 'o-1'))).toEqual(['PaymentCaptured', 'PaymentRefunded']);
    expect(ledgerNet(shop)).toBe(0);
    expect(shop.product(A)).toMatchObject({ onHand: 5, reserved: 0, shipped: 0 });
    expectSettled(shop);
  });

  const exists = (shop: Shop) => shop.orderIds().includes('o-1');
  const cancelWhen = (shop: Shop, status: string, pick?: Parameters<SagaWorld['run']>[0]) => {
    shop.placeOrder('o-1', 'cust-1', LINES);
    shop.world.run({ until: () => exists(shop) && shop.order('o-1').status === status });
    shop.cancel('o-1', { front: true });
    shop.world.run(pick);
  };

  it('customer cancel in Placed: the reservations that still arrive are released', () => {
    const shop = createShop(PRODUCTS);
    shop.placeOrder('o-1', 'cust-1', LINES);
    shop.world.run({ until: () => exists(shop) && shop.order('o-1').status === 'Placed' });
    shop.cancel('o-1', { front: true });
    shop.world.run();

    expect(cancellation(shop, 'o-1')).toEqual({ reasonCode: 'CUSTOMER_REQUEST', from: 'Placed' });
    expect(types(shop.world.eventsOf('inventory', A))).toEqual([
      'ProductRegistered',
      'StockReserved',
      'StockReleased',
    ]);
    expect(shop.world.eventsOf('payments', 'o-1')).toEqual([]);
    expectSettled(shop);
  });

  it('customer cancel in Placed, the release overtaking the reservation: the late reservation is rejected', () => {
    const shop = createShop(PRODUCTS);
    shop.placeOrder('o-1', 'cust-1', LINES);
    shop.world.run({ until: () => exists(shop) && shop.order('o-1').status === 'Placed' });
    shop.cancel('o-1', { front: true });
    shop.world.run({ pick: preferring((c) => c.command.type === 'ReleaseStock') });

    expect(types(shop.world.eventsOf('inventory', A))).toEqual([
      'ProductRegistered',
      'StockReleased',
      'StockReservationRejected',
    ]);
    expect(shop.world.eventsOf('inventory', A)[2]).toMatchObject({ data: { reason: 'ORDER_CLOSED' } });
    expect(shop.product(A)).toMatchObject({ onHand: 5, reserved: 0 });
    expectSettled(shop);
  });

  it('customer cancel in InventoryReserved, capture first: captured, then refunded', () => {
    const shop = createShop(PRODUCTS);
    cancelWhen(shop, 'InventoryReserved');

    expect(cancellation(shop, 'o-1')).toEqual({ reasonCode: 'CUSTOMER_REQUEST', from: 'InventoryReserved' });
    expect(types(shop.world.eventsOf('payments', 'o-1'))).toEqual(['PaymentCaptured', 'PaymentRefunded']);
    expect(shop.world.rejections.map((r) => r.command.type)).toEqual(['CapturePayment']); // order already cancelled
    expectSettled(shop);
  });

  it('customer cancel in InventoryReserved, refund first: the payment is voided and never charged', () => {
    const shop = createShop(PRODUCTS);
    cancelWhen(shop, 'InventoryReserved', { pick: preferring((c) => c.command.type === 'RefundPayment') });

    expect(types(shop.world.eventsOf('payments', 'o-1'))).toEqual(['PaymentVoided']);
    expect(shop.externals.charges.size).toBe(0);
    expectSettled(shop);
  });

  it('customer cancel in PaymentCaptured: refunded and released; the label bought meanwhile is voided', () => {
    const shop = createShop(PRODUCTS);
    cancelWhen(shop, 'PaymentCaptured');

    expect(cancellation(shop, 'o-1')).toEqual({ reasonCode: 'CUSTOMER_REQUEST', from: 'PaymentCaptured' });
    expect(types(shop.world.eventsOf('payments', 'o-1'))).toEqual(['PaymentCaptured', 'PaymentRefunded']);
    expect(shop.product(A)).toMatchObject({ onHand: 5, reserved: 0, shipped: 0 });
    // The carrier created a shipment before hearing of the cancel; the order refused to ship it
    // and the label was voided before the parcel was delivered.
    expect(types(shop.world.eventsOf('shipments', 'o-1'))).toEqual(['ShipmentCreated', 'ShipmentVoided']);
    expect([...shop.externals.voids.values()]).toEqual(['o-1']);
    expect(shop.world.rejections.map((r) => r.command.type)).toEqual(['ShipOrder']);
    expectSettled(shop);
  });

  it('customer cancel in PaymentCaptured, void first: the shipment is closed and no label is bought', () => {
    const shop = createShop(PRODUCTS);
    cancelWhen(shop, 'PaymentCaptured', { pick: preferring((c) => c.command.type === 'VoidShipment') });

    expect(types(shop.world.eventsOf('shipments', 'o-1'))).toEqual(['ShipmentVoided']);
    expect(shop.externals.labels.size).toBe(0);
    expectSettled(shop);
  });

  it('a refund and a void that fail are retried under the same keys until they succeed: money and label move once', () => {
    let refundCalls = 0;
    let voidCalls = 0;
    const shop = createShop(PRODUCTS, {
      policy: {
        refund: () => (++refundCalls <= 3 ? 'failed' : 'refunded'),
        void: () => (++voidCalls <= 2 ? 'failed' : 'voided'),
      },
    });
    // The carrier's webhooks come last: its parcel does not move while the void is retried.
    cancelWhen(shop, 'PaymentCaptured', {
      pick: preferring((c) => c.command.type !== 'RecordTrackingUpdate'),
    });

    expect(types(shop.world.eventsOf('payments', 'o-1'))).toEqual([
      'PaymentCaptured',
      'PaymentRefundFailed',
      'PaymentRefundFailed',
      'PaymentRefundFailed',
      'PaymentRefunded',
    ]);
    expect(types(shop.world.eventsOf('shipments', 'o-1')).slice(-3)).toEqual([
      'ShipmentVoidFailed',
      'ShipmentVoidFailed',
      'ShipmentVoided',
    ]);
    expect([...shop.externals.refunds.keys()]).toEqual(['payment:o-1:refund']);
    expect([...shop.externals.voids.keys()]).toEqual(['shipment:o-1:void']);
    expectSettled(shop);
  });

  it('a refund still failing after the last attempt is parked, and an operator re-drive settles it', () => {
    let gatewayUp = false;
    const shop = createShop(PRODUCTS, {
      policy: { refund: () => (gatewayUp ? 'refunded' : 'failed') },
      compensations: { delaysMs: [1_000], maxAttempts: 4 },
    });
    cancelWhen(shop, 'PaymentCaptured');

    expect(shop.payment('o-1')).toMatchObject({ status: 'Captured', refundFailures: 4 });
    expect(shop.world.parked.map((c) => [c.command.type, c.command.meta.commandId])).toEqual([
      ['RefundPayment', 'compensation:refund:o-1:parked-after-4'],
    ]);
    gatewayUp = true;
    const [parked] = shop.world.parked.splice(0);
    shop.world.send(parked as CommandToSend);
    shop.world.send(parked as CommandToSend); // re-driven twice: the second is a duplicate
    shop.world.run();

    expect(shop.payment('o-1').status).toBe('Refunded');
    expect([...shop.externals.refunds.keys()]).toEqual(['payment:o-1:refund']);
    expectSettled(shop);
  });
});
