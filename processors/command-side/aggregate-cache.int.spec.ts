import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from '../../lib/adapters/kafka/types';
import { HEADERS, headerString } from '../../lib/adapters/kafka/headers';
import { startProcessorFleet, type ProcessorFleet } from '../../test/support/processor-fleet';

jest.setTimeout(120_000);

describe.each([
  ['between checkpoints', 1_000],
  ['across checkpoints', 4],
])('a command processor holding 2 aggregates per partition, %s', (_, snapshotEvery) => {
  let fleet: ProcessorFleet;
  beforeAll(async () => {
    fleet = await startProcessorFleet({
      aggregates: ['orders'],
      processor: { aggregateCacheSize: 2, snapshotEvery },
    });
  });
  afterAll(() => fleet.close());

  it('reads an evicted aggregate back at its latest version and decides on it (G1)', async () => {
    const first = `lru-${randomUUID().slice(0, 8)}`;
    const ids = [
      first,
      ...[1, 2, 3, 4].map((n) => fleet.samePartitionAs(first, (i) => `${first}-${n}-${i}`)),
    ];
    const send = async (orderId: string, command: Record<string, unknown> & { type: string }) =>
      fleet.reply(await fleet.send('orders', orderId, { orderId, ...command }));

    for (const orderId of ids) {
      expect(
        await send(orderId, { type: 'CreateOrder', customerId: 'c', currency: 'EUR', items: [] }),
      ).toMatchObject({
        ok: true,
        version: 1,
      });
    }
    // Each round touches all five: every command meets an aggregate the cache evicted. This
    // round is sent at once, so batches read back more aggregates than the cache holds.
    const added = await Promise.all(
      ids.map((orderId) =>
        fleet.send('orders', orderId, {
          orderId,
          type: 'AddItem',
          sku: 'SKU-1',
          quantity: 2,
          unitPrice: 150,
          expectedVersion: 1,
        }),
      ),
    );
    for (const commandId of added)
      expect(await fleet.reply(commandId)).toMatchObject({ ok: true, version: 2 });
    for (const orderId of ids) {
      // Placing needs the item added above: a state read back without it would be refused.
      expect(await send(orderId, { type: 'PlaceOrder', expectedVersion: 2 })).toMatchObject({
        ok: true,
        version: 3,
        eventTypes: ['OrderPlaced'],
      });
    }
    expect(fleet.processors.orders?.cacheMisses()).toBeGreaterThanOrEqual(8);

    const ours = new Set(ids);
    const isOurs = (m: KafkaMessage) => ours.has(headerString(m.headers, HEADERS.aggregateId) ?? '');
    const events = (
      await fleet.read(fleet.topics.events('orders'), (ms) => ms.filter(isOurs).length >= 15)
    ).filter(isOurs);
    for (const orderId of ids) {
      expect(
        events
          .filter((m) => headerString(m.headers, HEADERS.aggregateId) === orderId)
          .map((m) => m.key?.toString()),
      ).toEqual([1, 2, 3].map((v) => `${orderId}:${v}`));
    }
    expect(fleet.fatal).toEqual([]);
  });
});
