import type { InventoryEvent } from '../../domain/inventory/events';
import { readDeadLetters } from '../../lib/adapters/kafka/dead-letters';
import { HEADERS, headerString } from '../../lib/adapters/kafka/headers';
import { untilPasses } from '../../test/support/eventually';
import { catalogs } from '../../schemas/catalogs';
import { eventsTopic, type EventsTopic } from '../../test/support/events-topic';
import { CATALOGUE_GROUP, startLiveCatalog, type LiveCatalog } from './live-catalog';

jest.setTimeout(60_000);

/**
 * The command API's catalogue, kept by the inventory events on real Kafka and the real registry:
 * what it prices new order lines from, and what it does with a record it cannot read.
 */
const at = '2025-03-01T10:00:00.000Z';
let inventory: EventsTopic<InventoryEvent>;
let catalog: LiveCatalog | undefined;

beforeAll(async () => {
  inventory = await eventsTopic('catalogue', 'inventory', catalogs.inventory);
});
afterAll(() => catalog?.stop());

const registered = (name: string, price: number): InventoryEvent => ({
  type: 'ProductRegistered',
  data: { name, price, category: 'garden', initialStock: 5, lowStockThreshold: 1, occurredAt: at },
});

it('knows the products of the events written before it started, and follows those written after', async () => {
  await inventory.send([inventory.stored('HOSE-1', registered('Hose', 2999))]);
  catalog = await startLiveCatalog({
    kafka: inventory.kafka,
    topics: inventory.topics,
    decode: inventory.decode,
  });
  await untilPasses(
    () => expect(catalog?.productOf('HOSE-1')).toMatchObject({ name: 'Hose', price: 2999 }),
    20_000,
  );

  await inventory.send([
    inventory.stored('HOSE-1', {
      type: 'StockReserved',
      data: { orderId: 'o-1', quantity: 2, occurredAt: at },
    }),
    inventory.stored('HOSE-1', {
      type: 'ProductPriceChanged',
      data: { price: 3499, previousPrice: 2999, occurredAt: at },
    }),
    inventory.stored('HOSE-1', {
      type: 'ProductRenamed',
      data: { name: 'Hose XL', previousName: 'Hose', occurredAt: at },
    }),
  ]);
  await untilPasses(
    () => expect(catalog?.productOf('HOSE-1')).toMatchObject({ name: 'Hose XL', price: 3499 }),
    20_000,
  );
  expect(catalog?.priceOf('HOSE-1')).toBe(3499);
  expect(catalog?.priceOf('NEVER-REGISTERED')).toBeUndefined();
});

it('stops pricing a retired product but still knows it', async () => {
  await inventory.send([
    inventory.stored('RAKE-1', registered('Rake', 1500)),
    inventory.stored('RAKE-1', { type: 'ProductRetired', data: { reason: 'end of line', occurredAt: at } }),
  ]);
  await untilPasses(() => expect(catalog?.productOf('RAKE-1')).toMatchObject({ retired: true }), 20_000);
  expect(catalog?.priceOf('RAKE-1')).toBeUndefined();
  expect(catalog?.list().map((p) => p.sku)).toEqual(['HOSE-1', 'RAKE-1']);
});

it('dead-letters a record it cannot decode, with the reason, and goes on with the next', async () => {
  await inventory.send([
    inventory.poison('POISON-1', 'ProductRegistered'),
    inventory.stored('SPADE-1', registered('Spade', 1200)),
  ]);
  await untilPasses(() => expect(catalog?.priceOf('SPADE-1')).toBe(1200), 20_000);
  expect(catalog?.productOf('POISON-1')).toBeUndefined();
  const letters = await readDeadLetters(inventory.kafka, inventory.topics.deadLetter(CATALOGUE_GROUP));
  expect(letters).toHaveLength(1);
  const headers = letters[0]?.message.headers;
  expect(headerString(headers, HEADERS.deadLetterReason)).toMatch(/follower of .*inventory\.events/);
  expect(headerString(headers, HEADERS.deadLetterSource)).toMatch(/inventory\.events\/0\/\d+/);
});
