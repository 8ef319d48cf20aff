import { isDeepStrictEqual } from 'node:util';
import type { Admin, Kafka, Message, Producer } from 'kafkajs';
import type { InventoryEvent } from '../../domain/inventory/events';
import type { OrderEvent } from '../../domain/order/events';
import { createKafka } from '../../lib/adapters/kafka';
import { connectMongo, type MongoAdapter } from '../../lib/adapters/mongo';
import { createRedis, type Redis } from '../../lib/adapters/redis';
import { createSchemaRegistry } from '../../lib/adapters/schema-registry';
import { partitionForKey } from '../../lib/kafka/murmur2';
import { CHANGES_CHANNEL, type OrderView, type ProductView } from '../../lib/read-models/views';
import { codecFor } from '../../processors/command-side/aggregate-modules';
import { createOrderEventCodec, type EventCodec } from '../../processors/command-side/event-codec';
import { PROJECTIONS_DEAD_LETTER_GROUP } from '../../processors/projections/projection-runner';
import { resolveCollections } from '../../processors/projections/view-store';
import { catalogs } from '../../schemas/catalogs';
import { ensureTopics, topicDefinitions } from '../../topics/ensure-topics';
import { topicNames } from '../../topics/names';
import { testEndpoints, uniqueName } from '../support/env';
import { startProjectionsProcess, type ProjectionsProcess } from '../support/projections-process';
import { eventRecord } from '../../processors/command-side/event-record';

jest.setTimeout(120_000);

const ORDERS = 300;
/** Tags every id: the projections announce changes on a Redis channel shared by all tests. */
const RUN = uniqueName('crash');
const SKUS = Array.from({ length: 12 }, (_, i) => `${RUN}-sku-${String(i).padStart(2, '0')}`);
const priceOf = (sku: string): number => 500 + 125 * SKUS.indexOf(sku);
const INITIAL_STOCK = 1_000;
const REPLENISHED = 50;
/** Events per write while runner A works: five orders' worth. */
const STREAM_CHUNK = 20;
/** Runner A is killed on this announcement of a document past its first version. */
const KILL_ON_ANNOUNCEMENT = 100;

const orderIdOf = (i: number): string => `${RUN}-order-${String(i).padStart(3, '0')}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check`; on time-out, fails with `what()`, evaluated then, so it can say how far things got. */
const waitFor = async (
  what: () => string,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what()}: not within ${timeoutMs} ms`);
    await sleep(25);
  }
};

type Expected<V> = Map<string, Partial<V>>;

/**
 * The events this test writes, one aggregate history at a time, with the view each history must
 * end in, tracked as the events are scripted rather than derived from the runner's code. Records
 * go to explicit partitions (the pipeline's murmur2 choice), so each one's offset is known.
 */
const eventScript = (partitions: number) => {
  const pending: { topic: string; message: Message }[] = [];
  /** Per `topic:partition`: the (aggregateId, version) at each offset. */
  const offsets = new Map<string, { id: string; version: number }[]>();
  const versions = new Map<string, number>();
  const append = <E extends { type: string; data: { occurredAt: string } }>(
    codec: EventCodec<E>,
    topic: string,
    id: string,
    event: E,
  ): number => {
    const version = (versions.get(`${topic}/${id}`) ?? 0) + 1;
    versions.set(`${topic}/${id}`, version);
    const partition = partitionForKey(id, partitions);
    const message = eventRecord({
      aggregateId: id,
      version,
      partition,
      type: event.type,
      encoded: codec.encode(event),
      correlationId: `corr-${id}`,
      occurredAt: event.data.occurredAt,
    });
    pending.push({ topic, message });
    const at = offsets.get(`${topic}:${partition}`) ?? [];
    offsets.set(`${topic}:${partition}`, [...at, { id, version }]);
    return version;
  };
  return {
    append,
    offsets,
    /** Events scripted so far, in total. */
    count: () => [...offsets.values()].reduce((n, list) => n + list.length, 0),
    /** Events scripted but not yet written. */
    pending: () => pending.length,
    /** Writes the next `limit` scripted events, in the order they were scripted. */
    flush: async (producer: Producer, limit = pending.length): Promise<void> => {
      const byTopic = new Map<string, Message[]>();
      for (const { topic, message } of pending.splice(0, limit)) {
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
      }
      await producer.sendBatch({
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        acks: -1,
      });
    },
  };
};

/**
 * G4 of DESIGN §2 across a crash: the projections service, as a real process, is SIGKILLed between
 * writing a batch and committing its offsets; a second one in the same consumer group gets those
 * events again (at-least-once) and must count each once (version guard), ending in read models
 * equal to what the histories written here say.
 */
describe('projection runner SIGKILLed mid-stream, restarted in the same group', () => {
  const prefix = `${uniqueName('projcrash')}.`;
  const topics = topicNames(prefix);
  const database = uniqueName('projcrash').replace(/-/g, '_');
  const groupId = `${prefix}projections`;
  const eventTopics = [topics.events('orders'), topics.events('inventory')];
  // Only the topics the runner reads and writes, deleted afterwards: the broker is shared and
  // every partition costs it file handles.
  const definitions = topicDefinitions(prefix).filter(
    (t) => t.name.endsWith('.events') || t.name === topics.deadLetter(PROJECTIONS_DEAD_LETTER_GROUP),
  );
  const runners: ProjectionsProcess[] = [];
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let mongo: MongoAdapter;
  let changes: Redis;

  beforeAll(async () => {
    const endpoints = testEndpoints();
    kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'e2e-projection-crash' });
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, definitions);
    producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    await producer.connect();
    mongo = await connectMongo(endpoints.mongodbUri, database);
    changes = createRedis(endpoints.redisUrl, 'e2e-projection-crash');
    await changes.subscribe(CHANGES_CHANNEL);
  });
  afterAll(async () => {
    for (const r of runners) r.child.kill('SIGKILL');
    await Promise.all(runners.map((r) => r.exited()));
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: definitions.map((t) => t.name) }).catch(() => {});
    await admin?.disconnect();
    await mongo?.db.dropDatabase().catch(() => {});
    await mongo?.close();
    changes?.disconnect();
  });

  /** Committed offset of the group per `topic:partition`; absent where it has committed nothing. */
  const committed = async (): Promise<Map<string, number>> => {
    const result = new Map<string, number>();
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics: eventTopics })) {
      for (const p of partitions)
        if (Number(p.offset) >= 0) result.set(`${topic}:${p.partition}`, Number(p.offset));
    }
    return result;
  };
  const highs = async (): Promise<Map<string, number>> => {
    const result = new Map<string, number>();
    for (const topic of eventTopics) {
      for (const o of await admin.fetchTopicOffsets(topic))
        result.set(`${topic}:${o.partition}`, Number(o.high));
    }
    return result;
  };
  /** Current version of every order and product document. */
  const storedVersions = async (): Promise<Map<string, number>> => {
    const names = await resolveCollections(mongo.db);
    const read = (collection: string) =>
      mongo.db
        .collection<{ _id: string; version: number }>(collection)
        .find({}, { projection: { version: 1 } })
        .toArray();
    const docs = [...(await read(names.orders)), ...(await read(names.products))];
    return new Map(docs.map((d) => [d._id, d.version]));
  };
  const sum = (values: Iterable<number>): number => [...values].reduce((n, v) => n + v, 0);

  it('ends with every order and product view exactly as its history says, each event counted once', async () => {
    const registry = createSchemaRegistry(testEndpoints().schemaRegistryUrl);
    const orderCodec = await createOrderEventCodec(registry, topics.events('orders'));
    const inventoryCodec = await codecFor(registry, topics, 'inventory', catalogs.inventory);
    const partitions = definitions.find((t) => t.name === topics.events('orders'))?.partitions ?? 0;
    const script = eventScript(partitions);
    const expectedOrders: Expected<OrderView> = new Map();
    const expectedProducts: Expected<ProductView> = new Map();
    const at = (i: number, step: number) =>
      new Date(Date.UTC(2024, 4, 1) + i * 60_000 + step * 1_000).toISOString();

    // Each order's lines live in a Map, so insertion order, merging and removal are the view's.
    const lines = new Map<string, Map<string, number>>();
    const order = (i: number, event: OrderEvent): void => {
      const orderId = orderIdOf(i);
      const version = script.append(orderCodec, topics.events('orders'), orderId, event);
      const items = lines.get(orderId) ?? new Map<string, number>();
      lines.set(orderId, items);
      if (event.type === 'OrderCreated') for (const l of event.data.items) items.set(l.sku, l.quantity);
      if (event.type === 'OrderItemAdded')
        items.set(event.data.sku, (items.get(event.data.sku) ?? 0) + event.data.quantity);
      if (event.type === 'OrderItemRemoved') items.delete(event.data.sku);
      const before = expectedOrders.get(orderId);
      const itemList = [...items].map(([sku, quantity]) => ({ sku, quantity, unitPrice: priceOf(sku) }));
      expectedOrders.set(orderId, {
        version,
        status:
          event.type === 'OrderPlaced' ? 'Placed' : event.type === 'OrderCancelled' ? 'Cancelled' : 'Draft',
        items: itemList,
        totalAmount: itemList.reduce((n, l) => n + l.quantity * l.unitPrice, 0),
        timeline: [...(before?.timeline ?? []), { type: event.type, version, at: event.data.occurredAt }],
      });
    };
    const product = (sku: string, event: InventoryEvent): void => {
      const version = script.append(inventoryCodec, topics.events('inventory'), sku, event);
      const before = expectedProducts.get(sku) ?? { onHand: 0, reserved: 0 };
      const onHand =
        (before.onHand ?? 0) +
        (event.type === 'ProductRegistered' ? event.data.initialStock : 0) +
        (event.type === 'StockReplenished' ? event.data.quantity : 0);
      const reserved =
        (before.reserved ?? 0) +
        (event.type === 'StockReserved' ? event.data.quantity : 0) -
        (event.type === 'StockReleased' ? event.data.quantity : 0);
      expectedProducts.set(sku, { version, onHand, reserved, available: onHand - reserved });
    };
    const sku = (i: number, shift: number) => SKUS[(i + shift) % SKUS.length] as string;
    const line = (s: string, quantity: number) => ({ sku: s, quantity, unitPrice: priceOf(s) });
    /** The order's first line, which is also what it reserves. */
    const firstLine = (i: number) => line(sku(i, 0), 1 + (i % 3));

    // Wave 1: the products and every order's creation are on the topics before runner A starts;
    // the rest of each history (three item changes, a stock reservation) arrives in small chunks
    // while A works, so histories straddle A's batches and commits, and A is killed mid-stream.
    SKUS.forEach((s, j) =>
      product(s, {
        type: 'ProductRegistered',
        data: {
          name: s,
          price: priceOf(s),
          category: 'crash',
          initialStock: INITIAL_STOCK,
          lowStockThreshold: 5,
          occurredAt: at(j, 0),
        },
      }),
    );
    for (let i = 0; i < ORDERS; i++) {
      order(i, {
        type: 'OrderCreated',
        data: {
          customerId: `customer-${i % 7}`,
          currency: 'EUR',
          items: [firstLine(i)],
          salesChannel: 'web',
          occurredAt: at(i, 1),
        },
      });
    }
    const upFront = script.count();
    for (let i = 0; i < ORDERS; i++) {
      order(i, { type: 'OrderItemAdded', data: { ...line(sku(i, 1), 1 + (i % 4)), occurredAt: at(i, 2) } });
      order(i, { type: 'OrderItemAdded', data: { ...line(sku(i, 0), 2), occurredAt: at(i, 3) } });
      order(
        i,
        i % 5 === 0
          ? { type: 'OrderItemRemoved', data: { sku: sku(i, 1), occurredAt: at(i, 4) } }
          : { type: 'OrderItemAdded', data: { ...line(sku(i, 3), 1), occurredAt: at(i, 4) } },
      );
      const { sku: reservedSku, quantity } = firstLine(i);
      product(reservedSku, {
        type: 'StockReserved',
        data: { orderId: orderIdOf(i), quantity, occurredAt: at(i, 2) },
      });
    }
    const wave1 = script.count();
    await script.flush(producer, upFront);

    const a = startProjectionsProcess('A', { prefix, database });
    runners.push(a);
    // A announces each batch on Redis after writing it and before committing its offsets: a
    // SIGKILL sent on an announcement lands in that window (for this batch or another in flight).
    let announced = 0;
    changes.on('message', (_channel: string, message: string) => {
      const change = JSON.parse(message) as { id?: string; version?: number };
      if (!change.id?.startsWith(RUN) || (change.version ?? 0) < 2) return;
      if (++announced === KILL_ON_ANNOUNCEMENT) a.child.kill('SIGKILL');
    });
    await a.ready();
    const streaming = (async () => {
      while (script.pending() > 0) {
        await script.flush(producer, STREAM_CHUNK);
        await sleep(20);
      }
    })();
    await waitFor(
      () => `runner A announcing ${KILL_ON_ANNOUNCEMENT} changes (saw ${announced})\n${a.output.join('\n')}`,
      async () => {
        if (a.child.exitCode !== null) throw new Error(`runner A exited early:\n${a.output.join('\n')}`);
        return announced >= KILL_ON_ANNOUNCEMENT;
      },
      30_000,
    );
    await a.exited();
    expect(a.child.signalCode).toBe('SIGKILL');
    await streaming;

    // What A left behind: in MongoDB, a prefix of each history; in Kafka, offsets committed at or
    // behind it. Events in between were projected but will be delivered again: the case under test.
    const versionsAtKill = await storedVersions();
    const offsetsAtKill = await committed();
    const committedAtKill = sum(offsetsAtKill.values());
    const redelivered = [...script.offsets].flatMap(([tp, events]) =>
      events.slice(offsetsAtKill.get(tp) ?? 0).filter((e) => (versionsAtKill.get(e.id) ?? 0) >= e.version),
    );
    // A history redelivered from its first event is rebuilt from scratch; from the middle, only
    // the version guard keeps an event from counting twice.
    const firstRedelivered = new Map<string, number>();
    for (const e of redelivered) if (!firstRedelivered.has(e.id)) firstRedelivered.set(e.id, e.version);
    const fromTheMiddle = [...firstRedelivered.values()].filter((version) => version > 1).length;
    process.stderr.write(
      `[projection crash e2e] A killed with ${sum(versionsAtKill.values())}/${wave1} events in MongoDB, ` +
        `${committedAtKill} committed; ${redelivered.length} projected but uncommitted, ` +
        `in ${fromTheMiddle} histories from the middle\n`,
    );
    const committedNotWritten = [...script.offsets].flatMap(([tp, events]) =>
      events.slice(0, offsetsAtKill.get(tp) ?? 0).filter((e) => (versionsAtKill.get(e.id) ?? 0) < e.version),
    );
    expect(committedNotWritten.slice(0, 5)).toEqual([]); // no offset was committed before its write
    expect(committedAtKill).toBeLessThan(wave1); // A was interrupted mid-stream ...
    expect(fromTheMiddle).toBeGreaterThan(0); // ... between writing a batch and committing it

    // Wave 2, written while no runner is alive: two more events per order, releases, restocking.
    for (let i = 0; i < ORDERS; i++) {
      order(i, { type: 'OrderItemAdded', data: { ...line(sku(i, 5), 1), occurredAt: at(i, 5) } });
      const items = [...(lines.get(orderIdOf(i)) ?? [])].map(([s, quantity]) => line(s, quantity));
      const facts = { customerId: `customer-${i % 7}`, items, occurredAt: at(i, 6) };
      if (i % 4 === 0) {
        const reason = {
          reason: 'changed my mind',
          reasonCode: 'CUSTOMER_REQUEST',
          cancelledFromStatus: 'Draft',
        } as const;
        order(i, { type: 'OrderCancelled', data: { ...reason, ...facts } });
        const { sku: reservedSku, quantity } = firstLine(i);
        product(reservedSku, {
          type: 'StockReleased',
          data: { orderId: orderIdOf(i), quantity, occurredAt: at(i, 6) },
        });
      } else {
        const totalAmount = items.reduce((n, l) => n + l.quantity * l.unitPrice, 0);
        order(i, { type: 'OrderPlaced', data: { totalAmount, currency: 'EUR', ...facts } });
      }
    }
    SKUS.forEach((s, j) =>
      product(s, {
        type: 'StockReplenished',
        data: { quantity: REPLENISHED, occurredAt: at(ORDERS + j, 0) },
      }),
    );
    await script.flush(producer);
    const ends = await highs();
    for (const [tp, events] of script.offsets) expect([tp, ends.get(tp)]).toEqual([tp, events.length]);

    // Runner B joins the same group once A's session has expired, and resumes from A's commits.
    const b = startProjectionsProcess('B', { prefix, database });
    runners.push(b);
    await b.ready();
    let behind: string[] = [];
    await waitFor(
      () =>
        `runner B committing every event; behind: ${behind.join(', ')}\n${b.output.slice(-20).join('\n')}`,
      async () => {
        const done = await committed();
        behind = [...ends]
          .filter(([tp, high]) => high > 0 && done.get(tp) !== high)
          .map(([tp, high]) => `${tp} at ${done.get(tp) ?? 'none'}/${high}`);
        return behind.length === 0;
      },
      30_000,
    );

    const names = await resolveCollections(mongo.db);
    const orders = await mongo.db.collection<OrderView>(names.orders).find({}).toArray();
    const products = await mongo.db.collection<ProductView>(names.products).find({}).toArray();
    expect(orders).toHaveLength(ORDERS);
    expect(products).toHaveLength(SKUS.length);
    const doubled = orders.filter(
      (o) => new Set(o.timeline.map((t) => t.version)).size !== o.timeline.length,
    );
    expect(doubled.map((o) => o._id)).toEqual([]);
    expect(mismatches(orders, expectedOrders)).toEqual({ count: 0, first: [] });
    expect(mismatches(products, expectedProducts)).toEqual({ count: 0, first: [] });
  });
});

/** Expected documents that are missing or differ in an expected field: how many, and the first few. */
const mismatches = <V extends { _id: string }>(docs: V[], expected: Expected<V>) => {
  const byId = new Map(docs.map((d) => [d._id, d]));
  const wrong = [...expected]
    .map(([id, want]) => {
      const doc = byId.get(id);
      const got = doc && Object.fromEntries(Object.keys(want).map((k) => [k, doc[k as keyof V]]));
      return { id, want, got };
    })
    .filter(({ want, got }) => !isDeepStrictEqual(want, got));
  return { count: wrong.length, first: wrong.slice(0, 3) };
};
