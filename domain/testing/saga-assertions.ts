import { InvalidStateError } from '../../lib/errors';
import type { CancellationReasonCode } from '../order/events';
import type { SagaWorld } from './saga-world';
import { receivedOf, type Shop } from './saga-shop';

/*
 * The properties every saga run must end with (DESIGN G6): every order ended, no stock or
 * money lost or invented, and only the expected commands refused.
 */

export const types = (events: readonly { type: string }[]): string[] => events.map((e) => e.type);
export const net = (world: SagaWorld): number =>
  world.log.reduce((sum, { event }) => {
    if (event.type === 'PaymentCaptured') return sum + event.data.amount;
    return event.type === 'PaymentRefunded' ? sum - event.data.amount : sum;
  }, 0);
export const ledgerNet = (shop: Shop): number =>
  [...shop.externals.charges.values()].reduce((s, c) => s + c.amount, 0) -
  [...shop.externals.refunds.values()].reduce((s, r) => s + r.amount, 0);

/** G6 at rest: every order ended, stock and money add up, only the expected commands were refused. */
export const expectSettled = (shop: Shop): void => {
  const { world } = shop;
  expect(world.agenda).toHaveLength(0);
  const orders = shop.orderIds().map((id) => ({ id, order: shop.order(id) }));
  for (const { id, order } of orders) {
    expect([id, order.status]).toEqual([id, expect.stringMatching(/^(Completed|Cancelled)$/)]);
  }
  const completed = orders.filter(({ order }) => order.status === 'Completed');
  for (const sku of shop.skus()) {
    const product = shop.product(sku);
    const shippedForOrders = completed
      .flatMap(({ order }) => order.items)
      .filter((line) => line.sku === sku)
      .reduce((sum, line) => sum + line.quantity, 0);
    expect({ sku, reserved: product.reserved, open: product.reservations }).toEqual({
      sku,
      reserved: 0,
      open: {},
    });
    expect(product.onHand + product.shipped).toBe(receivedOf(world, sku));
    expect(product.shipped).toBe(shippedForOrders);
  }
  const completedTotal = completed.reduce((sum, { order }) => sum + order.totalAmount, 0);
  expect(net(world)).toBe(completedTotal);
  expect(ledgerNet(shop)).toBe(completedTotal);
  for (const { id, order } of orders) {
    const payment = shop.payment(id);
    if (order.status === 'Completed')
      expect(payment).toMatchObject({ status: 'Captured', amount: order.totalAmount });
    else expect(payment.status).not.toBe('Captured');
  }
  // No label left behind: a cancelled order's shipment was voided (or never bought, or failed),
  // and the carrier voided every label it issued for one, unless the parcel was delivered first.
  for (const { id, order } of orders) {
    if (order.status !== 'Cancelled') continue;
    const shipment = world.stateOf('shipments', id) as { status: string };
    expect([id, shipment.status]).toEqual([id, expect.stringMatching(/^(None|Failed|Voided|Delivered)$/)]);
    const labelled = [...shop.externals.labels.values()].includes(id);
    if (labelled && shipment.status !== 'Delivered') {
      expect([id, [...shop.externals.voids.values()].includes(id)]).toEqual([id, true]);
    }
  }
  expect(world.parked).toEqual([]);
  // Only the order refuses late saga commands (a capture or shipment reported after a cancel, …).
  for (const rejection of world.rejections) {
    expect([rejection.aggregate, rejection.error]).toEqual(['orders', expect.any(InvalidStateError)]);
  }
};

/** Checked after every inventory event: reserved units never exceed those on hand. */
export const neverOversold = (shop: Shop): void =>
  shop.world.onEvent(({ aggregate, aggregateId }) => {
    if (aggregate !== 'inventory') return;
    const product = shop.product(aggregateId);
    if (product.status !== 'Registered') return;
    if (product.reserved > product.onHand || product.onHand < 0) {
      throw new Error(`${aggregateId} oversold: ${product.reserved} reserved of ${product.onHand}`);
    }
  });

export const cancellation = (
  shop: Shop,
  orderId: string,
): { reasonCode: CancellationReasonCode; from: string } => {
  const order = shop.order(orderId);
  return {
    reasonCode: order.cancellation?.reasonCode ?? 'OTHER',
    from: order.cancellation?.cancelledFromStatus ?? '',
  };
};
