import { randomUUID } from 'node:crypto';
import { sagaHarness, type SagaHarness } from '../support/saga-harness';

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
});
