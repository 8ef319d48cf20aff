import type { Kafka } from '../lib/adapters/kafka/types';
import type { Logger } from 'pino';
import type { InventoryEvent } from '../domain/inventory/events';
import type { OrderEvent } from '../domain/order/events';
import { react } from '../domain/saga/reactions';
import { sagaInputOf } from '../domain/saga/saga-input';
import type { SchemaRegistryAdapter } from '../lib/adapters/schema-registry';
import type { CarrierClient } from '../lib/clients/carrier-client';
import type { NotificationClient } from '../lib/clients/notification-client';
import type { PaymentGatewayClient } from '../lib/clients/payment-gateway-client';
import type { Metrics } from '../lib/observability/metrics';
import { AGGREGATE_TYPES, type AggregateType, type TopicNames } from '../topics/names';
import { sagaModules } from './command-side/aggregate-modules';
import type { AggregateModule } from './command-side/aggregate-module';
import { startCommandProcessor, type CommandProcessor } from './command-side/command-processor';
import { createOrderEventCodec, type EventCodec } from '../schemas/event-codec';
import { ordersModule } from './command-side/orders-module';
import { notificationEffect } from './effects/notification-effect';
import { paymentEffect } from './effects/payment-effect';
import { shipmentEffect } from './effects/shipment-effect';
import type { CompensationPolicy } from '../domain/saga/compensation-retry';
import { startCompensationRetrier } from './saga/compensation-retrier';
import { startDeadlineWatcher } from './saga/deadline-watcher';
import { followPreferences } from './saga/preferences-follower';
import { startSagaRuntime, type SagaCommand, type SagaEvent } from './saga/saga-runtime';
import { startTrackingPoller } from './saga/tracking-poller';
import type { CommandLike } from '../lib/adapters/kafka/command-protocol';
import { startTogether, type Stoppable } from '../lib/process/start-together';
import { sagaGroupId } from '../lib/adapters/kafka/group-ids';

export interface PipelineOptions {
  kafka: Kafka;
  registry: SchemaRegistryAdapter;
  topics: TopicNames;
  clients: { gateway: PaymentGatewayClient; carrier: CarrierClient; notifications: NotificationClient };
  logger: Logger;
  metrics: Metrics;
  snapshotEvery?: number;
  /** Aggregate states each command processor keeps in memory per partition. */
  aggregateCacheSize?: number;
  /** A placed order not shipped after this long is cancelled (G6). */
  sagaDeadlineMs?: number;
  trackingPollMs?: number;
  sessionTimeoutMs?: number;
  onFatal?: (error: Error) => void;
  /** How failed refunds and label voids are retried before they are parked (compensation-retrier.ts). */
  compensationPolicy?: CompensationPolicy;
  /** The parts this process runs; all of them when omitted. */
  parts?: readonly PipelinePart[];
}

/** The parts of the pipeline, each a role a deployment can run on its own (DESIGN §10). */
export const PIPELINE_PARTS = [
  'orders-processor',
  'inventory-processor',
  'payments-processor',
  'shipments-processor',
  'notifications-processor',
  'preferences-processor',
  'saga',
  'deadline-watcher',
  'tracking-poller',
  'compensation-retrier',
] as const;
export type PipelinePart = (typeof PIPELINE_PARTS)[number];

/**
 * How a local run lays the parts out: `one` process for all of them (npm start's default), or a
 * process `per-part`, as a deployment runs them (npm start's PIPELINE_PROCESSES).
 */
export const PIPELINE_LAYOUTS = ['one', 'per-part'] as const;
export type PipelineLayout = (typeof PIPELINE_LAYOUTS)[number];

export interface Pipeline {
  /** The command processors this process runs, by aggregate type. */
  processors: Partial<Record<AggregateType, CommandProcessor>>;
  codecs: { orders: EventCodec<OrderEvent>; inventory: EventCodec<InventoryEvent> };
  stop(): Promise<void>;
}

/**
 * Everything behind the command API: a command processor per aggregate type, the saga that
 * choreographs them, the deadline watcher, the tracking poller and the compensation retrier.
 * One process can run it all (npm start, tests); a deployment runs each part as its own role
 * (`parts`), with the same code and the same consumer groups.
 */
export const startPipeline = async (options: PipelineOptions): Promise<Pipeline> => {
  const { kafka, registry, topics, clients, logger, metrics } = options;
  const ordersCodec = await createOrderEventCodec(registry, topics.events('orders'));
  const modules = await sagaModules(registry, topics, {
    payments: paymentEffect(clients.gateway),
    shipments: shipmentEffect(clients.carrier),
    notifications: notificationEffect(clients.notifications),
  });
  const common = {
    kafka,
    topics,
    logger,
    metrics,
    snapshotEvery: options.snapshotEvery ?? 100,
    ...(options.aggregateCacheSize ? { aggregateCacheSize: options.aggregateCacheSize } : {}),
    ...(options.sessionTimeoutMs ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
    ...(options.onFatal ? { onFatal: options.onFatal } : {}),
  };
  const start = <C extends CommandLike, E extends { type: string }, S>(module: AggregateModule<C, E, S>) =>
    startCommandProcessor({
      ...common,
      module,
      groupId: `${topics.prefix}${module.aggregate}-command-processor`,
      logger: logger.child({ aggregate: module.aggregate }),
    });
  const decoders = {
    orders: ordersCodec,
    inventory: modules.inventory.codec,
    payments: modules.payments.codec,
    shipments: modules.shipments.codec,
    notifications: modules.notifications.codec,
  } as const;
  const onFatal = options.onFatal ? { onFatal: options.onFatal } : {};

  // Every part joins its group side by side: after a crash each join waits out the dead member's
  // session, and joins one after another would add those waits up (bench:failover). A part that
  // fails to start stops the others (nothing half-started stays behind).
  const starters: Record<PipelinePart, () => Promise<Stoppable>> = {
    'orders-processor': () => start(ordersModule(ordersCodec)),
    'inventory-processor': () => start(modules.inventory),
    'payments-processor': () => start(modules.payments),
    'shipments-processor': () => start(modules.shipments),
    'notifications-processor': () => start(modules.notifications),
    'preferences-processor': () => start(modules.preferences),
    saga: async () => {
      // The saga notifies on each customer's chosen channels, followed from preferences.events.
      const preferences = await followPreferences({
        kafka,
        topics,
        decode: async (type, value) => (await modules.preferences.codec.decode(type, value)).event,
        logger: logger.child({ role: 'saga' }),
        ...onFatal,
      });
      const { preferencesOf } = preferences;
      try {
        const runtime = await startSagaRuntime({
          kafka,
          topics,
          groupId: sagaGroupId(topics),
          sources: (Object.keys(decoders) as (keyof typeof decoders)[]).map((aggregate) => ({
            aggregate,
            decode: async (type: string, value: Buffer) =>
              (await decoders[aggregate].decode(type, value)).event,
          })),
          react: (input: SagaEvent): SagaCommand[] => {
            const sagaInput = sagaInputOf(input);
            return sagaInput
              ? react(
                  sagaInput,
                  // The saga's clock, not the event's: each step's events carry when it happened.
                  // Redelivery is still harmless, because the command ids come from the event's position.
                  { correlationId: input.correlationId, issuedAt: new Date().toISOString(), preferencesOf },
                )
              : [];
          },
          logger: logger.child({ role: 'saga' }),
          metrics,
          ...(options.sessionTimeoutMs ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
          ...onFatal,
        });
        return {
          stop: async () => {
            await runtime.stop();
            await preferences.stop();
          },
        };
      } catch (err) {
        await preferences.stop();
        throw err;
      }
    },
    'deadline-watcher': () =>
      startDeadlineWatcher({
        kafka,
        topics,
        decode: async (type, value) => (await ordersCodec.decode(type, value)).event,
        deadlineMs: options.sagaDeadlineMs ?? 120_000,
        logger: logger.child({ role: 'deadline-watcher' }),
        metrics,
        ...onFatal,
      }),
    'tracking-poller': () =>
      startTrackingPoller({
        kafka,
        topics,
        decode: async (type, value) => (await modules.shipments.codec.decode(type, value)).event,
        carrier: clients.carrier,
        pollEveryMs: options.trackingPollMs ?? 500,
        logger: logger.child({ role: 'tracking-poller' }),
        ...onFatal,
      }),
    'compensation-retrier': () =>
      startCompensationRetrier({
        kafka,
        topics,
        decoders: {
          payments: async (type, value) => (await modules.payments.codec.decode(type, value)).event,
          shipments: async (type, value) => (await modules.shipments.codec.decode(type, value)).event,
        },
        ...(options.compensationPolicy ? { policy: options.compensationPolicy } : {}),
        logger: logger.child({ role: 'compensation-retrier' }),
        metrics,
        ...onFatal,
      }),
  };
  const chosen = PIPELINE_PARTS.filter((part) => !options.parts || options.parts.includes(part));
  const started: Partial<Record<PipelinePart, Stoppable>> = await startTogether(
    Object.fromEntries(chosen.map((part) => [part, starters[part]()])),
    { logger },
  );
  const processors = Object.fromEntries(
    AGGREGATE_TYPES.flatMap((aggregate) => {
      const processor = started[`${aggregate}-processor`];
      return processor ? [[aggregate, processor as CommandProcessor]] : [];
    }),
  ) as Partial<Record<AggregateType, CommandProcessor>>;

  return {
    processors,
    codecs: { orders: ordersCodec, inventory: modules.inventory.codec },
    stop: async () => {
      // The saga's side first, then the command processors it sends to.
      for (const part of [...chosen].reverse()) {
        if (part.endsWith('-processor')) continue;
        await started[part]?.stop();
      }
      await Promise.all(Object.values(processors).map((p) => p.stop()));
    },
  };
};
