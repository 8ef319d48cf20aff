import { randomUUID } from 'node:crypto';
import type { Product } from '../../domain/inventory/state';
import { sagaHarness, type SagaHarness } from '../support/saga-harness';

jest.setTimeout(120_000);

describe('the deadline watcher', () => {
  let h: SagaHarness;
  beforeAll(async () => {
    h = await sagaHarness({ deadlineMs: 4_000 });
  });
  afterAll(() => h?.close());

  it('cancels an order stuck before shipping with DEADLINE_EXCEEDED and compensates it', async () => {
    const sku = `SLOW-${randomUUID().slice(0, 8)}`;
    await h.inventory({
      type: 'RegisterProduct',
      sku,
      name: sku,
      price: 900,
      category: 'test',
      initialStock: 3,
      lowStockThreshold: 0,
    });
    // The carrier answers slower than the client waits: the shipment step hangs on retries.
    await h.knobs('carrier', { latencyMs: 4_000 });
    const orderId = randomUUID();
    await h.order({
      type: 'CreateOrder',
      orderId,
      customerId: 'slow',
      currency: 'EUR',
      items: [{ sku, quantity: 1, unitPrice: 900 }],
    });
    await h.order({ type: 'PlaceOrder', orderId });

    const journey = await h.waitForStatus(orderId, ['Completed', 'Cancelled'], 60_000);
    expect(journey.status).toBe('Cancelled');
    // Usually the payment is captured before the deadline passes; on a slow machine the deadline
    // may come first. Either way the order is cancelled for it and every step is compensated.
    const cancelled = journey.events.at(-1)?.data as { reasonCode?: string; cancelledFromStatus?: string };
    expect(cancelled.reasonCode).toBe('DEADLINE_EXCEEDED');
    expect(['InventoryReserved', 'PaymentCaptured']).toContain(cancelled.cancelledFromStatus);
    // The watcher's cancel continues the order's story: same correlation as the place command.
    const placed = journey.events.find((e) => e.type === 'OrderPlaced');
    expect(placed?.correlationId).toBeTruthy();
    expect(journey.events.at(-1)?.correlationId).toBe(placed?.correlationId);
    const charged = cancelled.cancelledFromStatus === 'PaymentCaptured' ? 900 : undefined;

    // Compensated: the money is back and the unit is on the shelf again.
    const deadline = Date.now() + 30_000;
    let ledger = await h.ledger();
    while (Date.now() < deadline && ledger.totals.net !== 0) {
      await new Promise((r) => setTimeout(r, 200));
      ledger = await h.ledger();
    }
    expect(ledger.totals.net).toBe(0);
    expect(ledger.totals.refunded).toBe(ledger.totals.captured);
    if (charged !== undefined) expect(ledger.totals.captured).toBe(charged);
    while (Date.now() < deadline && (h.stock(sku) as Product | undefined)?.reserved !== 0) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(h.stock(sku)).toMatchObject({ onHand: 3, reserved: 0, shipped: 0 });
    await h.knobs('carrier', {});
  });
});
