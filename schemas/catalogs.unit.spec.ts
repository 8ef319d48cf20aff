import { join } from 'node:path';
import * as avro from 'avsc';
import { INVENTORY_EVENT_TYPES } from '../domain/inventory/events';
import { NOTIFICATION_EVENT_TYPES } from '../domain/notification/events';
import { ORDER_EVENT_TYPES } from '../domain/order/events';
import { PAYMENT_EVENT_TYPES } from '../domain/payment/events';
import { react } from '../domain/saga/reactions';
import type { EventsOf, SagaAggregate } from '../domain/saga/types';
import { PREFERENCES_EVENT_TYPES, type PreferencesEvent } from '../domain/preferences/events';
import { SHIPMENT_EVENT_TYPES } from '../domain/shipment/events';
import { INVENTORY_EVENTS } from '../domain/testing/inventory-fixtures';
import { NOTIFICATION_EVENTS } from '../domain/testing/notification-fixtures';
import { EVENTS, cancelledEvent } from '../domain/testing/order-fixtures';
import { PAYMENT_EVENTS } from '../domain/testing/payment-fixtures';
import { seededRandom } from '../domain/testing/random';
import { createShop, type Shop } from '../domain/testing/saga-shop';
import { randomHeads } from '../domain/testing/saga-world';
import { SHIPMENT_EVENTS } from '../domain/testing/shipment-fixtures';
import { ValidationError } from '../lib/errors';
import {
  checkBackwardTransitive,
  createSchemaCatalog,
  findSchema,
  schemaCatalogOf,
  schemaEntry,
} from './catalog';
import { SCHEMA_NAMESPACES, catalogs } from './catalogs';
import { createEventSerde } from './generic-event-serde';
import { decodeOrderEvent } from './order-event-serde';

/** Every aggregate with a schema catalogue: the saga's five, and the customers' preferences. */
type CatalogAggregate = SagaAggregate | 'preferences';
const AGGREGATES = Object.keys(catalogs) as CatalogAggregate[];
const SAGA_AGGREGATES = AGGREGATES.filter((a): a is SagaAggregate => a !== 'preferences');
const DOMAIN_TYPES: Record<CatalogAggregate, readonly string[]> = {
  orders: ORDER_EVENT_TYPES,
  inventory: INVENTORY_EVENT_TYPES,
  payments: PAYMENT_EVENT_TYPES,
  shipments: SHIPMENT_EVENT_TYPES,
  notifications: NOTIFICATION_EVENT_TYPES,
  preferences: PREFERENCES_EVENT_TYPES,
};

/** Encodes with the latest schema and decodes as a reader would (the aggregate's serde). */
const roundTrip = <A extends SagaAggregate>(
  aggregate: A | 'preferences',
  event: EventsOf[A],
): EventsOf[A] => {
  const serde = catalogs[aggregate].serde as unknown as {
    encode(e: EventsOf[A]): { version: number; payload: Buffer };
    decode(type: string, version: number, payload: Buffer): EventsOf[A];
  };
  const { version, payload } = serde.encode(event);
  return serde.decode(event.type, version, payload);
};

describe.each(AGGREGATES)('the %s catalog', (aggregate) => {
  const { catalog } = catalogs[aggregate];

  it('has one parseable record per event type, in io.orderstream.<aggregate>', () => {
    expect(catalog.namespace).toBe(SCHEMA_NAMESPACES[aggregate]);
    expect([...catalog.eventTypes].sort()).toEqual([...DOMAIN_TYPES[aggregate]].sort());
    for (const entry of catalog.entries) {
      expect(entry.subjectRecordName).toBe(`${SCHEMA_NAMESPACES[aggregate]}.${entry.eventType}`);
      expect(() => avro.Type.forSchema(entry.schema)).not.toThrow();
      const fieldNames = entry.schema.fields.map((f) => f.name);
      expect(fieldNames).toContain('occurredAt');
    }
  });

  it('is BACKWARD_TRANSITIVE compatible', () => {
    expect(checkBackwardTransitive(catalog.entries)).toEqual([]);
  });

  it('identifies each shipped version by its writer schema', () => {
    for (const entry of catalog.entries) {
      expect(catalog.versionOfWriterSchema(entry.eventType, entry.schema)).toBe(entry.version);
      expect(catalog.find(entry.eventType, entry.version)).toBe(entry);
    }
    expect(() => catalog.latest('NoSuchEvent')).toThrow(ValidationError);
  });
});

describe('createSchemaCatalog', () => {
  it('loads a directory under its namespace and refuses records from another', () => {
    const payments = createSchemaCatalog({
      dir: join(__dirname, 'payments'),
      namespace: 'io.orderstream.payments',
    });
    expect(payments.latest('PaymentCaptured').version).toBe(1);
    expect(() =>
      createSchemaCatalog({ dir: join(__dirname, 'payments'), namespace: 'io.orderstream.orders' }),
    ).toThrow(/namespace io.orderstream.orders/);
    const captured = payments.latest('PaymentCaptured').schema;
    expect(() => schemaEntry('PaymentCaptured', 1, captured, 'x', 'io.orderstream.payments')).not.toThrow();
    expect(() => schemaEntry('PaymentCaptured', 1, captured)).toThrow(ValidationError);
  });
});

const FIXTURES: { [A in SagaAggregate]: EventsOf[A][] } & { preferences: PreferencesEvent[] } = {
  orders: [
    ...Object.values(EVENTS),
    cancelledEvent('Placed', 'out of stock: SKU-B (1 requested)', 'OUT_OF_STOCK'),
    { type: 'OrderItemAdded', data: { sku: 'SKU-C', quantity: 3, unitPrice: 100, occurredAt: 'x' } },
    { type: 'OrderItemRemoved', data: { sku: 'SKU-C', occurredAt: 'x' } },
  ],
  inventory: Object.values(INVENTORY_EVENTS),
  payments: Object.values(PAYMENT_EVENTS),
  shipments: Object.values(SHIPMENT_EVENTS),
  notifications: Object.values(NOTIFICATION_EVENTS),
  preferences: [
    {
      type: 'NotificationPreferencesSet',
      data: { channels: ['email', 'push'], locale: 'en', occurredAt: 'x' },
    },
    {
      type: 'NotificationPreferencesSet',
      data: {
        channels: [],
        quietHours: { start: '22:00', end: '07:00', timeZone: 'Europe/Zurich' },
        locale: 'de-CH',
        occurredAt: 'x',
      },
    },
  ],
};

describe('every event the deciders emit round-trips through its serde', () => {
  it.each(AGGREGATES)('%s: the decider-test fixtures cover every type and round-trip', (aggregate) => {
    const events = FIXTURES[aggregate] as EventsOf[SagaAggregate][];
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(DOMAIN_TYPES[aggregate]));
    for (const event of events) {
      expect(roundTrip(aggregate, event as never)).toStrictEqual(event);
    }
  });

  /** Short runs that between them reach every event a saga can produce (not checked for conservation). */
  const journeys = (): Shop[] => {
    const line = (quantity: number) => [{ sku: 'A', quantity, unitPrice: 100 }];
    // Low stock, a rejected reservation, failed notifications.
    const scarce = createShop([{ sku: 'A', price: 100, stock: 3, lowStockThreshold: 2 }], {
      policy: { send: () => 'failed' },
    });
    scarce.placeOrder('o-1', 'c-1', line(2));
    scarce.placeOrder('o-2', 'c-2', line(2));
    // Declined, failed, refunded and a refund that failed.
    const unlucky = createShop([{ sku: 'A', price: 100, stock: 10 }], {
      policy: {
        capture: (id) => (id === 'o-1' ? 'declined' : id === 'o-2' ? 'failed' : 'captured'),
        shipment: () => 'failed',
        refund: (id) => (id === 'o-3' ? 'failed' : 'refunded'),
      },
    });
    for (const id of ['o-1', 'o-2', 'o-3', 'o-4']) unlucky.placeOrder(id, `c-${id}`, line(1));
    unlucky.replenish('A', 1);
    // An operator reprices, renames and finally retires the product while orders run.
    unlucky.changeProduct('A', { type: 'ChangeProductPrice', price: 150 });
    unlucky.changeProduct('A', { type: 'RenameProduct', name: 'Product A, second edition' });
    unlucky.changeProduct('A', { type: 'RetireProduct', reason: 'end of line' });
    // Cancelled once paid: the label is voided, after one failed attempt (run in order, see below).
    let voids = 0;
    const cancelled = createShop([{ sku: 'A', price: 100, stock: 5 }], {
      policy: { void: () => (++voids === 1 ? 'failed' : 'voided') },
    });
    cancelled.world.onEvent(({ aggregate, aggregateId, event }) => {
      if (aggregate === 'orders' && event.type === 'OrderPaid')
        cancelled.cancel(aggregateId, { front: true });
    });
    cancelled.placeOrder('o-1', 'c-1', line(1));
    cancelled.world.run();
    return [scarce, unlucky, cancelled];
  };

  it('every event of full saga runs, stored after an Avro round trip, decodes equal and drives the saga the same', () => {
    const mismatches: string[] = [];
    const transform = <A extends SagaAggregate>(aggregate: A, event: EventsOf[A]): EventsOf[A] => {
      const decoded = roundTrip(aggregate, event);
      if (JSON.stringify(decoded) !== JSON.stringify(event)) mismatches.push(`${aggregate} ${event.type}`);
      expect(decoded).toStrictEqual(event);
      return decoded;
    };
    const random = seededRandom(3);
    const shops = [
      ...journeys(),
      createShop([{ sku: 'A', price: 100, stock: 40 }], { transform, sagaLag: true }),
    ];
    const last = shops[shops.length - 1] as Shop;
    for (let n = 1; n <= 20; n++)
      last.placeOrder(`r-${n}`, `c-${n}`, [{ sku: 'A', quantity: random.int(1, 3), unitPrice: 100 }]);
    for (const shop of shops) shop.world.run({ pick: randomHeads(random) });
    const seen = new Set<string>();
    for (const shop of shops) {
      for (const { aggregate, event } of shop.world.log) {
        seen.add(event.type);
        expect(roundTrip(aggregate, event as never)).toStrictEqual(event);
      }
    }
    expect(mismatches).toEqual([]);
    expect([...seen].sort()).toEqual(
      [...SAGA_AGGREGATES.flatMap((a) => DOMAIN_TYPES[a])]
        // Receipts come from the provider's webhook, not from a saga step.
        .filter((t) => !['OrderItemAdded', 'OrderItemRemoved', 'NotificationDeliveryReported'].includes(t))
        .sort(),
    );
  });
});

describe('generic serde', () => {
  const { serde } = catalogs.shipments;

  it('maps an absent optional field to null and back to absent', () => {
    const { location: _none, ...withoutLocation } = SHIPMENT_EVENTS.inTransit.data;
    const event = { type: 'ShipmentInTransit' as const, data: withoutLocation };
    const { payload } = serde.encode(event);
    const raw = catalogs.shipments.catalog.latest('ShipmentInTransit').avscType.fromBuffer(payload);
    expect(raw.location).toBeNull();
    expect(serde.decode('ShipmentInTransit', 1, payload)).toStrictEqual(event);
    expect(
      serde.decode('ShipmentInTransit', 1, serde.encode(SHIPMENT_EVENTS.inTransit).payload),
    ).toStrictEqual(SHIPMENT_EVENTS.inTransit);
  });

  it('names the field of an event that does not fit its schema, and refuses unknown versions', () => {
    const bad = { type: 'ShipmentFailed', data: { occurredAt: 'x' } } as never;
    expect(() => serde.encode(bad)).toThrow(/reason/);
    expect(() => serde.encode({ type: 'ShipmentLost', data: {} } as never)).toThrow(ValidationError);
    expect(() => serde.decode('ShipmentFailed', 2, Buffer.alloc(0))).toThrow(/no schema ShipmentFailed v2/);
  });

  it('resolves old writer versions and applies upcasters keyed by writer version', () => {
    const v1 = {
      type: 'record',
      name: 'Thing',
      namespace: 'io.test',
      fields: [{ name: 'a', type: 'string' }],
    };
    const v2 = { ...v1, fields: [...v1.fields, { name: 'b', type: 'string', default: 'dflt' }] };
    const catalog = schemaCatalogOf(
      [schemaEntry('Thing', 1, v1, 'v1', 'io.test'), schemaEntry('Thing', 2, v2, 'v2', 'io.test')],
      'io.test',
    );
    const payload = catalog.find('Thing', 1)?.avscType.toBuffer({ a: 'x' }) as Buffer;
    expect(createEventSerde(catalog).decode('Thing', 1, payload)).toEqual({
      type: 'Thing',
      data: { a: 'x', b: 'dflt' },
    });
    const upcasting = createEventSerde(catalog, {
      'Thing@v1': (resolved, writer) => ({ ...resolved, b: `from ${String(writer.a)}` }),
    });
    expect(upcasting.decode('Thing', 1, payload)).toEqual({ type: 'Thing', data: { a: 'x', b: 'from x' } });
  });
});

describe('order events written before the saga fields existed', () => {
  it('decode with defaults the reactions treat as unknown', () => {
    const occurredAt = '2024-01-01T00:00:00.000Z';
    const reservedV1 = findSchema('OrderInventoryReserved', 1)?.avscType.toBuffer({
      reservations: [{ sku: 'A', quantity: 1 }],
      occurredAt,
    }) as Buffer;
    const reserved = decodeOrderEvent('OrderInventoryReserved', 1, reservedV1);
    expect(reserved.data).toMatchObject({ totalAmount: 0, currency: '', customerId: '' });
    const context = { correlationId: 'c', issuedAt: occurredAt };
    expect(react({ aggregate: 'orders', aggregateId: 'o-1', version: 3, event: reserved }, context)).toEqual(
      [],
    );

    const placedV1 = findSchema('OrderPlaced', 1)?.avscType.toBuffer({
      totalAmount: 500,
      occurredAt,
    }) as Buffer;
    const placed = decodeOrderEvent('OrderPlaced', 1, placedV1);
    expect(placed.data).toStrictEqual({
      totalAmount: 500,
      customerId: '',
      currency: '',
      items: [],
      occurredAt,
    });
    expect(react({ aggregate: 'orders', aggregateId: 'o-1', version: 2, event: placed }, context)).toEqual(
      [],
    );
  });
});
