import { readInventoryState } from './inventory/read-state';
import { readNotificationState } from './notification/read-state';
import { readOrderState } from './order/read-state';
import { readPaymentState } from './payment/read-state';
import { readPreferencesState } from './preferences/read-state';
import type { SagaAggregate } from './saga/types';
import { readShipmentState } from './shipment/read-state';
import { StateShapeError, type StateReader } from './state-reader';
import { seededRandom } from './testing/random';
import { createShop, type StockedProduct } from './testing/saga-shop';
import { randomHeads } from './testing/saga-world';

const READERS: Record<SagaAggregate, StateReader<unknown>> = {
  orders: readOrderState,
  inventory: readInventoryState,
  payments: readPaymentState,
  shipments: readShipmentState,
  notifications: readNotificationState,
};

const throughJson = (state: unknown): unknown => JSON.parse(JSON.stringify(state));

/** Every state a run of the saga reached, so the readers meet the states the deciders really build. */
const simulatedStates = (): { aggregate: SagaAggregate; id: string; state: unknown }[] => {
  const random = seededRandom(11);
  const products: StockedProduct[] = ['P1', 'P2', 'P3'].map((sku) => ({
    sku,
    price: random.int(100, 5000),
    stock: random.int(10, 30),
    lowStockThreshold: 5,
  }));
  const shop = createShop(products, {
    sagaLag: true,
    policy: {
      capture: () => (random.chance(0.2) ? 'declined' : random.chance(0.1) ? 'failed' : 'captured'),
      shipment: () => (random.chance(0.15) ? 'failed' : 'created'),
      send: () => (random.chance(0.2) ? 'failed' : 'sent'),
    },
  });
  for (let n = 1; n <= 40; n++) {
    const lines = [random.pick(products)].map(({ sku, price }) => ({
      sku,
      quantity: random.int(1, 4),
      unitPrice: price,
    }));
    shop.placeOrder(`order-${n}`, `customer-${random.int(1, 5)}`, lines);
    if (random.chance(0.2)) shop.cancel(`order-${n}`);
  }
  shop.changeProduct('P1', { type: 'RenameProduct', name: 'Renamed' });
  shop.changeProduct('P2', { type: 'RetireProduct', reason: 'discontinued' });
  shop.world.run({ pick: randomHeads(random) });
  return (Object.keys(READERS) as SagaAggregate[]).flatMap((aggregate) =>
    shop.world
      .streamIds(aggregate)
      .map((id) => ({ aggregate, id, state: shop.world.stateOf(aggregate, id) })),
  );
};

describe('reading an aggregate state back from a snapshot', () => {
  const states = simulatedStates();

  it('gives back every state a saga run reached, as it was', () => {
    const statuses = new Set(
      states.map(({ aggregate, state }) => `${aggregate}:${(state as { status: string }).status}`),
    );
    // The run reaches the variants with optional parts (cancellations, refunds, failed sends, retirements).
    expect([...statuses]).toEqual(
      expect.arrayContaining([
        'orders:Completed',
        'orders:Cancelled',
        'payments:Captured',
        'payments:Declined',
        'shipments:Delivered',
        'notifications:Sent',
        'notifications:Failed',
        'inventory:Registered',
      ]),
    );
    for (const { aggregate, id, state } of states) {
      expect({ id, state: READERS[aggregate](throughJson(state), 'state') }).toEqual({ id, state });
    }
  });

  it('gives back the initial states and a customer’s chosen preferences', () => {
    expect(readOrderState({ status: 'None' }, 'state')).toEqual({ status: 'None' });
    expect(readInventoryState({ status: 'Unregistered', closed: { o1: 'released' } }, 'state')).toEqual({
      status: 'Unregistered',
      closed: { o1: 'released' },
    });
    const chosen = {
      status: 'Chosen',
      channels: ['sms', 'push'],
      quietHours: { start: '22:00', end: '07:00', timeZone: 'Europe/Zurich' },
      locale: 'de-CH',
    };
    expect(readPreferencesState(chosen, 'state')).toEqual(chosen);
    expect(readPreferencesState({ status: 'Default' }, 'state')).toEqual({ status: 'Default' });
  });

  it('leaves an absent optional field absent', () => {
    const order = states.find(
      (s) => s.aggregate === 'orders' && (s.state as { status: string }).status === 'Completed',
    );
    const read = readOrderState(throughJson(order?.state), 'state');
    expect(Object.keys(read)).not.toContain('cancellation');
  });

  it.each<[string, StateReader<unknown>, unknown, string]>([
    [
      'a status the aggregate does not have',
      readOrderState,
      { status: 'Lost' },
      'state.status must be one of',
    ],
    ['no object at all', readPaymentState, 'Captured', 'state must be an object'],
    [
      'a field of the wrong type',
      readPaymentState,
      { status: 'Captured', amount: '12.50', currency: 'EUR', gatewayRef: 'g-1', refundFailures: 0 },
      'state.amount must be an integer',
    ],
    ['a missing field', readShipmentState, { status: 'Failed' }, 'state.reason must be a string'],
    [
      'a malformed element of a list',
      readOrderState,
      {
        status: 'Draft',
        customerId: 'c-1',
        currency: 'EUR',
        salesChannel: 'web',
        items: [{ sku: 'P1', quantity: 1.5, unitPrice: 100 }],
        totalAmount: 150,
        createdAt: 'then',
        updatedAt: 'then',
      },
      'state.items[0].quantity must be an integer',
    ],
    [
      'a malformed optional part',
      readNotificationState,
      { status: 'Sent', providerRef: 'p-1', attempts: 1, delivery: { status: 'lost', at: 'now' } },
      'state.delivery.status must be one of delivered, bounced, failed',
    ],
    [
      'a malformed map value',
      readInventoryState,
      { status: 'Unregistered', closed: { o1: 'forgotten' } },
      'state.closed.o1 must be one of',
    ],
  ])('refuses %s, naming the field', (_, read, json, message) => {
    const refused = () => read(json, 'state');
    expect(refused).toThrow(StateShapeError);
    expect(refused).toThrow(message);
  });
});
