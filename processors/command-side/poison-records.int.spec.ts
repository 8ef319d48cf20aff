import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from '../../lib/adapters/kafka/types';
import type { ShipmentCommand } from '../../domain/shipment/commands';
import { DependencyError } from '../../lib/errors';
import type { CommandReply } from '../../lib/adapters/kafka/command-protocol';
import { HEADERS, headerString } from '../../lib/adapters/kafka/headers';
import {
  acceptingEffects,
  startProcessorFleet,
  type ProcessorFleet,
} from '../../test/support/processor-fleet';
import type { AggregateType } from '../../topics/names';

jest.setTimeout(120_000);

type Body = { type: string } & Record<string, unknown>;
type Step =
  | { kind: 'good'; key: string; command: Body; eventTypes: string[] }
  /** Fails after decide: its event cannot be written, or the external party refuses it for good. */
  | { kind: 'unencodable'; key: string; command: Body; field?: string; reason?: RegExp }
  | { kind: 'schema'; key: string; command: Body; field: string }
  | { kind: 'not-json'; key: string };

// One past what avsc writes as a long: the command schemas hold amounts to what events can carry.
const HUGE = Number.MAX_SAFE_INTEGER;
const REFUSED_SKU = 'REFUSED-BY-CARRIER';

/**
 * Per aggregate type: good commands with the three kinds of poison between them, all on one
 * partition, then a good command on another aggregate of that partition. A value no event could
 * hold is refused by the command's schema, before decide; the late failures left are the
 * external party's (the carrier refusing a shipment for good).
 */
const scenario = (aggregate: AggregateType, fleet: ProcessorFleet): Step[] => {
  const id = `${aggregate}-${randomUUID().slice(0, 8)}`;
  const later = (make: (i: number) => string) => fleet.samePartitionAs(id, make);
  switch (aggregate) {
    case 'orders': {
      const other = later((i) => `${id}-later-${i}`);
      const create = (orderId: string) => ({
        type: 'CreateOrder',
        orderId,
        customerId: 'c-1',
        currency: 'EUR',
        items: [],
      });
      return [
        { kind: 'good', key: id, command: create(id), eventTypes: ['OrderCreated'] },
        { kind: 'not-json', key: id },
        {
          kind: 'schema',
          key: id,
          command: { type: 'AddItem', orderId: id, sku: 'SKU-1', quantity: 1, unitPrice: HUGE },
          field: 'unitPrice',
        },
        {
          kind: 'schema',
          key: id,
          command: { type: 'AddItem', orderId: id, sku: 'SKU-1', quantity: 0, unitPrice: 100 },
          field: 'quantity',
        },
        {
          kind: 'good',
          key: id,
          command: { type: 'AddItem', orderId: id, sku: 'SKU-1', quantity: 2, unitPrice: 100 },
          eventTypes: ['OrderItemAdded'],
        },
        { kind: 'good', key: other, command: create(other), eventTypes: ['OrderCreated'] },
      ];
    }
    case 'inventory': {
      const other = later((i) => `${id}-later-${i}`);
      const register = (sku: string, lowStockThreshold = 3) => ({
        type: 'RegisterProduct',
        sku,
        name: '0',
        price: 0,
        category: '0',
        initialStock: 0,
        lowStockThreshold,
      });
      return [
        // The body of issue 9, written to Kafka directly: the schema the HTTP edge refuses it with.
        { kind: 'schema', key: id, command: register(id, 9007199254740991), field: 'lowStockThreshold' },
        {
          kind: 'good',
          key: id,
          command: register(id),
          eventTypes: ['ProductRegistered', 'LowStockDetected'],
        },
        { kind: 'not-json', key: id },
        {
          kind: 'schema',
          key: id,
          command: { type: 'ReplenishStock', sku: id, quantity: -1 },
          field: 'quantity',
        },
        {
          kind: 'good',
          key: id,
          command: { type: 'ReplenishStock', sku: id, quantity: 5 },
          eventTypes: ['StockReplenished'],
        },
        { kind: 'good', key: other, command: register(other, 0), eventTypes: ['ProductRegistered'] },
      ];
    }
    case 'payments': {
      const other = later((i) => `${id}-later-${i}`);
      const capture = (orderId: string, amount: number, currency = 'EUR') => ({
        type: 'CapturePayment',
        orderId,
        amount,
        currency,
      });
      return [
        { kind: 'schema', key: id, command: capture(id, HUGE), field: 'amount' },
        { kind: 'good', key: id, command: capture(id, 1000), eventTypes: ['PaymentCaptured'] },
        { kind: 'not-json', key: id },
        { kind: 'schema', key: id, command: capture(id, 1000, 'euro'), field: 'currency' },
        {
          kind: 'good',
          key: id,
          command: { type: 'RefundPayment', orderId: id, reason: 'cancelled' },
          eventTypes: ['PaymentRefunded'],
        },
        { kind: 'good', key: other, command: capture(other, 500), eventTypes: ['PaymentCaptured'] },
      ];
    }
    case 'shipments': {
      const other = later((i) => `${id}-later-${i}`);
      const create = (orderId: string, sku = 'SKU-1') => ({
        type: 'CreateShipment',
        orderId,
        items: [{ sku, quantity: 1 }],
      });
      return [
        // Every field of a shipment's events is a string or a bounded count the domain checks,
        // so no valid command makes an unwritable one; the late failure here is the carrier
        // refusing the shipment for good (a non-retriable error from the effect).
        { kind: 'unencodable', key: id, command: create(id, REFUSED_SKU), reason: /^effect failed: carrier/ },
        { kind: 'good', key: id, command: create(id), eventTypes: ['ShipmentCreated'] },
        { kind: 'not-json', key: id },
        {
          kind: 'schema',
          key: id,
          command: {
            type: 'RecordTrackingUpdate',
            orderId: id,
            status: 'Lost',
            at: new Date().toISOString(),
          },
          field: 'status',
        },
        {
          kind: 'good',
          key: id,
          command: {
            type: 'RecordTrackingUpdate',
            orderId: id,
            status: 'InTransit',
            at: new Date().toISOString(),
          },
          eventTypes: ['ShipmentInTransit'],
        },
        { kind: 'good', key: other, command: create(other), eventTypes: ['ShipmentCreated'] },
      ];
    }
    case 'notifications': {
      const notificationId = (orderId: string) => `${orderId}:OrderPlaced:email`;
      const key = notificationId(id);
      const other = fleet.samePartitionAs(key, (i) => notificationId(`${id}-later-${i}`));
      const send = (nid: string, extra: Record<string, unknown> = {}) => {
        const orderId = nid.split(':')[0] as string;
        return {
          type: 'SendNotification',
          notificationId: nid,
          orderId,
          customerId: 'c-1',
          channel: 'email',
          template: 'order-placed',
          params: { orderId, total: '10.00 EUR' },
          ...extra,
        };
      };
      return [
        {
          kind: 'schema',
          key,
          command: send(key, { outcome: { status: 'sent', providerRef: 'p-1', attempts: 2 ** 31 } }),
          field: 'outcome.attempts',
        },
        { kind: 'not-json', key },
        { kind: 'schema', key, command: send(key, { channel: 'fax' }), field: 'channel' },
        { kind: 'good', key, command: send(key), eventTypes: ['NotificationSent'] },
        { kind: 'good', key: other, command: send(other), eventTypes: ['NotificationSent'] },
      ];
    }
    case 'preferences': {
      // Strings and a short list only: every choice the domain accepts encodes, so no unencodable step.
      const other = later((i) => `${id}-later-${i}`);
      const choose = (customerId: string, extra: Record<string, unknown> = {}) => ({
        type: 'SetNotificationPreferences',
        customerId,
        channels: ['email', 'sms'],
        quietHours: { start: '22:00', end: '07:00', timeZone: 'Europe/Zurich' },
        locale: 'de-CH',
        ...extra,
      });
      return [
        { kind: 'not-json', key: id },
        {
          kind: 'schema',
          key: id,
          command: choose(id, { quietHours: { start: '25:00', end: '07:00', timeZone: 'UTC' } }),
          field: 'quietHours.start',
        },
        { kind: 'good', key: id, command: choose(id), eventTypes: ['NotificationPreferencesSet'] },
        { kind: 'good', key: other, command: choose(other), eventTypes: ['NotificationPreferencesSet'] },
      ];
    }
  }
};

const fieldsOf = (reply: CommandReply): string[] =>
  reply.ok ? [] : (reply.error.errors ?? []).map((e) => e.field);

describe('command processors never stop on a poison record', () => {
  let fleet: ProcessorFleet;
  beforeAll(async () => {
    fleet = await startProcessorFleet({
      effects: {
        shipments: (command: ShipmentCommand, state) =>
          command.type === 'CreateShipment' && command.items[0]?.sku === REFUSED_SKU
            ? Promise.reject(new DependencyError('carrier', 'address refused', { retriable: false }))
            : acceptingEffects.shipments(command, state),
      },
    });
  });
  afterAll(() => fleet.close());

  it.each<AggregateType>(['orders', 'inventory', 'payments', 'shipments', 'notifications', 'preferences'])(
    '%s: answers and dead-letters each poison record, applies the good commands in order, keeps consuming',
    async (aggregate) => {
      const steps = scenario(aggregate, fleet);
      const sent: { step: Step; commandId: string }[] = [];
      for (const step of steps) {
        const commandId =
          step.kind === 'not-json' ? randomUUID() : await fleet.send(aggregate, step.key, step.command);
        if (step.kind === 'not-json') {
          await fleet.sendRaw(aggregate, step.key, '{"type": "Create', { [HEADERS.commandId]: commandId });
        }
        sent.push({ step, commandId });
      }

      const versions = new Map<string, number>();
      const expectedEvents: string[] = [];
      for (const { step, commandId } of sent) {
        const reply = await fleet.reply(commandId);
        if (step.kind === 'good') {
          const version = (versions.get(step.key) ?? 0) + step.eventTypes.length;
          versions.set(step.key, version);
          expect(reply).toMatchObject({ ok: true, version, eventTypes: step.eventTypes, duplicate: false });
          step.eventTypes.forEach((_, i) =>
            expectedEvents.push(`${step.key}:${version - step.eventTypes.length + i + 1}`),
          );
        } else {
          expect(reply).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
          if (step.kind !== 'not-json' && step.field) expect(fieldsOf(reply)).toContain(step.field);
        }
      }

      // Events: exactly the good commands', in the order they were sent (one partition).
      const keys = new Set(steps.map((s) => s.key));
      const ours = (m: KafkaMessage) => keys.has(headerString(m.headers, HEADERS.aggregateId) ?? '');
      const events = (
        await fleet.read(
          fleet.topics.events(aggregate),
          (ms) => ms.filter(ours).length >= expectedEvents.length,
        )
      ).filter(ours);
      expect(events.map((m) => m.key?.toString())).toEqual(expectedEvents);

      // Dead letters: the three poison records, each with its reason and source.
      const poisonIds = new Set(sent.filter((s) => s.step.kind !== 'good').map((s) => s.commandId));
      const isPoison = (m: KafkaMessage) => poisonIds.has(headerString(m.headers, HEADERS.commandId) ?? '');
      const dead = (
        await fleet.read(
          fleet.topics.deadLetter(`${aggregate}-command-processor`),
          (ms) => ms.filter(isPoison).length >= poisonIds.size,
        )
      ).filter(isPoison);
      const reasonOf = (kind: Step['kind']) => {
        const commandId = sent.find((s) => s.step.kind === kind)?.commandId;
        const record = dead.find((m) => headerString(m.headers, HEADERS.commandId) === commandId);
        expect(headerString(record?.headers, HEADERS.deadLetterSource)).toContain(
          fleet.topics.commands(aggregate),
        );
        return headerString(record?.headers, HEADERS.deadLetterReason);
      };
      expect(reasonOf('not-json')).toBe('command is not valid JSON');
      expect(reasonOf('schema')).toMatch(/^command rejected by its schema/);
      const late = steps.find((s) => s.kind === 'unencodable');
      if (late) {
        expect(reasonOf('unencodable')).toMatch(
          (late.kind === 'unencodable' && late.reason) ||
            /^event cannot be written: .*does not fit its schema/,
        );
      }
      expect(dead).toHaveLength(poisonIds.size);

      expect(fleet.fatal).toEqual([]);
    },
  );
});

describe('a transient failure is retried in place', () => {
  let fleet: ProcessorFleet;
  const failuresLeft = new Map<string, number>();
  const calls: string[] = [];
  beforeAll(async () => {
    fleet = await startProcessorFleet({
      aggregates: ['payments'],
      processor: { retry: { initialMs: 100, maxMs: 400 } },
      effects: {
        payments: async (command, state) => {
          calls.push(command.orderId);
          const left = failuresLeft.get(command.orderId) ?? 0;
          if (left > 0) {
            failuresLeft.set(command.orderId, left - 1);
            throw new DependencyError('payment-gateway', 'connection refused', { retriable: true });
          }
          return acceptingEffects.payments(command, state);
        },
      },
    });
  });
  afterAll(() => fleet.close());

  it('commits nothing later on the partition before the failing batch, and loses nothing', async () => {
    const first = `pay-${randomUUID().slice(0, 8)}`;
    const [second, third] = [1, 2].map((n) => fleet.samePartitionAs(first, (i) => `${first}-${n}-${i}`)) as [
      string,
      string,
    ];
    failuresLeft.set(first, 3);
    const capture = (orderId: string) => ({ type: 'CapturePayment', orderId, amount: 700, currency: 'EUR' });
    const firstId = await fleet.send('payments', first, capture(first));
    // The later commands arrive while the first one's batch is failing.
    const deadline = Date.now() + 30_000;
    while (!calls.includes(first) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const laterIds = [
      await fleet.send('payments', second, capture(second)),
      await fleet.send('payments', third, capture(third)),
    ];

    for (const commandId of [firstId, ...laterIds]) {
      expect(await fleet.reply(commandId)).toMatchObject({
        ok: true,
        version: 1,
        eventTypes: ['PaymentCaptured'],
      });
    }
    expect(calls.filter((id) => id === first)).toHaveLength(4); // three failures, then success
    expect(failuresLeft.get(first)).toBe(0);

    const ours = new Set([first, second, third]);
    const isOurs = (m: KafkaMessage) => ours.has(headerString(m.headers, HEADERS.aggregateId) ?? '');
    const events = (
      await fleet.read(fleet.topics.events('payments'), (ms) => ms.filter(isOurs).length >= 3)
    ).filter(isOurs);
    // In the order sent, once each: the first was not overtaken, nor written twice.
    expect(events.map((m) => headerString(m.headers, HEADERS.aggregateId))).toEqual([first, second, third]);
    expect(fleet.fatal).toEqual([]);
  });
});
