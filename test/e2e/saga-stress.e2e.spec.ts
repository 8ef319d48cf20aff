import { randomUUID } from 'node:crypto';
import type { InventoryEvent } from '../../domain/inventory/events';
import { until } from '../support/eventually';
import { sagaHarness, type SagaHarness } from '../support/saga-harness';

jest.setTimeout(420_000);

const ORDERS = Number(process.env.STRESS_ORDERS ?? 500);
const SKUS = 5;
const STOCK_PER_SKU = 60;

/**
 * DESIGN G6 under load: many orders compete for scarce stock while the gateway declines 20 %
 * of payments and fails some calls outright. Every order must end, and neither stock nor money
 * may be created or lost.
 */
/**
 * Stock counted from a SKU's events in the order they were appended, independently of the
 * inventory decider's own evolve: units received, reserved (open reservations), shipped, and every
 * event after which more was promised (reserved + shipped) than was ever received.
 */
const stockLedger = (events: readonly InventoryEvent[]) => {
  let received = 0;
  let shipped = 0;
  const open = new Map<string, number>();
  const oversold: string[] = [];
  for (const event of events) {
    if (event.type === 'ProductRegistered') received += event.data.initialStock;
    else if (event.type === 'StockReplenished') received += event.data.quantity;
    else if (event.type === 'StockReserved')
      open.set(event.data.orderId, (open.get(event.data.orderId) ?? 0) + event.data.quantity);
    else if (event.type === 'StockReleased' || event.type === 'StockCommitted') {
      open.set(event.data.orderId, (open.get(event.data.orderId) ?? 0) - event.data.quantity);
      if (event.type === 'StockCommitted') shipped += event.data.quantity;
    }
    const reserved = [...open.values()].reduce((sum, q) => sum + q, 0);
    if (reserved + shipped > received) oversold.push(`${event.type} ${JSON.stringify(event.data)}`);
  }
  return { received, shipped, reserved: [...open.values()].reduce((sum, q) => sum + q, 0), oversold };
};

describe(`${ORDERS} concurrent orders, scarce stock, 20 % declines, gateway errors`, () => {
  let h: SagaHarness;
  beforeAll(async () => {
    h = await sagaHarness({ deadlineMs: 180_000 });
  });
  afterAll(() => h?.close());

  it('ends every order, oversells nothing and conserves stock and money', async () => {
    const skus = Array.from({ length: SKUS }, (_, i) => `STRESS-${i}-${randomUUID().slice(0, 6)}`);
    for (const sku of skus) {
      await h.inventory({
        type: 'RegisterProduct',
        sku,
        name: sku,
        price: 1_000,
        category: 'stress',
        initialStock: STOCK_PER_SKU,
        lowStockThreshold: 5,
      });
    }
    await h.knobs('gateway', { declineRate: 0.2, errorRate: 0.1 });

    const orders = Array.from({ length: ORDERS }, (_, i) => {
      const lines = i % 3 === 0 ? 2 : 1;
      const picked = Array.from({ length: lines }, (_, j) => skus[(i + j * 2) % SKUS] as string);
      return {
        orderId: randomUUID(),
        items: picked.map((sku, j) => ({ sku, quantity: 1 + ((i + j) % 2), unitPrice: 1_000 + 100 * j })),
      };
    });
    const started = Date.now();
    await Promise.all(
      orders.map(async ({ orderId, items }) => {
        await h.order({
          type: 'CreateOrder',
          orderId,
          customerId: `stress-${orderId.slice(0, 6)}`,
          currency: 'EUR',
          items,
        });
        await h.order({ type: 'PlaceOrder', orderId });
      }),
    );
    const outcomes = await Promise.all(
      orders.map(({ orderId }) => h.waitForStatus(orderId, ['Completed', 'Cancelled'], 360_000)),
    );
    const elapsedMs = Date.now() - started;

    const completed = orders.filter((_, i) => outcomes[i]?.status === 'Completed');
    const byReason: Record<string, number> = {};
    for (const o of outcomes) {
      const code =
        o.status === 'Completed'
          ? 'Completed'
          : String((o.events.at(-1)?.data as { reasonCode?: string }).reasonCode);
      byReason[code] = (byReason[code] ?? 0) + 1;
    }
    process.stdout.write(
      `stress: ${ORDERS} orders terminal in ${(elapsedMs / 1000).toFixed(1)} s (${((ORDERS / elapsedMs) * 60_000).toFixed(0)} orders/min); outcomes ${JSON.stringify(byReason)}\n`,
    );
    expect(outcomes).toHaveLength(ORDERS);
    expect(completed.length).toBeGreaterThan(0);

    // Stock: wait for the last releases/commits to land, then check every SKU.
    const shippedBySku = new Map<string, number>();
    for (const { items } of completed)
      for (const l of items) shippedBySku.set(l.sku, (shippedBySku.get(l.sku) ?? 0) + l.quantity);
    await until(
      'every reservation released or committed',
      () => skus.every((sku) => stockLedger(h.stockEvents(sku)).reserved === 0),
      60_000,
      () => JSON.stringify(skus.map((sku) => stockLedger(h.stockEvents(sku)))),
    );
    for (const sku of skus) {
      // Counted from the events themselves, not through the production fold under test.
      const ledger = stockLedger(h.stockEvents(sku));
      expect(ledger.oversold).toEqual([]);
      expect(ledger.reserved).toBe(0);
      expect(ledger.shipped).toBe(shippedBySku.get(sku) ?? 0); // exactly the completed orders' units left
      // The production fold agrees with the count.
      expect(h.stock(sku)).toMatchObject({
        received: ledger.received,
        reserved: 0,
        shipped: ledger.shipped,
        onHand: ledger.received - ledger.shipped,
      });
    }

    // Money: captured − refunded at the gateway = total of completed orders.
    const completedTotal = completed.reduce(
      (sum, { items }) => sum + items.reduce((s, l) => s + l.quantity * l.unitPrice, 0),
      0,
    );
    let net = Number.NaN;
    const moneySettled = Date.now() + 60_000;
    while (Date.now() < moneySettled) {
      net = (await h.ledger()).totals.net;
      if (net === completedTotal) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(net).toBe(completedTotal);
  });
});
