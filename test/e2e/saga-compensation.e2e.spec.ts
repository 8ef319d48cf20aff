import { randomUUID } from 'node:crypto';
import type { PaymentEvent } from '../../domain/payment/events';
import type { ShipmentEvent } from '../../domain/shipment/events';
import { createSchemaRegistry } from '../../lib/adapters/schema-registry';
import { aggregatePartitioner } from '../../lib/adapters/kafka/aggregate-partitioner';
import { commandMessage } from '../../lib/adapters/kafka/command-protocol';
import { readDeadLetters, redriveDeadLetters } from '../../lib/adapters/kafka/dead-letters';
import { HEADERS, headerString } from '../../lib/adapters/kafka/headers';
import { codecFor } from '../../schemas/event-codec';
import { followEvents } from '../../lib/adapters/kafka/event-follower';
import { catalogs } from '../../schemas/catalogs';
import { testEndpoints } from '../support/env';
import { sagaHarness, type SagaHarness } from '../support/saga-harness';
import { until } from '../support/eventually';

jest.setTimeout(240_000);

/*
 * Money and labels settle (G6) even when the party that must give them back is away: a refund
 * or a label void that fails is retried under the same idempotency key until it succeeds, or
 * parked for an operator whose re-drive then settles it.
 */

interface Ledger {
  orders: { captured: number; refunded: number; refunds: { idempotencyKey?: string }[] }[];
}
interface Labels {
  items: { shipmentId: string; voidedAt?: string; voided?: boolean }[];
}

describe('compensations that fail are retried until money and labels settle', () => {
  let h: SagaHarness;
  const events = new Map<string, string[]>();
  const stops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    // Short delays and few attempts, so the test sees retries and a parking within a minute; the
    // attempts still outlast the clients' circuit breaker (open for 10 s after an outage). Parcels
    // take their time, as real ones do, so a void is not overtaken by the delivery.
    h = await sagaHarness({
      compensationPolicy: { delaysMs: [1_000, 2_000, 4_000], maxAttempts: 8 },
      deliveryAfterMs: 300_000,
    });
    const registry = createSchemaRegistry(testEndpoints().schemaRegistryUrl);
    for (const aggregate of ['payments', 'shipments'] as const) {
      const codec = await codecFor<PaymentEvent | ShipmentEvent>(
        registry,
        h.topics,
        aggregate,
        catalogs[aggregate] as never,
      );
      const follower = await followEvents({
        kafka: h.kafka,
        topic: h.topics.events(aggregate),
        decode: async (type, value) => (await codec.decode(type, value)).event,
        onEvent: (e) =>
          events.set(`${aggregate}/${e.aggregateId}`, [
            ...(events.get(`${aggregate}/${e.aggregateId}`) ?? []),
            e.type,
          ]),
      });
      stops.push(follower.stop);
    }
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
    await h?.close();
  });
  afterEach(async () => {
    await h.knobs('gateway', {});
    await h.knobs('carrier', {});
  });

  const typesOf = (aggregate: string, orderId: string): string[] =>
    events.get(`${aggregate}/${orderId}`) ?? [];
  const ledgerOf = async (orderId: string): Promise<Ledger['orders'][number] | undefined> =>
    ((await (await fetch(`${h.simulators.gateway.url}/admin/ledger?orderId=${orderId}`)).json()) as Ledger)
      .orders[0];
  const labelsOf = async (orderId: string): Promise<Labels['items']> =>
    ((await (await fetch(`${h.simulators.carrier.url}/admin/shipments?orderId=${orderId}`)).json()) as Labels)
      .items;

  const stock = async (quantity: number): Promise<string> => {
    const sku = `SKU-${randomUUID().slice(0, 8)}`;
    await h.inventory({
      type: 'RegisterProduct',
      sku,
      name: `product ${sku}`,
      price: 1_000,
      category: 'test',
      initialStock: quantity,
      lowStockThreshold: 0,
    });
    return sku;
  };

  /** An order paid for, whose shipment a slow carrier keeps in flight, cancelled by its customer. */
  const cancelAfterPayment = async (sku: string, amount: number, beforeCancel?: () => Promise<void>) => {
    const orderId = randomUUID();
    await h.knobs('carrier', { latencyMs: 1_500 });
    await h.order({
      type: 'CreateOrder',
      orderId,
      customerId: 'c-comp',
      currency: 'EUR',
      items: [{ sku, quantity: 1, unitPrice: amount }],
    });
    await h.order({ type: 'PlaceOrder', orderId });
    await h.waitForStatus(orderId, ['PaymentCaptured']);
    await beforeCancel?.();
    await h.order({
      type: 'CancelOrder',
      orderId,
      reason: 'changed my mind',
      reasonCode: 'CUSTOMER_REQUEST',
    });
    const journey = await h.waitForStatus(orderId, ['Completed', 'Cancelled']);
    expect(journey.status).toBe('Cancelled');
    return orderId;
  };

  const expectStockBack = async (sku: string, onHand: number) => {
    await until('stock released', () => (h.stock(sku) as { reserved?: number } | undefined)?.reserved === 0);
    expect(h.stock(sku)).toMatchObject({ onHand, reserved: 0, shipped: 0 });
  };

  it('a cancel racing the shipment voids the label bought meanwhile, refunds and releases', async () => {
    const sku = await stock(2);
    const orderId = await cancelAfterPayment(sku, 700);
    await until('label voided', async () => (await labelsOf(orderId))[0]?.voidedAt !== undefined);
    await until('refunded', async () => (await ledgerOf(orderId))?.refunded === 700);
    expect(await labelsOf(orderId)).toHaveLength(1);
    await until('ShipmentVoided recorded', () => typesOf('shipments', orderId).includes('ShipmentVoided'));
    await expectStockBack(sku, 2);
  });

  it('a refund failing while the gateway is down is retried until it goes through, once, under one key', async () => {
    const sku = await stock(2);
    const orderId = await cancelAfterPayment(sku, 1_200, () => h.knobs('gateway', { errorRate: 1 }));
    await until(
      'two failed refunds',
      () => typesOf('payments', orderId).filter((t) => t === 'PaymentRefundFailed').length >= 2,
    );
    expect((await ledgerOf(orderId))?.refunded).toBe(0);

    await h.knobs('gateway', {});
    await until('refunded', () => typesOf('payments', orderId).includes('PaymentRefunded'));
    const ledger = await ledgerOf(orderId);
    expect(ledger).toMatchObject({ captured: 1_200, refunded: 1_200 });
    expect(ledger?.refunds.map((r) => r.idempotencyKey)).toEqual([`payment:${orderId}:refund`]);
    await expectStockBack(sku, 2);
  });

  it('a label void failing while the carrier is down is retried until the label is voided', async () => {
    // Straight to the shipment aggregate, so the failure window is exactly the void's.
    const orderId = randomUUID();
    const producer = h.kafka.producer({ createPartitioner: aggregatePartitioner, idempotent: true });
    await producer.connect();
    const send = (command: object, id: string) =>
      producer.send({
        topic: h.topics.commands('shipments'),
        messages: [
          commandMessage(orderId, {
            ...command,
            meta: { commandId: id, correlationId: orderId, issuedAt: new Date().toISOString() },
          } as never),
        ],
      });
    try {
      await send(
        { type: 'CreateShipment', orderId, items: [{ sku: 'A', quantity: 1 }] },
        `${orderId}:create`,
      );
      await until('label bought', () => typesOf('shipments', orderId).includes('ShipmentCreated'));
      await h.knobs('carrier', { errorRate: 1 });
      await send({ type: 'VoidShipment', orderId, reason: 'order cancelled' }, `${orderId}:void`);
      await until(
        'two failed voids',
        () => typesOf('shipments', orderId).filter((t) => t === 'ShipmentVoidFailed').length >= 2,
      );
      expect((await labelsOf(orderId))[0]?.voidedAt).toBeUndefined();
      await h.knobs('carrier', {});
      await until('voided', () => typesOf('shipments', orderId).includes('ShipmentVoided'));
      const [label] = await labelsOf(orderId);
      expect(label?.voidedAt).toBeDefined();
    } finally {
      await producer.disconnect();
    }
  });

  it('a refund still failing after its last attempt is parked with its reason, and a re-drive settles it', async () => {
    const sku = await stock(2);
    const orderId = await cancelAfterPayment(sku, 900, () => h.knobs('gateway', { errorRate: 1 }));
    const deadLetterTopic = h.topics.deadLetter('compensations');
    const parkedFor = async () =>
      (await readDeadLetters(h.kafka, deadLetterTopic)).filter((d) => d.message.key?.toString() === orderId);
    await until('parked', async () => (await parkedFor()).length === 1, 90_000);
    const [parked] = await parkedFor();
    expect(headerString(parked?.message.headers, HEADERS.deadLetterReason)).toMatch(
      /refund of order .* failed 8 times/,
    );
    expect(typesOf('payments', orderId).filter((t) => t === 'PaymentRefundFailed')).toHaveLength(8);
    expect((await ledgerOf(orderId))?.refunded).toBe(0);

    // The operator re-drives once the gateway is back and the processors' breaker lets calls through.
    await h.knobs('gateway', {});
    await until('breaker no longer open', () => h.breakerState('payment-gateway') !== 'open', 30_000);
    await redriveDeadLetters(h.kafka, deadLetterTopic, [parked as NonNullable<typeof parked>]);
    await until('refunded', () => typesOf('payments', orderId).includes('PaymentRefunded'));
    const ledger = await ledgerOf(orderId);
    expect(ledger).toMatchObject({ captured: 900, refunded: 900 });
    expect(ledger?.refunds.map((r) => r.idempotencyKey)).toEqual([`payment:${orderId}:refund`]);
    await expectStockBack(sku, 2);
  });
});
