import type { Kafka, Message } from '../../../lib/adapters/kafka/types';
import type { Db } from '../../../lib/adapters/mongo';
import type { InventoryEvent } from '../../../domain/inventory/events';
import type { OrderEvent } from '../../../domain/order/events';
import type { SchemaRegistryAdapter } from '../../../lib/adapters/schema-registry';
import { aggregatePartitioner } from '../../../lib/adapters/kafka/aggregate-partitioner';
import { VIEWS, type ViewName } from '../../../lib/read-models/views';
import { catalogs } from '../../../schemas/catalogs';
import type { AggregateType, TopicNames } from '../../../topics/names';
import { codecFor } from '../../../schemas/event-codec';
import { createOrderEventCodec, type EncodedEvent } from '../../../schemas/event-codec';
import { eventRecord } from '../../command-side/event-record';
import { readRange, watermarks } from '../../../lib/adapters/kafka/event-range-reader';
import {
  AGGREGATES,
  createProjectionDecoders,
} from '../../../lib/read-models/projections/projection-decoders';
import {
  foldEvents,
  type ProjectionEvent,
  type ViewDocument,
} from '../../../lib/read-models/projections/projection-views';
import { resolveCollections } from '../../../lib/read-models/view-store';

const at = (n: number) => new Date(Date.UTC(2025, 0, 1) + n).toISOString();

/** Order n's history: created, an item added, placed, paid, shipped, completed (v1..v6). */
const orderHistory = (n: number, sku: string): OrderEvent[] => {
  const line = { sku, quantity: 1 + (n % 3), unitPrice: 1_000 };
  const customerId = `c-${n % 7}`;
  const items = [line];
  const total = line.quantity * line.unitPrice;
  return [
    {
      type: 'OrderCreated',
      data: { customerId, currency: 'EUR', items: [], salesChannel: 'web', occurredAt: at(n * 10 + 1) },
    },
    { type: 'OrderItemAdded', data: { ...line, occurredAt: at(n * 10 + 2) } },
    {
      type: 'OrderPlaced',
      data: { totalAmount: total, customerId, currency: 'EUR', items, occurredAt: at(n * 10 + 3) },
    },
    {
      type: 'OrderPaid',
      data: {
        paymentId: `p-${n}`,
        amount: total,
        customerId,
        currency: 'EUR',
        items,
        occurredAt: at(n * 10 + 4),
      },
    },
    {
      type: 'OrderShipped',
      data: {
        shipmentId: `s-${n}`,
        carrier: 'dhl',
        trackingNumber: `t-${n}`,
        customerId,
        items,
        occurredAt: at(n * 10 + 5),
      },
    },
    { type: 'OrderCompleted', data: { customerId, occurredAt: at(n * 10 + 6) } },
  ];
};

export interface EventFlow {
  /** Events written so far. */
  written(): number;
  /** Stops writing; resolves once the last send is acknowledged. */
  stop(): Promise<void>;
}

/**
 * Writes order and stock events the way the command processors do (wire-format Avro, the
 * event store's key, partition and headers) at about `perSecond` events, until stopped: each
 * tick starts an order, moves the open ones on by one event, and reserves or releases stock of
 * a handful of SKUs, so every partition keeps receiving events for documents that already exist.
 */
export const startEventFlow = async (options: {
  kafka: Kafka;
  registry: SchemaRegistryAdapter;
  topics: TopicNames;
  runId: string;
  perSecond?: number;
  skus?: number;
}): Promise<EventFlow> => {
  const { kafka, registry, topics, runId } = options;
  const orders = await createOrderEventCodec(registry, topics.events('orders'));
  const inventory = await codecFor(registry, topics, 'inventory', catalogs.inventory);
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: true,
    createPartitioner: aggregatePartitioner,
  });
  await producer.connect();
  const skuCount = options.skus ?? 8;
  const skus = Array.from({ length: skuCount }, (_, i) => `${runId}-sku-${i}`);
  const record = (
    aggregateId: string,
    version: number,
    type: string,
    encoded: EncodedEvent,
    occurredAt: string,
  ): Message =>
    // The partitioner places it by aggregate id, as the command processors do.
    ({
      ...eventRecord({
        aggregateId,
        version,
        partition: 0,
        type,
        encoded,
        correlationId: `${runId}-corr`,
        occurredAt,
      }),
      partition: undefined,
    });

  const stockVersions = new Map<string, number>();
  const stock = (sku: string, event: InventoryEvent): Message => {
    const version = (stockVersions.get(sku) ?? 0) + 1;
    stockVersions.set(sku, version);
    return record(sku, version, event.type, inventory.encode(event), event.data.occurredAt);
  };
  // Registered first, so every later stock event lands on an existing product document.
  await producer.send({
    topic: topics.events('inventory'),
    acks: -1,
    messages: skus.map((sku, i) =>
      stock(sku, {
        type: 'ProductRegistered',
        data: {
          name: sku,
          price: 1_000,
          category: 'c',
          initialStock: 1_000_000,
          lowStockThreshold: 0,
          occurredAt: at(i),
        },
      }),
    ),
  });
  let written = skus.length;
  const open: { n: number; next: number; history: OrderEvent[] }[] = [];
  let started = 0;
  let running = true;
  const tickMs = 100;
  const perTick = Math.max(2, Math.round(((options.perSecond ?? 60) * tickMs) / 1000));
  const loop = (async () => {
    while (running) {
      const orderMessages: Message[] = [];
      const stockMessages: Message[] = [];
      const n = started++;
      const sku = skus[n % skuCount] as string;
      open.push({ n, next: 0, history: orderHistory(n, sku) });
      for (const o of open.slice(0, perTick)) {
        const event = o.history[o.next] as OrderEvent;
        orderMessages.push(
          record(`${runId}-o${o.n}`, o.next + 1, event.type, orders.encode(event), event.data.occurredAt),
        );
        o.next++;
        if (event.type === 'OrderPlaced') {
          const q = {
            orderId: `${runId}-o${o.n}`,
            quantity: 1 + (o.n % 3),
            occurredAt: event.data.occurredAt,
          };
          stockMessages.push(stock(skus[o.n % skuCount] as string, { type: 'StockReserved', data: q }));
          if (o.n % 5 === 0)
            stockMessages.push(stock(skus[o.n % skuCount] as string, { type: 'StockReleased', data: q }));
        }
      }
      for (let i = open.length - 1; i >= 0; i--)
        if ((open[i] as (typeof open)[number]).next >= 6) open.splice(i, 1);
      await producer.sendBatch({
        acks: -1,
        topicMessages: [
          { topic: topics.events('orders'), messages: orderMessages },
          ...(stockMessages.length > 0
            ? [{ topic: topics.events('inventory'), messages: stockMessages }]
            : []),
        ],
      });
      written += orderMessages.length + stockMessages.length;
      await new Promise((r) => setTimeout(r, tickMs));
    }
  })();
  return {
    written: () => written,
    stop: async () => {
      running = false;
      try {
        await loop;
      } finally {
        await producer.disconnect();
      }
    },
  };
};

export type Views = Record<ViewName, Map<string, ViewDocument>>;

/** Every view as a direct fold of the events topics gives it: what a full replay must build. */
export const foldTopics = async (
  kafka: Kafka,
  registry: SchemaRegistryAdapter,
  topics: TopicNames,
): Promise<Views> => {
  const decoders = await createProjectionDecoders(registry, topics);
  const views = Object.fromEntries(VIEWS.map((v) => [v, new Map<string, ViewDocument>()])) as Views;
  const eventTopics = AGGREGATES.map((a) => topics.events(a));
  const { low, high } = await watermarks(kafka, eventTopics);
  await readRange(kafka, {
    topics: eventTopics,
    from: low,
    to: high,
    onBatch: async (topic, _partition, messages) => {
      const aggregate = decoders.aggregateOfTopic(topic) as AggregateType;
      const events: ProjectionEvent[] = [];
      for (const m of messages) {
        const event = await decoders.decode(aggregate, m);
        if (event) events.push(event);
      }
      if (events[0]) foldEvents(views[events[0].view], events);
    },
  });
  return views;
};

/** Every view document as the live collections hold them. */
export const storedViews = async (db: Db): Promise<Views> => {
  const collections = await resolveCollections(db);
  const views = {} as Views;
  for (const view of VIEWS) {
    const docs = await db.collection<ViewDocument>(collections[view]).find({}).toArray();
    views[view] = new Map(docs.map((d) => [d._id, d]));
  }
  return views;
};

/** Key order aside (MongoDB may return fields in another order than the fold built them). */
const canonical = (value: unknown): string => {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sorted(value)) ?? 'undefined';
};

/** The documents where two sets of views differ (missing, extra or unequal), for a readable failure. */
export const viewDifferences = (expected: Views, actual: Views): string[] => {
  const diffs: string[] = [];
  for (const view of VIEWS) {
    for (const id of new Set([...expected[view].keys(), ...actual[view].keys()])) {
      const want = expected[view].get(id);
      const got = actual[view].get(id);
      if (canonical(want) !== canonical(got)) {
        diffs.push(
          `${view}/${id}: expected v${want?.version ?? '-'} ${want?.status ?? ''}, stored v${got?.version ?? '-'} ${got?.status ?? ''}`,
        );
      }
    }
  }
  return diffs;
};
