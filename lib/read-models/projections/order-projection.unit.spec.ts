import { ORDER_EVENT_TYPES, type OrderEvent } from '../../../domain/order/events';
import type { OrderView } from '../views';
import { evolveOrderView } from './order-projection';

const at = (n: number): string => `2025-01-01T00:00:${String(n).padStart(2, '0')}.000Z`;
const fold = (events: OrderEvent[], from?: OrderView): OrderView | undefined =>
  events.reduce<OrderView | undefined>(
    (doc, event, i) =>
      evolveOrderView(doc, event, {
        aggregateId: 'o-1',
        version: (from?.version ?? 0) + i + 1,
        occurredAt: at(i),
      }),
    from,
  );
const lines = [
  { sku: 'A', quantity: 2, unitPrice: 500 },
  { sku: 'B', quantity: 1, unitPrice: 1_000 },
];
const facts = { customerId: 'c-1', currency: 'EUR', items: lines };
const created: OrderEvent = {
  type: 'OrderCreated',
  data: {
    customerId: 'c-1',
    currency: 'EUR',
    items: [{ sku: 'A', quantity: 2, unitPrice: 500 }],
    salesChannel: 'web',
    occurredAt: at(0),
  },
};
const happy: OrderEvent[] = [
  created,
  { type: 'OrderItemAdded', data: { sku: 'B', quantity: 1, unitPrice: 1_000, occurredAt: at(1) } },
  { type: 'OrderItemAdded', data: { sku: 'C', quantity: 1, unitPrice: 1, occurredAt: at(2) } },
  { type: 'OrderItemRemoved', data: { sku: 'C', occurredAt: at(3) } },
  { type: 'OrderPlaced', data: { totalAmount: 2_000, ...facts, occurredAt: at(4) } },
  { type: 'OrderItemReserved', data: { sku: 'A', quantity: 2, occurredAt: at(5) } },
  { type: 'OrderItemReserved', data: { sku: 'B', quantity: 1, occurredAt: at(6) } },
  {
    type: 'OrderInventoryReserved',
    data: {
      reservations: [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 1 },
      ],
      totalAmount: 2_000,
      currency: 'EUR',
      customerId: 'c-1',
      occurredAt: at(7),
    },
  },
  { type: 'OrderPaid', data: { paymentId: 'p-1', amount: 2_000, ...facts, occurredAt: at(8) } },
  {
    type: 'OrderShipped',
    data: {
      shipmentId: 's-1',
      carrier: 'DHL',
      trackingNumber: 'T1',
      customerId: 'c-1',
      items: lines,
      occurredAt: at(9),
    },
  },
  { type: 'OrderCompleted', data: { customerId: 'c-1', occurredAt: at(10) } },
];

describe('evolveOrderView', () => {
  it('follows an order from creation to completion, with a timeline entry per event', () => {
    const doc = fold(happy);
    expect(doc).toEqual({
      _id: 'o-1',
      orderId: 'o-1',
      customerId: 'c-1',
      status: 'Completed',
      items: lines,
      totalAmount: 2_000,
      currency: 'EUR',
      version: 11,
      createdAt: at(0),
      updatedAt: at(10),
      timeline: happy.map((e, i) => ({ type: e.type, version: i + 1, at: at(i) })),
      reservedSkus: ['A', 'B'],
      payment: { paymentId: 'p-1', amount: 2_000 },
      shipment: { shipmentId: 's-1', carrier: 'DHL', trackingNumber: 'T1' },
    });
  });

  it('covers every order event type', () => {
    const cancelled: OrderEvent = {
      type: 'OrderCancelled',
      data: {
        reason: 'no stock',
        reasonCode: 'OUT_OF_STOCK',
        cancelledFromStatus: 'Placed',
        customerId: 'c-1',
        items: lines,
        occurredAt: at(5),
      },
    };
    expect(new Set([...happy, cancelled].map((e) => e.type))).toEqual(new Set(ORDER_EVENT_TYPES));
  });

  it('records the cancellation reason and code', () => {
    const doc = fold([
      created,
      { type: 'OrderPlaced', data: { totalAmount: 1_000, ...facts, occurredAt: at(1) } },
      {
        type: 'OrderCancelled',
        data: {
          reason: 'no stock',
          reasonCode: 'OUT_OF_STOCK',
          cancelledFromStatus: 'Placed',
          customerId: 'c-1',
          items: lines,
          occurredAt: at(2),
        },
      },
    ]);
    expect(doc).toMatchObject({
      status: 'Cancelled',
      cancellationReason: 'no stock',
      cancellationCode: 'OUT_OF_STOCK',
      version: 3,
    });
    expect(doc?.timeline.map((t) => t.type)).toEqual(['OrderCreated', 'OrderPlaced', 'OrderCancelled']);
  });

  it('returns the same document for a redelivered or older event', () => {
    const doc = fold(happy.slice(0, 5)) as OrderView;
    for (let version = 1; version <= 5; version++) {
      expect(
        evolveOrderView(doc, happy[version - 1] as OrderEvent, {
          aggregateId: 'o-1',
          version,
          occurredAt: at(0),
        }),
      ).toBe(doc);
    }
  });

  it('has no document for events of an order whose creation it never saw', () => {
    expect(
      evolveOrderView(undefined, happy[4] as OrderEvent, {
        aggregateId: 'o-1',
        version: 5,
        occurredAt: at(0),
      }),
    ).toBeUndefined();
  });

  it('refuses an event type it does not know instead of dropping it silently', () => {
    const doc = fold([created]);
    expect(() =>
      evolveOrderView(doc, { type: 'OrderTeleported', data: { occurredAt: at(1) } } as never, {
        aggregateId: 'o-1',
        version: 2,
        occurredAt: at(1),
      }),
    ).toThrow(/OrderTeleported/);
  });
});
