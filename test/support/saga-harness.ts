import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from '../../lib/adapters/kafka/types';
import pino from 'pino';
import type { InventoryCommand } from '../../domain/inventory/commands';
import { inventoryDecider } from '../../domain/inventory/decider';
import type { InventoryEvent } from '../../domain/inventory/events';
import type { InventoryState } from '../../domain/inventory/state';
import type { OrderCommand } from '../../domain/order/commands';
import type { OrderEvent } from '../../domain/order/events';
import type { CompensationPolicy } from '../../domain/saga/compensation-retry';
import { createKafka } from '../../lib/adapters/kafka/client';
import { createSchemaRegistry } from '../../lib/adapters/schema-registry';
import { createCarrierClient } from '../../lib/clients/carrier-client';
import { createNotificationClient } from '../../lib/clients/notification-client';
import { createPaymentGatewayClient } from '../../lib/clients/payment-gateway-client';
import { aggregatePartitioner } from '../../lib/adapters/kafka/aggregate-partitioner';
import { commandMessage } from '../../lib/adapters/kafka/command-protocol';
import { createMetrics } from '../../lib/observability/metrics';
import { createResilienceRegistry } from '../../lib/observability/resilience-registry';
import { followEvents } from '../../lib/adapters/kafka/event-follower';
import { startPipeline, type Pipeline } from '../../processors/pipeline';
import { ensureTopics, topicDefinitions } from '../../topics/ensure-topics';
import { topicNames, type TopicNames } from '../../topics/names';
import { testEndpoints, uniqueName } from './env';
import { startSimulatorProcess, type RunningProcess } from './simulators';
import { STATUS_AFTER } from '../../domain/order/state';

type WithoutMeta<C> = C extends unknown ? Omit<C, 'meta'> : never;

export interface OrderJourney {
  status: string;
  events: { type: string; data: unknown; correlationId?: string }[];
}

export interface SagaHarness {
  kafka: Kafka;
  topics: TopicNames;
  simulators: { gateway: RunningProcess; carrier: RunningProcess; notifications: RunningProcess };
  pipeline: Pipeline;
  order(command: WithoutMeta<OrderCommand>): Promise<void>;
  inventory(command: WithoutMeta<InventoryCommand>): Promise<void>;
  journey(orderId: string): OrderJourney | undefined;
  journeys(): Map<string, OrderJourney>;
  /** The SKU's inventory state, folded from inventory.events as they arrive. */
  stock(sku: string): InventoryState | undefined;
  /** The SKU's inventory events as they arrived, for checks that must not trust the fold above. */
  stockEvents(sku: string): readonly InventoryEvent[];
  ledger(): Promise<{ totals: { captured: number; refunded: number; net: number } }>;
  waitForStatus(orderId: string, statuses: string[], timeoutMs?: number): Promise<OrderJourney>;
  knobs(simulator: 'gateway' | 'carrier' | 'notifications', knobs: Record<string, number>): Promise<void>;
  /** The pipeline's circuit breakers, by dependency name. */
  breakerState(service: string): string | undefined;
  close(): Promise<void>;
}

/**
 * The whole saga on the real stack: topics with a fresh prefix, the three simulators as real
 * processes, the pipeline in this process, and a view of every order's journey built from
 * orders.events.
 */
export const sagaHarness = async (
  options: {
    deadlineMs?: number;
    deliveryAfterMs?: number;
    compensationPolicy?: CompensationPolicy;
    /** The notification providers' settings, e.g. their receipt webhook. */
    notificationsEnv?: Record<string, string>;
  } = {},
): Promise<SagaHarness> => {
  const endpoints = testEndpoints();
  const topics = topicNames(`${uniqueName('saga')}.`);
  const kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'saga-harness' });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, topicDefinitions(topics.prefix));
  await admin.disconnect();

  // A start that fails half way stops what it started, or the test run would never exit.
  const started: (() => Promise<unknown>)[] = [];
  const stopStarted = async () => {
    for (const stop of started.reverse()) await stop().catch(() => {});
  };
  try {
    const simulators = await Promise.allSettled([
      startSimulatorProcess('payment-gateway'),
      startSimulatorProcess('carrier', { DELIVERY_AFTER_MS: String(options.deliveryAfterMs ?? 300) }),
      startSimulatorProcess('notifications', options.notificationsEnv ?? {}),
    ]);
    for (const s of simulators) if (s.status === 'fulfilled') started.push(s.value.stop);
    const [gateway, carrier, notifications] = simulators.map((s) => {
      if (s.status === 'rejected') throw s.reason;
      return s.value;
    }) as [RunningProcess, RunningProcess, RunningProcess];
    const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    const metrics = createMetrics({ service: 'saga-e2e', defaultMetrics: false });
    const resilience = createResilienceRegistry({ metrics });
    const clientOptions = { metrics, resilience, logger, timeoutMs: 2_000, retries: 3 };
    const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);
    const pipeline = await startPipeline({
      kafka,
      registry,
      topics,
      clients: {
        gateway: createPaymentGatewayClient({ ...clientOptions, baseUrl: gateway.url }),
        carrier: createCarrierClient({ ...clientOptions, baseUrl: carrier.url }),
        notifications: createNotificationClient({ ...clientOptions, baseUrl: notifications.url }),
      },
      logger,
      metrics,
      sagaDeadlineMs: options.deadlineMs ?? 60_000,
      trackingPollMs: 200,
      ...(options.compensationPolicy ? { compensationPolicy: options.compensationPolicy } : {}),
    });
    started.push(pipeline.stop);

    const journeys = new Map<string, OrderJourney>();
    const follower = await followEvents({
      kafka,
      topic: topics.events('orders'),
      decode: async (type, value) => (await pipeline.codecs.orders.decode(type, value)).event as OrderEvent,
      onEvent: (event) => {
        const journey = journeys.get(event.aggregateId) ?? { status: 'Draft', events: [] };
        journey.events.push({ type: event.type, data: event.data, correlationId: event.correlationId });
        journey.status = STATUS_AFTER[event.type as OrderEvent['type']] ?? journey.status;
        journeys.set(event.aggregateId, journey);
      },
    });
    started.push(follower.stop);
    const stocks = new Map<string, InventoryState>();
    const stockEvents = new Map<string, InventoryEvent[]>();
    const inventoryFollower = await followEvents({
      kafka,
      topic: topics.events('inventory'),
      decode: async (type, value) => (await pipeline.codecs.inventory.decode(type, value)).event,
      onEvent: (event) => {
        const inventoryEvent = { type: event.type, data: event.data } as InventoryEvent;
        const state = stocks.get(event.aggregateId) ?? inventoryDecider.initialState();
        stocks.set(event.aggregateId, inventoryDecider.evolve(state, inventoryEvent));
        stockEvents.set(event.aggregateId, [...(stockEvents.get(event.aggregateId) ?? []), inventoryEvent]);
      },
    });
    started.push(inventoryFollower.stop);
    const producer: Producer = kafka.producer({ createPartitioner: aggregatePartitioner, idempotent: true });
    await producer.connect();
    started.push(() => producer.disconnect());
    const send = async (aggregate: 'orders' | 'inventory', id: string, command: object): Promise<void> => {
      const commandId = randomUUID();
      const full = {
        ...command,
        meta: { commandId, correlationId: commandId, issuedAt: new Date().toISOString() },
      };
      await producer.send({
        topic: topics.commands(aggregate),
        messages: [commandMessage(id, full as never)],
      });
    };
    const urls = { gateway: gateway.url, carrier: carrier.url, notifications: notifications.url };

    const harness: SagaHarness = {
      kafka,
      topics,
      simulators: { gateway, carrier, notifications },
      pipeline,
      order: (command) => send('orders', command.orderId, command),
      inventory: (command) => send('inventory', command.sku, command),
      journey: (orderId) => journeys.get(orderId),
      journeys: () => journeys,
      stock: (id) => stocks.get(id),
      stockEvents: (id) => stockEvents.get(id) ?? [],
      breakerState: (service) => resilience.list().find((b) => b.name === service)?.state,
      ledger: async () => (await fetch(`${gateway.url}/admin/ledger`)).json() as never,
      waitForStatus: async (orderId, statuses, timeoutMs = 60_000) => {
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline) {
          const journey = journeys.get(orderId);
          if (journey && statuses.includes(journey.status)) return journey;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(
          `order ${orderId} did not reach ${statuses.join('|')} within ${timeoutMs} ms; journey: ${JSON.stringify(journeys.get(orderId)?.events.map((e) => e.type))}`,
        );
      },
      knobs: async (simulator, knobs) => {
        const res = await fetch(`${urls[simulator]}/admin/failures`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(knobs),
        });
        if (!res.ok) throw new Error(`setting knobs on ${simulator}: ${res.status} ${await res.text()}`);
      },
      close: async () => {
        await follower.stop();
        await inventoryFollower.stop();
        await producer.disconnect();
        await pipeline.stop();
        await Promise.all([gateway.stop(), carrier.stop(), notifications.stop()]);
      },
    };
    return harness;
  } catch (err) {
    await stopStarted();
    throw err;
  }
};
