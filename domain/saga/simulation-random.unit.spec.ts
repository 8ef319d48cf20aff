import { seededRandom } from '../testing/random';
import { expectSettled, neverOversold } from '../testing/saga-assertions';
import { createShop, type StockedProduct } from '../testing/saga-shop';
import { randomHeads } from '../testing/saga-world';

/*
 * Random orders, declines, carrier failures, customer cancels, redeliveries and saga lag, in
 * every interleaving Kafka's per-partition order allows (randomHeads). The end state must
 * still satisfy G6: every order ended, nothing oversold, stock and money conserved.
 */

describe('saga simulation: 200 random orders over 5 scarce SKUs', () => {
  it.each([1, 7, 42])(
    'every order ends, nothing is oversold, stock and money are conserved (seed %i)',
    (seed) => {
      const random = seededRandom(seed);
      const products: StockedProduct[] = ['P1', 'P2', 'P3', 'P4', 'P5'].map((sku) => ({
        sku,
        price: random.int(100, 5000),
        stock: random.int(60, 120),
        lowStockThreshold: 5,
      }));
      const outcomes = new Map<
        string,
        { capture: 'captured' | 'declined' | 'failed'; shipment: 'created' | 'failed' }
      >();
      const shop = createShop(products, {
        sagaLag: true,
        policy: {
          capture: (orderId) => outcomes.get(orderId)?.capture ?? 'captured',
          shipment: (orderId) => outcomes.get(orderId)?.shipment ?? 'created',
          send: () => (random.chance(0.1) ? 'failed' : 'sent'),
        },
      });
      neverOversold(shop);
      const { world } = shop;

      // Customers cancel some orders at a random moment after placing them.
      const cancels = new Set<string>();
      world.onEvent(({ aggregate, aggregateId, event }) => {
        if (aggregate === 'orders' && event.type === 'OrderPlaced' && cancels.has(aggregateId))
          shop.cancel(aggregateId);
      });
      // Redeliveries the command processors' dedupe window missed: saga commands re-sent under a new id.
      world.onCommand((item) => {
        const { meta } = item.command;
        if (meta.causationId !== undefined && !meta.commandId.endsWith('#again') && random.chance(0.1)) {
          world.send({
            ...item,
            command: { ...item.command, meta: { ...meta, commandId: `${meta.commandId}#again` } },
          } as typeof item);
        }
      });

      for (let n = 1; n <= 200; n++) {
        const orderId = `order-${n}`;
        const skus = [...products].sort(() => random.next() - 0.5).slice(0, random.int(1, 3));
        const lines = skus.map(({ sku, price }) => ({ sku, quantity: random.int(1, 4), unitPrice: price }));
        outcomes.set(orderId, {
          capture: random.chance(0.12) ? 'declined' : random.chance(0.05) ? 'failed' : 'captured',
          shipment: random.chance(0.08) ? 'failed' : 'created',
        });
        if (random.chance(0.15)) cancels.add(orderId);
        shop.placeOrder(orderId, `customer-${random.int(1, 50)}`, lines);
      }
      for (let i = 0; i < 3; i++) shop.replenish(random.pick(products).sku, random.int(5, 10));

      world.run({ pick: randomHeads(random) });

      expect(shop.orderIds()).toHaveLength(200);
      expectSettled(shop);
      const byOutcome = new Map<string, number>();
      for (const id of shop.orderIds()) {
        const order = shop.order(id);
        const key = order.status === 'Completed' ? 'Completed' : (order.cancellation?.reasonCode as string);
        byOutcome.set(key, (byOutcome.get(key) ?? 0) + 1);
      }
      const cancelledFrom = new Set(
        shop.orderIds().map((id) => shop.order(id).cancellation?.cancelledFromStatus),
      );
      expect(cancelledFrom).toEqual(new Set([undefined, 'Placed', 'InventoryReserved', 'PaymentCaptured']));
      // The mix really exercised every path (scarce stock, declines, carrier failures, customers).
      for (const outcome of [
        'Completed',
        'OUT_OF_STOCK',
        'PAYMENT_FAILED',
        'SHIPMENT_FAILED',
        'CUSTOMER_REQUEST',
      ]) {
        expect([outcome, (byOutcome.get(outcome) ?? 0) > 0]).toEqual([outcome, true]);
      }
    },
  );
});
