import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as avro from 'avsc';
import { foldEvents } from '../domain/decider';
import { orderDecider } from '../domain/order/decider';
import { ORDER_EVENT_TYPES, type OrderEvent } from '../domain/order/events';
import { COMMANDS, command } from '../domain/testing/order-fixtures';
import {
  checkBackwardTransitive,
  findSchema,
  latestOrderSchemas,
  latestSchema,
  orderSchemas,
  schemaEntry,
  versionOfWriterSchema,
  type SchemaEntry,
} from './catalog';
import { fromAvroRecord, toAvroRecord } from './order-event-codec';
import { decodeOrderEvent, encodeOrderEvent } from './order-event-serde';
import { reasonCodeFromText, upcast, upcasterKey, type AvroData } from './upcasters';

const fixture = (file: string): unknown =>
  JSON.parse(readFileSync(join(__dirname, 'fixtures', file), 'utf8'));
const entry = (eventType: string, version: number): SchemaEntry => {
  const found = findSchema(eventType, version);
  if (found === undefined) throw new Error(`missing ${eventType} v${version}`);
  return found;
};

/** Every event the decider emits on a full happy path, plus an item removal and a cancellation. */
const decideAll = (commands: Parameters<typeof orderDecider.decide>[0][]): OrderEvent[] =>
  commands.reduce<OrderEvent[]>(
    (history, cmd) => [...history, ...orderDecider.decide(cmd, foldEvents(orderDecider, history))],
    [],
  );
// After AddItem (3 × 100) and RemoveItem (SKU-B) the lines are SKU-A × 2 and SKU-C × 3, total 2 × 1250 + 300.
const happyPath = decideAll([
  COMMANDS.CreateOrder,
  COMMANDS.AddItem,
  COMMANDS.RemoveItem,
  COMMANDS.PlaceOrder,
  command({ type: 'RecordStockReservation', sku: 'SKU-A', quantity: 2, reserved: true }),
  command({ type: 'RecordStockReservation', sku: 'SKU-C', quantity: 3, reserved: true }),
  { ...COMMANDS.CapturePayment, amount: 2800 },
  COMMANDS.ShipOrder,
  COMMANDS.CompleteOrder,
]);
const cancelled = decideAll([COMMANDS.CreateOrder, COMMANDS.PlaceOrder, COMMANDS.CancelOrder]);

describe('shipped schemas', () => {
  it('are exactly the agreed versions', () => {
    expect(orderSchemas.map((e) => `${e.eventType}.v${e.version}`).sort()).toEqual(
      [
        'OrderCancelled.v1',
        'OrderCancelled.v2',
        'OrderCancelled.v3',
        'OrderCompleted.v1',
        'OrderCompleted.v2',
        'OrderCreated.v1',
        'OrderCreated.v2',
        'OrderInventoryReserved.v1',
        'OrderInventoryReserved.v2',
        'OrderItemAdded.v1',
        'OrderItemRemoved.v1',
        'OrderItemReserved.v1',
        'OrderPaid.v1',
        'OrderPaid.v2',
        'OrderPlaced.v1',
        'OrderPlaced.v2',
        'OrderShipped.v1',
        'OrderShipped.v2',
      ].sort(),
    );
  });

  it('cover every order event type, named io.orderstream.orders.<Type>', () => {
    expect([...latestOrderSchemas.keys()].sort()).toEqual([...ORDER_EVENT_TYPES].sort());
    for (const e of orderSchemas) {
      expect(e.subjectRecordName).toBe(`io.orderstream.orders.${e.eventType}`);
      expect(e.avscType.name).toBe(e.subjectRecordName);
      // Re-parse from the JSON to prove the file itself is a valid schema.
      expect(() => avro.Type.forSchema(e.schema)).not.toThrow();
    }
    expect(latestSchema('OrderCreated').version).toBe(2);
    expect(latestSchema('OrderCancelled').version).toBe(3);
    expect(latestSchema('OrderPaid').version).toBe(2);
    expect(latestSchema('OrderItemAdded').version).toBe(1);
  });

  it('are BACKWARD_TRANSITIVE compatible', () => {
    expect(checkBackwardTransitive(orderSchemas)).toEqual([]);
  });

  it('identify a writer schema by fingerprint', () => {
    expect(versionOfWriterSchema('OrderCancelled', entry('OrderCancelled', 1).schema)).toBe(1);
    expect(versionOfWriterSchema('OrderCancelled', entry('OrderCancelled', 2).avscType)).toBe(2);
    expect(versionOfWriterSchema('OrderCreated', entry('OrderCancelled', 2).avscType)).toBeUndefined();
  });
});

describe('checkBackwardTransitive', () => {
  const created = orderSchemas.filter((e) => e.eventType === 'OrderCreated');

  it('reports a new field without a default', () => {
    const problems = checkBackwardTransitive([
      ...created,
      schemaEntry('OrderCreated', 3, fixture('OrderCreated.incompatible.avsc')),
    ]);
    expect(problems).toHaveLength(2); // v3 cannot read v1, nor v2
    expect(problems[0]).toMatch(/OrderCreated: v3 cannot read data written with v1/);
    expect(problems[1]).toMatch(/v3 cannot read data written with v2/);
  });

  it('reports a changed field type', () => {
    const problems = checkBackwardTransitive([
      ...created,
      schemaEntry('OrderCreated', 3, fixture('OrderCreated.type-changed.avsc')),
    ]);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(/v3 cannot read/);
  });

  it('catches a break that only shows against an older version (transitive, not just the previous one)', () => {
    // v3 drops the default v2 gave salesChannel: v3 still reads v2 data, but no longer v1 data.
    const v2 = entry('OrderCreated', 2).schema;
    const v3 = {
      ...v2,
      fields: v2.fields.map((f) => (f.name === 'salesChannel' ? { name: f.name, type: f.type } : f)),
    };
    expect(checkBackwardTransitive([...created, schemaEntry('OrderCreated', 3, v3)])).toEqual([
      expect.stringMatching(/^OrderCreated: v3 cannot read data written with v1/),
    ]);
  });

  it('reports gaps in version numbers', () => {
    expect(
      checkBackwardTransitive([entry('OrderPaid', 1), { ...entry('OrderPaid', 1), version: 3 }]),
    ).toEqual([expect.stringMatching(/OrderPaid: expected v2 but found v3/)]);
  });

  it('refuses a schema whose record name does not match its event type', () => {
    expect(() => schemaEntry('OrderPlaced', 1, entry('OrderPaid', 1).schema)).toThrow(/OrderPlaced/);
  });
});

describe('reading old data', () => {
  it('decodes a v1 OrderCreated with salesChannel "web"', () => {
    const v1Data = {
      customerId: 'cust-9',
      currency: 'USD',
      items: [{ sku: 'SKU-A', quantity: 1, unitPrice: 500 }],
      occurredAt: '2024-01-01T00:00:00.000Z',
    };
    const payload = entry('OrderCreated', 1).avscType.toBuffer(v1Data);
    expect(decodeOrderEvent('OrderCreated', 1, payload)).toStrictEqual({
      type: 'OrderCreated',
      data: { ...v1Data, salesChannel: 'web' },
    });
  });

  it.each([
    ['Item out of stock: SKU-A', 'OUT_OF_STOCK'],
    ['Payment declined by issuer', 'PAYMENT_FAILED'],
    ['card declined', 'PAYMENT_FAILED'],
    ['Carrier rejected the parcel', 'SHIPMENT_FAILED'],
    ['deadline exceeded in status Placed', 'DEADLINE_EXCEEDED'],
    ['reservation expired', 'DEADLINE_EXCEEDED'],
    ['Customer asked to cancel', 'CUSTOMER_REQUEST'],
    ['duplicate order', 'OTHER'],
  ])('upcasts a v1 OrderCancelled with reason %j to reasonCode %s', (reason, reasonCode) => {
    const v1 = entry('OrderCancelled', 1).avscType;
    const v2 = entry('OrderCancelled', 2).avscType;
    const v1Data = { reason, cancelledFromStatus: 'Placed', occurredAt: '2024-01-01T00:00:00.000Z' };
    const payload = v1.toBuffer(v1Data);

    // Plain resolution alone gets it wrong for every code but OTHER: that is why the upcaster exists.
    const resolved = v2.fromBuffer(payload, v2.createResolver(v1)) as AvroData;
    expect(resolved.reasonCode).toBe('OTHER');

    const upcasted = upcast('OrderCancelled', 1, resolved, v1.fromBuffer(payload) as AvroData);
    expect(upcasted.reasonCode).toBe(reasonCode);
    expect(decodeOrderEvent('OrderCancelled', 1, payload)).toStrictEqual({
      type: 'OrderCancelled',
      data: { ...v1Data, reasonCode, customerId: '', items: [] },
    });
  });

  it('does not upcast data written with the latest version', () => {
    const data = {
      reason: 'out of stock',
      cancelledFromStatus: 'Draft',
      occurredAt: 'x',
      reasonCode: 'OTHER',
    };
    expect(upcast('OrderCancelled', 2, data, data)).toBe(data);
    expect(reasonCodeFromText('')).toBe('OTHER');
  });

  it('applies a chain of upcasters in version order from the writer version', () => {
    const calls: string[] = [];
    const tracing = (name: string) => (d: AvroData) => (calls.push(name), { ...d, [name]: true });
    const chain = {
      [upcasterKey('X', 3)]: tracing('v3'),
      [upcasterKey('X', 1)]: tracing('v1'),
      [upcasterKey('X', 2)]: tracing('v2'),
      [upcasterKey('Y', 2)]: tracing('y2'),
    };
    expect(upcast('X', 2, {}, {}, chain)).toEqual({ v2: true, v3: true });
    expect(calls).toEqual(['v2', 'v3']);
  });
});

describe('round trip through the latest schemas', () => {
  const events = [...happyPath, ...cancelled];

  it('exercises every event type', () => {
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(ORDER_EVENT_TYPES));
  });

  it.each(events.map((e) => [e.type, e] as const))('%s encodes and decodes to equal data', (_type, event) => {
    const latest = latestSchema(event.type);
    const record = toAvroRecord(event);
    const undeclared: string[] = [];
    const valid = latest.avscType.isValid(record, {
      noUndeclaredFields: true,
      errorHook: (path) => undeclared.push(path.join('.')),
    });
    expect(undeclared).toEqual([]);
    expect(valid).toBe(true);
    expect(
      fromAvroRecord(event.type, latest.avscType.fromBuffer(latest.avscType.toBuffer(record))),
    ).toStrictEqual(event);
    const { version, payload } = encodeOrderEvent(event);
    expect(decodeOrderEvent(event.type, version, payload)).toStrictEqual(event);
  });

  it('refuses a decoded record the domain cannot accept', () => {
    const bad = { reason: 'r', reasonCode: 'OTHER', cancelledFromStatus: 'Shipped', occurredAt: 'x' };
    expect(() => fromAvroRecord('OrderCancelled', bad)).toThrow(/cancelledFromStatus/);
    expect(() => decodeOrderEvent('OrderRefunded', 1, Buffer.alloc(0))).toThrow(/no schema/);
  });
});
