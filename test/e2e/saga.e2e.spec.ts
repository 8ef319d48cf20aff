import { randomUUID } from 'node:crypto';
import { sagaHarness, type SagaHarness } from '../support/saga-harness';
import { until } from '../support/eventually';

jest.setTimeout(180_000);

const sku = (): string => `SKU-${randomUUID().slice(0, 8)}`;

describe('the order saga on the real stack, simulators as processes', () => {
  let h: SagaHarness;
  beforeAll(async () => {
    h = await sagaHarness();
  });
  afterAll(() => h?.close());

  const stock = async (quantity: number, price = 1_000): Promise<string> => {
    const id = sku();
    await h.inventory({
      type: 'RegisterProduct',
      sku: id,
      name: `product ${id}`,
      price,
      category: 'test',
      initialStock: quantity,
      lowStockThreshold: 0,
    });
    return id;
  };

  const placeOrder = async (
    lines: { sku: string; quantity: number; unitPrice?: number }[],
  ): Promise<string> => {
    const orderId = randomUUID();
    await h.order({
      type: 'CreateOrder',
      orderId,
      customerId: `customer-${orderId.slice(0, 4)}`,
      currency: 'EUR',
      items: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice ?? 1_000 })),
    });
    await h.order({ type: 'PlaceOrder', orderId });
    return orderId;
  };

  it('takes a multi-item order from Placed to Completed', async () => {
    const a = await stock(5);
    const b = await stock(5);
    const orderId = await placeOrder([
      { sku: a, quantity: 2 },
      { sku: b, quantity: 1 },
    ]);
    const journey = await h.waitForStatus(orderId, ['Completed', 'Cancelled']);
    expect(journey.events.map((e) => e.type)).toEqual([
      'OrderCreated',
      'OrderPlaced',
      expect.stringMatching(/OrderItemReserved/),
      expect.stringMatching(/OrderItemReserved/),
      'OrderInventoryReserved',
      'OrderPaid',
      'OrderShipped',
      'OrderCompleted',
    ]);
  });

  it('cancels with OUT_OF_STOCK and releases what was reserved when one SKU is short', async () => {
    const plenty = await stock(10);
    const scarce = await stock(1);
    const orderId = await placeOrder([
      { sku: plenty, quantity: 3 },
      { sku: scarce, quantity: 2 },
    ]);
    const journey = await h.waitForStatus(orderId, ['Completed', 'Cancelled']);
    expect(journey.status).toBe('Cancelled');
    expect(journey.events.at(-1)?.data).toMatchObject({ reasonCode: 'OUT_OF_STOCK' });
    // The released units are sold to the next order.
    const next = await placeOrder([{ sku: plenty, quantity: 10 }]);
    expect((await h.waitForStatus(next, ['Completed', 'Cancelled'])).status).toBe('Completed');
  });

  const noFailures = async (): Promise<void> => {
    await h.knobs('gateway', {});
    await h.knobs('carrier', {});
  };
  afterEach(noFailures);

  const ledgerOf = async (orderId: string) =>
    (await fetch(`${h.simulators.gateway.url}/admin/ledger?orderId=${orderId}`).then((r) => r.json())) as {
      orders: { captured: number; refunded: number }[];
    };

  it('releases stock and cancels with PAYMENT_FAILED when the payment is declined', async () => {
    const id = await stock(3);
    await h.knobs('gateway', { declineRate: 1 });
    const orderId = await placeOrder([{ sku: id, quantity: 2 }]);
    const journey = await h.waitForStatus(orderId, ['Completed', 'Cancelled']);
    expect(journey.status).toBe('Cancelled');
    expect(journey.events.at(-1)?.data).toMatchObject({
      reasonCode: 'PAYMENT_FAILED',
      cancelledFromStatus: 'InventoryReserved',
    });
    await until(
      'the product registered with nothing reserved',
      () => h.stock(id)?.status === 'Registered' && (h.stock(id) as { reserved: number }).reserved === 0,
    );
    expect(h.stock(id)).toMatchObject({ onHand: 3, reserved: 0, shipped: 0 });
    expect((await ledgerOf(orderId)).orders).toEqual([]);
  });

  it('refunds, releases and cancels with SHIPMENT_FAILED when the carrier refuses the shipment', async () => {
    const id = await stock(3);
    await h.knobs('carrier', { rejectRate: 1 });
    const orderId = await placeOrder([{ sku: id, quantity: 1, unitPrice: 2_500 }]);
    const journey = await h.waitForStatus(orderId, ['Completed', 'Cancelled']);
    expect(journey.status).toBe('Cancelled');
    expect(journey.events.at(-1)?.data).toMatchObject({
      reasonCode: 'SHIPMENT_FAILED',
      cancelledFromStatus: 'PaymentCaptured',
    });
    await until('the capture refunded', async () => (await ledgerOf(orderId)).orders[0]?.refunded === 2_500);
    expect((await ledgerOf(orderId)).orders[0]).toMatchObject({ captured: 2_500, refunded: 2_500 });
    await until(
      'the reservation released',
      () => (h.stock(id) as { reserved?: number } | undefined)?.reserved === 0,
    );
    expect(h.stock(id)).toMatchObject({ onHand: 3, reserved: 0, shipped: 0 });
  });

  it('compensates a customer cancel in Placed, in InventoryReserved and in PaymentCaptured', async () => {
    // Placed: the cancel is queued right behind the place, before any reservation answers.
    const a = await stock(2);
    const placed = randomUUID();
    await h.order({
      type: 'CreateOrder',
      orderId: placed,
      customerId: 'c',
      currency: 'EUR',
      items: [{ sku: a, quantity: 1, unitPrice: 1_000 }],
    });
    await h.order({ type: 'PlaceOrder', orderId: placed });
    await h.order({
      type: 'CancelOrder',
      orderId: placed,
      reason: 'changed my mind',
      reasonCode: 'CUSTOMER_REQUEST',
    });
    const first = await h.waitForStatus(placed, ['Completed', 'Cancelled']);
    expect(first.events.at(-1)?.data).toMatchObject({ cancelledFromStatus: 'Placed' });

    // InventoryReserved: a slow gateway keeps the capture in flight while the customer cancels.
    const b = await stock(2);
    await h.knobs('gateway', { latencyMs: 1_500 });
    const reserved = await placeOrder([{ sku: b, quantity: 1, unitPrice: 1_500 }]);
    await h.waitForStatus(reserved, ['InventoryReserved']);
    await h.order({
      type: 'CancelOrder',
      orderId: reserved,
      reason: 'too slow',
      reasonCode: 'CUSTOMER_REQUEST',
    });
    const second = await h.waitForStatus(reserved, ['Completed', 'Cancelled']);
    expect(second.events.at(-1)?.data).toMatchObject({ cancelledFromStatus: 'InventoryReserved' });
    await noFailures();

    // PaymentCaptured: a slow carrier keeps the shipment in flight while the customer cancels.
    const c = await stock(2);
    await h.knobs('carrier', { latencyMs: 1_500 });
    const paid = await placeOrder([{ sku: c, quantity: 1, unitPrice: 700 }]);
    await h.waitForStatus(paid, ['PaymentCaptured']);
    await h.order({
      type: 'CancelOrder',
      orderId: paid,
      reason: 'found it cheaper',
      reasonCode: 'CUSTOMER_REQUEST',
    });
    const third = await h.waitForStatus(paid, ['Completed', 'Cancelled']);
    expect(third.status).toBe('Cancelled');
    expect(third.events.at(-1)?.data).toMatchObject({ cancelledFromStatus: 'PaymentCaptured' });
    await until('the capture refunded', async () => (await ledgerOf(paid)).orders[0]?.refunded === 700);

    // No stock and no money is kept by any of the three.
    for (const sku of [a, b, c]) {
      await until(
        'the reservation released',
        () => (h.stock(sku) as { reserved?: number } | undefined)?.reserved === 0,
      );
      expect(h.stock(sku)).toMatchObject({ onHand: 2, reserved: 0, shipped: 0 });
    }
    for (const orderId of [placed, reserved, paid]) {
      const [entry] = (await ledgerOf(orderId)).orders;
      expect((entry?.captured ?? 0) - (entry?.refunded ?? 0)).toBe(0);
    }
  });
});
