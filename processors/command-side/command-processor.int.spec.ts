import { randomUUID } from 'node:crypto';
import { HEADERS, headerString } from '../../lib/adapters/kafka/headers';
import { partitionForKey } from '../../lib/adapters/kafka/murmur2';
import { consumeUntil } from '../../test/support/kafka';
import { readAggregateEvents } from '../../lib/adapters/kafka/event-reader';
import { commandSideHarness, type CommandSideHarness } from '../../test/support/command-side';

jest.setTimeout(90_000);

const item = (sku: string, quantity = 1, unitPrice = 1000) => ({ sku, quantity, unitPrice });

describe('order command processor on the real stack', () => {
  let h: CommandSideHarness;
  beforeAll(async () => {
    h = await commandSideHarness();
    await h.startProcessor(3);
  });
  afterAll(() => h.close());

  it('appends events keyed <orderId>:<version> with headers, and replies with the version', async () => {
    const orderId = randomUUID();
    const create = await h.send({
      type: 'CreateOrder',
      orderId,
      customerId: 'c-1',
      currency: 'EUR',
      items: [],
    });
    expect(await h.reply(create)).toMatchObject({ ok: true, version: 1, eventTypes: ['OrderCreated'] });
    const add = await h.send({ type: 'AddItem', orderId, ...item('SKU-1', 2), expectedVersion: 1 });
    expect(await h.reply(add)).toMatchObject({ ok: true, version: 2 });
    const place = await h.send({ type: 'PlaceOrder', orderId });
    expect(await h.reply(place)).toMatchObject({ ok: true, version: 3, eventTypes: ['OrderPlaced'] });

    const events = (
      await consumeUntil(
        h.kafka,
        h.topics.events('orders'),
        (msgs) => msgs.filter((m) => m.key?.toString().startsWith(orderId)).length >= 3,
      )
    ).filter((m) => m.key?.toString().startsWith(orderId));
    expect(events.map((m) => m.key?.toString())).toEqual([`${orderId}:1`, `${orderId}:2`, `${orderId}:3`]);
    const headers = events[2]?.headers;
    expect(headerString(headers, HEADERS.eventType)).toBe('OrderPlaced');
    expect(headerString(headers, HEADERS.commandId)).toBe(place);
    expect(headerString(headers, HEADERS.correlationId)).toBe(`corr-${place}`);
    expect(Number(headerString(headers, HEADERS.schemaId))).toBeGreaterThan(0);
    expect(headerString(headers, HEADERS.occurredAt)).toMatch(/^\d{4}-/);
    expect(events[0]?.value?.[0]).toBe(0); // Confluent magic byte

    const admin = h.kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(h.topics.events('orders'));
    await admin.disconnect();
    const home = partitionForKey(orderId, 6);
    expect(offsets.find((o) => o.partition === home)?.high).not.toBe('0');
  });

  it('lets exactly one of two commands with the same expectedVersion win', async () => {
    const orderId = randomUUID();
    await h.reply(
      await h.send({ type: 'CreateOrder', orderId, customerId: 'c-2', currency: 'EUR', items: [] }),
    );
    const [a, b] = await Promise.all([
      h.send({ type: 'AddItem', orderId, ...item('SKU-A'), expectedVersion: 1 }),
      h.send({ type: 'AddItem', orderId, ...item('SKU-B'), expectedVersion: 1 }),
    ]);
    const replies = [await h.reply(a as string), await h.reply(b as string)];
    const winners = replies.filter((r) => r.ok);
    const losers = replies.filter((r) => !r.ok);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(losers[0]).toMatchObject({ ok: false, error: { code: 'VERSION_CONFLICT', currentVersion: 2 } });
  });

  it('answers a redelivered command id with the original result and writes nothing new', async () => {
    const orderId = randomUUID();
    await h.reply(
      await h.send({ type: 'CreateOrder', orderId, customerId: 'c-3', currency: 'EUR', items: [] }),
    );
    const commandId = randomUUID();
    // The same AddItem sent twice (a client retry): applied once, the second answer flagged duplicate.
    await h.send({ type: 'AddItem', orderId, ...item('SKU-1', 2) }, commandId);
    await h.send({ type: 'AddItem', orderId, ...item('SKU-1', 2) }, commandId);
    const place = await h.send({ type: 'PlaceOrder', orderId });
    expect(await h.reply(place)).toMatchObject({ ok: true, version: 3 });
    // Replies are keyed by command id, so they arrive on different partitions: wait for both.
    for (let i = 0; i < 100 && h.allReplies(commandId).length < 2; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(h.allReplies(commandId)).toEqual([
      expect.objectContaining({ ok: true, version: 2, duplicate: false }),
      expect.objectContaining({ ok: true, version: 2, duplicate: true }),
    ]);
  });

  it('rejects commands the state forbids and unknown aggregates, with the current version', async () => {
    const orderId = randomUUID();
    const missing = await h.send({ type: 'PlaceOrder', orderId });
    expect(await h.reply(missing)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await h.reply(
      await h.send({ type: 'CreateOrder', orderId, customerId: 'c-4', currency: 'EUR', items: [] }),
    );
    const emptyPlace = await h.send({ type: 'PlaceOrder', orderId });
    expect(await h.reply(emptyPlace)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_STATE', currentVersion: 1 },
    });
  });

  it('dead-letters a poison record with its reason and keeps the partition moving', async () => {
    const orderId = randomUUID();
    await h.sendRaw(orderId, '{not json');
    const after = await h.send({
      type: 'CreateOrder',
      orderId,
      customerId: 'c-5',
      currency: 'EUR',
      items: [],
    });
    expect(await h.reply(after)).toMatchObject({ ok: true, version: 1 });
    const [dead] = await consumeUntil(h.kafka, h.topics.deadLetter('orders-command-processor'), (msgs) =>
      msgs.some((m) => m.key?.toString() === orderId),
    );
    const poison = dead?.key?.toString() === orderId ? dead : undefined;
    expect(headerString(poison?.headers, HEADERS.deadLetterReason)).toBe('command is not valid JSON');
    expect(headerString(poison?.headers, HEADERS.deadLetterSource)).toContain(h.topics.commands('orders'));
  });

  it('restores state from snapshots after a restart, and versions continue without a gap', async () => {
    const orderId = randomUUID();
    await h.reply(
      await h.send({ type: 'CreateOrder', orderId, customerId: 'c-6', currency: 'EUR', items: [] }),
    );
    for (let i = 0; i < 5; i++) {
      await h.reply(await h.send({ type: 'AddItem', orderId, ...item(`SKU-${i}`) }));
    }
    // Replace the processor: a new member restores the partitions from snapshots + events.
    await h.close();
    h = await commandSideHarness(h.prefix);
    await h.startProcessor(3);
    const next = await h.send({ type: 'PlaceOrder', orderId, expectedVersion: 6 });
    expect(await h.reply(next)).toMatchObject({ ok: true, version: 7 });

    const home = partitionForKey(orderId, 6);
    const restored = h.processorStats().find((r) => r.partition === home);
    expect(restored?.snapshots).toBeGreaterThan(0);
    // Only events after the last checkpoint are replayed, not the partition's whole history.
    expect(restored?.eventsReplayed).toBeLessThan(6);

    const snapshots = await consumeUntil(
      h.kafka,
      h.topics.snapshots('orders'),
      (msgs) =>
        msgs.some((m) => m.key?.toString() === orderId) &&
        msgs.some((m) => m.key?.toString() === '__checkpoint__'),
    );
    expect(snapshots.some((m) => m.key?.toString() === '__checkpoint__')).toBe(true);
  });
});

describe('reading one aggregate back', () => {
  it('returns its decoded events with version, type, schema version, partition, offset and headers', async () => {
    const h = await commandSideHarness();
    try {
      await h.startProcessor();
      const orderId = randomUUID();
      await h.reply(
        await h.send({
          type: 'CreateOrder',
          orderId,
          customerId: 'c-r',
          currency: 'EUR',
          items: [item('SKU-9', 3, 250)],
        }),
      );
      await h.reply(
        await h.send({
          type: 'CancelOrder',
          orderId,
          reason: 'customer changed mind',
          reasonCode: 'CUSTOMER_REQUEST',
        }),
      );
      const events = await readAggregateEvents(h.kafka, h.codec, h.topics.events('orders'), orderId);
      expect(events.map((e) => [e.version, e.type])).toEqual([
        [1, 'OrderCreated'],
        [2, 'OrderCancelled'],
      ]);
      expect(events[0]).toMatchObject({
        partition: partitionForKey(orderId, 6),
        schemaVersion: 2,
        data: { customerId: 'c-r', items: [{ sku: 'SKU-9', quantity: 3, unitPrice: 250 }] },
      });
      expect(events[1]?.data).toMatchObject({ reasonCode: 'CUSTOMER_REQUEST', cancelledFromStatus: 'Draft' });
      expect(events[1]?.headers[HEADERS.causationId]).toBeDefined();
    } finally {
      await h.close();
    }
  });
});

describe('a large backlog on one partition', () => {
  it('is processed in transactions whose batches stay under the broker limit, checkpoint included', async () => {
    const h = await commandSideHarness();
    try {
      const ids: string[] = [];
      while (ids.length < 3_000) {
        const id = randomUUID();
        if (partitionForKey(id, 6) === 0) ids.push(id);
      }
      const commandIds = await Promise.all(
        ids.map((orderId) =>
          h.send({
            type: 'CreateOrder',
            orderId,
            customerId: 'backlog',
            currency: 'EUR',
            items: [item('SKU-1')],
          }),
        ),
      );
      // Only now does an owner appear: its first fetches are full batches of the backlog.
      await h.startProcessor(100);
      const replies = await Promise.all(commandIds.map((id) => h.reply(id, 120_000)));
      expect(replies.filter((r) => !r.ok)).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
