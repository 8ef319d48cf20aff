import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from '../lib/adapters/kafka/types';
import { inventoryDecider } from '../domain/inventory/decider';
import type { InventoryEvent } from '../domain/inventory/events';
import type { InventoryState } from '../domain/inventory/state';
import { orderDecider } from '../domain/order/decider';
import type { OrderEvent } from '../domain/order/events';
import type { OrderState } from '../domain/order/state';
import { isRetriable } from '../lib/errors';
import { HEADERS, headerString } from '../lib/adapters/kafka/headers';
import type { ProjectionDecoders } from '../lib/read-models/projections/projection-decoders';
import type { TopicNames } from '../topics/names';

/**
 * The event store as the chaos suite sees it: every order's and SKU's state folded with the
 * domain's own `evolve`, from the events topics, plus when each order was placed and ended.
 * Keyed by version, so a redelivery after a broker restart changes nothing; records that do not
 * decode (the suite's own poison) are counted and skipped, as every consumer must.
 */
export interface OrderRecord {
  state: OrderState;
  version: number;
  placedAt?: number;
  /** When the saga decided the order: shipped, or cancelled before that. */
  decidedAt?: number;
  terminalAt?: number;
}

export interface Observer {
  orders(): ReadonlyMap<string, OrderRecord>;
  stock(): ReadonlyMap<string, InventoryState>;
  undecodable(): number;
  stop(): Promise<void>;
}

const TERMINAL = new Set(['Completed', 'Cancelled']);

export const isTerminal = (state: OrderState): boolean => TERMINAL.has(state.status);

export const startObserver = async (
  kafka: Kafka,
  topics: TopicNames,
  decoders: ProjectionDecoders,
): Promise<Observer> => {
  const orders = new Map<string, OrderRecord>();
  const stock = new Map<string, { state: InventoryState; version: number }>();
  let undecodable = 0;
  let consumer: Consumer | undefined;
  let stopped = false;

  const onOrder = (id: string, version: number, event: OrderEvent, at: number): void => {
    const record = orders.get(id) ?? { state: orderDecider.initialState(), version: 0 };
    if (version !== record.version + 1) return; // a redelivery (or a gap the next event would show)
    record.state = orderDecider.evolve(record.state, event);
    record.version = version;
    if (event.type === 'OrderPlaced') record.placedAt = Date.parse(event.data.occurredAt) || at;
    if (record.decidedAt === undefined && (event.type === 'OrderShipped' || event.type === 'OrderCancelled'))
      record.decidedAt = Date.parse(event.data.occurredAt) || at;
    if (isTerminal(record.state)) record.terminalAt = Date.parse(event.data.occurredAt) || at;
    orders.set(id, record);
  };
  const onStock = (sku: string, version: number, event: InventoryEvent): void => {
    const record = stock.get(sku) ?? { state: inventoryDecider.initialState(), version: 0 };
    if (version !== record.version + 1) return;
    stock.set(sku, { state: inventoryDecider.evolve(record.state, event), version });
  };

  const run = async (): Promise<void> => {
    const c = kafka.consumer({
      groupId: `chaos-observer-${randomUUID()}`,
      readUncommitted: false,
      maxWaitTimeInMs: 100,
    });
    consumer = c;
    c.on(c.events.CRASH, ({ payload }) => {
      // A broker restart can stop a consumer for good; the folds are idempotent, so start over.
      if (payload.restart || stopped) return;
      void c.disconnect().catch(() => {});
      setTimeout(() => void run().catch(() => {}), 1_000);
    });
    await c.connect();
    for (const aggregate of ['orders', 'inventory'] as const) {
      await c.subscribe({ topic: topics.events(aggregate), fromBeginning: true });
    }
    await c.run({
      eachMessage: async ({ topic, message }) => {
        const aggregate = decoders.aggregateOfTopic(topic);
        if (aggregate !== 'orders' && aggregate !== 'inventory') return;
        let decoded;
        try {
          decoded = await decoders.decode(aggregate, message);
        } catch (err) {
          if (isRetriable(err)) throw err; // the registry is away: kafkajs fetches it again
          undecodable += 1;
          return;
        }
        if (!decoded) return;
        const version = Number(headerString(message.headers, HEADERS.aggregateVersion));
        if (aggregate === 'orders') {
          onOrder(decoded.aggregateId, version, decoded.event as OrderEvent, Number(message.timestamp));
        } else {
          onStock(decoded.aggregateId, version, decoded.event as InventoryEvent);
        }
      },
    });
  };
  await run();

  return {
    orders: () => orders,
    stock: () => new Map([...stock].map(([sku, { state }]) => [sku, state])),
    undecodable: () => undecodable,
    stop: async () => {
      stopped = true;
      await consumer?.disconnect();
    },
  };
};
