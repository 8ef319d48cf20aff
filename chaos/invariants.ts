import type { Db } from '../lib/adapters/mongo';
import type { Kafka } from '../lib/adapters/kafka/types';
import { listProducts } from '../domain/catalog/catalog';
import type { InventoryState, Product } from '../domain/inventory/state';
import type { ExistingOrder } from '../domain/order/state';
import { isRetriable } from '../lib/errors';
import { VIEWS, type ViewName } from '../lib/read-models/views';
import { readRange, watermarks } from '../lib/adapters/kafka/event-range-reader';
import type { ProjectionDecoders } from '../lib/read-models/projections/projection-decoders';
import {
  foldEvents,
  type ProjectionEvent,
  type ViewDocument,
} from '../lib/read-models/projections/projection-views';
import { resolveCollections } from '../lib/read-models/view-store';
import { AGGREGATES } from '../lib/read-models/projections/projection-decoders';
import type { TopicNames } from '../topics/names';
import type { ClientOrder } from './load';
import type { OrderRecord } from './observer';

/**
 * The guarantees after a fault (DESIGN §2, §12), each a list of violations (empty = holds).
 * Orders and stock come from the event store through the domain's own folds; money from the
 * gateway's ledger; read models from MongoDB compared with a full replay folded in memory.
 */
export interface Violation {
  invariant: string;
  detail: string;
}

/** Every order a client was told is placed (200, or 202 pending) is in the store as placed, and ended. */
export const ordersEnded = (
  clients: readonly ClientOrder[],
  orders: ReadonlyMap<string, OrderRecord>,
): Violation[] => {
  const out: Violation[] = [];
  for (const c of clients) {
    if (c.orderId === undefined || (c.placed !== 200 && c.placed !== 202)) continue;
    const record = orders.get(c.orderId);
    if (!record || record.placedAt === undefined) {
      out.push({
        invariant: 'no order lost',
        detail: `${c.orderId}: place answered ${c.placed} but no OrderPlaced in the store`,
      });
    }
  }
  for (const [id, record] of orders) {
    if (record.placedAt !== undefined && record.terminalAt === undefined) {
      out.push({
        invariant: 'every saga ends',
        detail: `${id} is ${record.state.status} at v${record.version}`,
      });
    }
  }
  return out;
};

const completedOrders = (orders: ReadonlyMap<string, OrderRecord>): ExistingOrder[] =>
  [...orders.values()].flatMap((o) => (o.state.status === 'Completed' ? [o.state as ExistingOrder] : []));

/** Nothing oversold, nothing left reserved, every unit accounted for, shipped = completed orders' units. */
export const stockConserved = (
  stock: ReadonlyMap<string, InventoryState>,
  orders: ReadonlyMap<string, OrderRecord>,
): Violation[] => {
  const shipped = new Map<string, number>();
  for (const order of completedOrders(orders)) {
    for (const line of order.items) shipped.set(line.sku, (shipped.get(line.sku) ?? 0) + line.quantity);
  }
  const out: Violation[] = [];
  for (const { sku } of listProducts()) {
    const state = stock.get(sku);
    if (!state || state.status !== 'Registered') {
      out.push({ invariant: 'stock conserved', detail: `${sku} is not registered in the inventory` });
      continue;
    }
    const p = state as Product;
    if (p.onHand < 0) out.push({ invariant: 'no SKU oversold', detail: `${sku} onHand ${p.onHand}` });
    if (p.reserved !== 0)
      out.push({ invariant: 'nothing left reserved', detail: `${sku} reserved ${p.reserved}` });
    if (p.onHand + p.shipped !== p.received) {
      out.push({
        invariant: 'stock conserved',
        detail: `${sku}: onHand ${p.onHand} + shipped ${p.shipped} ≠ received ${p.received}`,
      });
    }
    if (p.shipped !== (shipped.get(sku) ?? 0)) {
      out.push({
        invariant: 'stock conserved',
        detail: `${sku}: shipped ${p.shipped} but completed orders hold ${shipped.get(sku) ?? 0}`,
      });
    }
  }
  return out;
};

/** The gateway's net captured money equals the completed orders' totals: nothing charged twice or left captured. */
export const moneySettled = async (
  gatewayUrl: string,
  orders: ReadonlyMap<string, OrderRecord>,
): Promise<Violation[]> => {
  const expected = completedOrders(orders).reduce((sum, o) => sum + o.totalAmount, 0);
  const ledger = (await (
    await fetch(`${gatewayUrl}/admin/ledger`, { signal: AbortSignal.timeout(10_000) })
  ).json()) as {
    totals: { net: number; captured: number; refunded: number };
  };
  return ledger.totals.net === expected
    ? []
    : [
        {
          invariant: 'money settled',
          detail: `gateway net ${ledger.totals.net} (captured ${ledger.totals.captured}, refunded ${ledger.totals.refunded}) ≠ completed orders' total ${expected}`,
        },
      ];
};

/** Every view document as a full replay of the events topics builds it (G4). */
export const replayedViews = async (
  kafka: Kafka,
  topics: TopicNames,
  decoders: ProjectionDecoders,
): Promise<Map<ViewName, Map<string, ViewDocument>>> => {
  const names = AGGREGATES.map((a) => topics.events(a));
  const { low, high } = await watermarks(kafka, names);
  const views = new Map<ViewName, Map<string, ViewDocument>>(VIEWS.map((v) => [v, new Map()]));
  await readRange(kafka, {
    topics: names,
    from: low,
    to: high,
    onBatch: async (topic, _partition, messages) => {
      const aggregate = decoders.aggregateOfTopic(topic);
      if (!aggregate) return;
      const events: ProjectionEvent[] = [];
      for (const message of messages) {
        try {
          const event = await decoders.decode(aggregate, message);
          if (event) events.push(event);
        } catch (err) {
          if (isRetriable(err)) throw err;
          // Undecodable: the projections dead-letter it and so does this replay.
        }
      }
      const view = events[0]?.view;
      if (view) foldEvents(views.get(view) as Map<string, ViewDocument>, events, () => {});
    },
  });
  return views;
};

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );

/** The live read models against a replay, document for document. */
export const readModelsMatchReplay = async (
  db: Db,
  expected: Map<ViewName, Map<string, ViewDocument>>,
): Promise<Violation[]> => {
  const out: Violation[] = [];
  const collections = await resolveCollections(db);
  for (const view of VIEWS) {
    const want = expected.get(view) ?? new Map();
    const docs = await db.collection<ViewDocument>(collections[view]).find({}).toArray();
    const have = new Map(docs.map((d) => [d._id, d]));
    let differing = 0;
    let example = '';
    for (const [id, doc] of want) {
      const live = have.get(id);
      if (!live || canonical(live) !== canonical(doc)) {
        differing += 1;
        example ||= `${id}: live v${live?.version ?? 'none'}, replay v${doc.version}`;
      }
    }
    const extra = [...have.keys()].filter((id) => !want.has(id)).length;
    if (differing > 0 || extra > 0) {
      out.push({
        invariant: 'read models equal a replay',
        detail: `${view}: ${differing} of ${want.size} documents differ, ${extra} not in the replay (e.g. ${example || 'extra ids'})`,
      });
    }
  }
  return out;
};
