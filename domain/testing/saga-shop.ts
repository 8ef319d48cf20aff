import type { ProductRegistered } from '../inventory/events';
import type { Product } from '../inventory/state';
import type { OrderLine } from '../order/money';
import type { ExistingOrder, OrderState } from '../order/state';
import type { PaymentState } from '../payment/state';
import type { CompensationPolicy } from '../saga/compensation-retry';
import type { EventsOf, SagaAggregate } from '../saga/types';
import { createFakeExternals, type ExternalPolicy, type FakeExternals } from './fake-externals';
import { createSagaWorld, external, type SagaWorld } from './saga-world';

export type ProductChange =
  | { type: 'ChangeProductPrice'; price: number }
  | { type: 'RenameProduct'; name: string }
  | { type: 'RetireProduct'; reason: string };

export interface StockedProduct {
  sku: string;
  price: number;
  stock: number;
  lowStockThreshold?: number;
}

/**
 * A shop on top of the saga world: products registered, customers placing (and cancelling)
 * orders, and a carrier whose webhooks report every created parcel in transit, then delivered.
 */
export interface Shop {
  world: SagaWorld;
  externals: FakeExternals;
  /** Creates the order; the customer places it as soon as it exists. */
  placeOrder(orderId: string, customerId: string, lines: OrderLine[]): void;
  cancel(orderId: string, options?: { front?: boolean }): void;
  replenish(sku: string, quantity: number): void;
  /** An operator's change of the product: a new price, a new name, or retirement. */
  changeProduct(sku: string, change: ProductChange): void;
  order(orderId: string): ExistingOrder;
  product(sku: string): Product;
  payment(orderId: string): PaymentState;
  orderIds(): string[];
  skus(): string[];
}

export const createShop = (
  products: readonly StockedProduct[],
  options: {
    policy?: ExternalPolicy;
    transform?: (aggregate: SagaAggregate, event: EventsOf[SagaAggregate]) => EventsOf[SagaAggregate];
    sagaLag?: boolean;
    compensations?: CompensationPolicy;
  } = {},
): Shop => {
  const externals = createFakeExternals(options.policy);
  const world = createSagaWorld(externals, {
    transform: options.transform,
    sagaLag: options.sagaLag,
    ...(options.compensations ? { compensations: options.compensations } : {}),
  });
  let tick = 0;
  let ids = 0;
  const meta = (correlationId: string) => ({
    commandId: `client-${++ids}`,
    correlationId,
    issuedAt: new Date(Date.UTC(2025, 2, 1, 10) + 1000 * tick++).toISOString(),
  });

  for (const { sku, price, stock, lowStockThreshold = 0 } of products) {
    world.send(
      external('inventory', sku, {
        type: 'RegisterProduct',
        sku,
        name: `Product ${sku}`,
        price,
        category: 'test',
        initialStock: stock,
        lowStockThreshold,
        meta: meta(`seed-${sku}`),
      }),
    );
  }
  world.run(); // the catalogue exists before the first order

  const placeWhenCreated = new Set<string>();
  world.onEvent(({ aggregate, aggregateId, event, correlationId }) => {
    if (aggregate === 'orders' && event.type === 'OrderCreated' && placeWhenCreated.delete(aggregateId)) {
      world.send(
        external('orders', aggregateId, {
          type: 'PlaceOrder',
          orderId: aggregateId,
          meta: meta(correlationId),
        }),
      );
    }
    // The parcel moves one step per webhook, each sent once the previous one was recorded, so
    // a cancel arriving meanwhile has the time a real parcel's journey gives it to void the label.
    const next =
      aggregate === 'shipments' && event.type === 'ShipmentCreated'
        ? 'InTransit'
        : aggregate === 'shipments' && event.type === 'ShipmentInTransit'
          ? 'Delivered'
          : undefined;
    if (next) {
      const m = meta(correlationId);
      world.send(
        external('shipments', aggregateId, {
          type: 'RecordTrackingUpdate',
          orderId: aggregateId,
          status: next,
          at: m.issuedAt,
          meta: { ...m, commandId: `carrier-${aggregateId}-${next}` },
        }),
      );
    }
  });

  const existing = (state: OrderState, orderId: string): ExistingOrder => {
    if (state.status === 'None') throw new Error(`order ${orderId} does not exist`);
    return state;
  };

  return {
    world,
    externals,
    placeOrder: (orderId, customerId, lines) => {
      placeWhenCreated.add(orderId);
      world.send(
        external('orders', orderId, {
          type: 'CreateOrder',
          orderId,
          customerId,
          currency: 'EUR',
          items: lines,
          meta: meta(`corr-${orderId}`),
        }),
      );
    },
    cancel: (orderId, { front = false } = {}) =>
      world.send(
        external('orders', orderId, {
          type: 'CancelOrder',
          orderId,
          reason: 'customer changed their mind',
          reasonCode: 'CUSTOMER_REQUEST',
          meta: meta(`corr-${orderId}`),
        }),
        { front },
      ),
    replenish: (sku, quantity) =>
      world.send(
        external('inventory', sku, { type: 'ReplenishStock', sku, quantity, meta: meta(`restock-${sku}`) }),
      ),
    changeProduct: (sku, change) =>
      world.send(external('inventory', sku, { ...change, sku, meta: meta(`operator-${sku}`) })),
    order: (orderId) => existing(world.stateOf('orders', orderId) as OrderState, orderId),
    product: (sku) => world.stateOf('inventory', sku) as Product,
    payment: (orderId) => world.stateOf('payments', orderId) as PaymentState,
    orderIds: () => world.streamIds('orders'),
    skus: () => products.map((p) => p.sku),
  };
};

/** Units received per SKU (initial stock plus replenishments), from the inventory events. */
export const receivedOf = (world: SagaWorld, sku: string): number =>
  world.eventsOf('inventory', sku).reduce((sum, event) => {
    if (event.type === 'ProductRegistered') return sum + (event as ProductRegistered).data.initialStock;
    return event.type === 'StockReplenished' ? sum + event.data.quantity : sum;
  }, 0);
