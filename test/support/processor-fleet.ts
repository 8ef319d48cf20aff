import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka, KafkaMessage, Producer } from '../../lib/adapters/kafka/types';
import pino from 'pino';
import type { NotificationCommand } from '../../domain/notification/commands';
import type { NotificationState } from '../../domain/notification/state';
import type { PaymentCommand } from '../../domain/payment/commands';
import type { PaymentState } from '../../domain/payment/state';
import type { ShipmentCommand } from '../../domain/shipment/commands';
import type { ShipmentState } from '../../domain/shipment/state';
import { createKafka } from '../../lib/adapters/kafka/client';
import { createSchemaRegistry } from '../../lib/adapters/schema-registry';
import { aggregatePartitioner } from '../../lib/adapters/kafka/aggregate-partitioner';
import {
  commandMessage,
  parseReply,
  type CommandLike,
  type CommandReply,
} from '../../lib/adapters/kafka/command-protocol';
import { partitionForKey } from '../../lib/adapters/kafka/murmur2';
import { createMetrics } from '../../lib/observability/metrics';
import type { AggregateModule } from '../../processors/command-side/aggregate-module';
import { sagaModules, type Effects } from '../../processors/command-side/aggregate-modules';
import {
  startCommandProcessor,
  type CommandProcessor,
} from '../../processors/command-side/command-processor';
import { createOrderEventCodec } from '../../schemas/event-codec';
import { ordersModule } from '../../processors/command-side/orders-module';
import { ensureTopics, topicDefinitions } from '../../topics/ensure-topics';
import { topicNames, type AggregateType, type TopicNames } from '../../topics/names';
import { testEndpoints, uniqueName } from './env';
import { consumeUntil } from './kafka';

/** Effects that answer at once, as the external parties would when they say yes. */
export const acceptingEffects: Effects = {
  payments: async (command: PaymentCommand, _state: PaymentState) =>
    command.outcome
      ? command
      : command.type === 'CapturePayment'
        ? { ...command, outcome: { status: 'captured', gatewayRef: `cap-${command.orderId}` } }
        : { ...command, outcome: { status: 'refunded', gatewayRef: `ref-${command.orderId}` } },
  shipments: async (command: ShipmentCommand, _state: ShipmentState) =>
    command.type !== 'CreateShipment' || command.outcome
      ? command
      : {
          ...command,
          outcome: {
            status: 'created',
            shipmentId: `shp-${command.orderId}`,
            carrier: 'test-carrier',
            trackingNumber: `trk-${command.orderId}`,
            labelUrl: `https://labels.test/${command.orderId}`,
          },
        },
  notifications: async (command: NotificationCommand, _state: NotificationState) =>
    command.type !== 'SendNotification' || command.outcome
      ? command
      : { ...command, outcome: { status: 'sent', providerRef: 'prov-1', attempts: 1 } },
};

/**
 * Topics under a fresh prefix, a command processor per aggregate type (effects replaceable),
 * a producer that writes commands or raw records, and every reply collected by command id.
 */
export interface ProcessorFleet {
  kafka: Kafka;
  topics: TopicNames;
  processors: Partial<Record<AggregateType, CommandProcessor>>;
  /** Errors the processors reported as fatal (their consumer stopped for good). */
  fatal: Error[];
  send(
    aggregate: AggregateType,
    aggregateId: string,
    command: { type: string } & Record<string, unknown>,
  ): Promise<string>;
  sendRaw(aggregate: AggregateType, key: string, value: string, headers?: IHeaders): Promise<void>;
  reply(commandId: string, timeoutMs?: number): Promise<CommandReply>;
  /** The first of `make(0)`, `make(1)`, … on the same partition of the commands topic as `key`. */
  samePartitionAs(key: string, make: (i: number) => string): string;
  /** Reads a topic from the start until `done`, for asserting what was written. */
  read(
    topic: string,
    done: (messages: KafkaMessage[]) => boolean,
    timeoutMs?: number,
  ): Promise<KafkaMessage[]>;
  close(): Promise<void>;
}

export const PARTITIONS = 6;

export const startProcessorFleet = async (
  options: {
    aggregates?: AggregateType[];
    effects?: Partial<Effects>;
    processor?: {
      retry?: { initialMs?: number; maxMs?: number };
      aggregateCacheSize?: number;
      snapshotEvery?: number;
    };
  } = {},
): Promise<ProcessorFleet> => {
  const endpoints = testEndpoints();
  const topics = topicNames(`${uniqueName('fleet')}.`);
  const kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'test-fleet' });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, topicDefinitions(topics.prefix));
  await admin.disconnect();
  const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);
  const saga = await sagaModules(registry, topics, { ...acceptingEffects, ...options.effects });
  const fatal: Error[] = [];
  const start = <C extends CommandLike, E extends { type: string }, S>(module: AggregateModule<C, E, S>) =>
    startCommandProcessor({
      kafka,
      module,
      topics,
      groupId: `${topics.prefix}${module.aggregate}-command-processor`,
      snapshotEvery: options.processor?.snapshotEvery ?? 100,
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      metrics: createMetrics({ service: 'test-fleet', defaultMetrics: false }),
      ...(options.processor?.retry ? { retry: options.processor.retry } : {}),
      ...(options.processor?.aggregateCacheSize
        ? { aggregateCacheSize: options.processor.aggregateCacheSize }
        : {}),
      onFatal: (error) => fatal.push(error),
    });
  const starters: Record<AggregateType, () => Promise<CommandProcessor>> = {
    orders: async () => start(ordersModule(await createOrderEventCodec(registry, topics.events('orders')))),
    inventory: () => start(saga.inventory),
    payments: () => start(saga.payments),
    shipments: () => start(saga.shipments),
    notifications: () => start(saga.notifications),
    preferences: () => start(saga.preferences),
  };

  const producer: Producer = kafka.producer({ createPartitioner: aggregatePartitioner, idempotent: true });
  await producer.connect();
  const replies = new Map<string, CommandReply>();
  const waiters = new Map<string, (reply: CommandReply) => void>();
  const replyConsumer = kafka.consumer({ groupId: uniqueName('fleet-replies'), maxWaitTimeInMs: 50 });
  await replyConsumer.connect();
  await replyConsumer.subscribe({ topic: topics.replies, fromBeginning: true });
  await replyConsumer.run({
    eachMessage: async ({ message }) => {
      const reply = parseReply(message.value);
      if (!reply || replies.has(reply.commandId)) return;
      replies.set(reply.commandId, reply);
      waiters.get(reply.commandId)?.(reply);
    },
  });

  const processors: Partial<Record<AggregateType, CommandProcessor>> = {};
  for (const aggregate of options.aggregates ?? (Object.keys(starters) as AggregateType[])) {
    processors[aggregate] = await starters[aggregate]();
  }

  return {
    kafka,
    topics,
    processors,
    fatal,
    send: async (aggregate, aggregateId, command) => {
      const commandId = randomUUID();
      const full = {
        ...command,
        meta: { commandId, correlationId: `corr-${commandId}`, issuedAt: new Date().toISOString() },
      } as CommandLike;
      await producer.send({
        topic: topics.commands(aggregate),
        messages: [commandMessage(aggregateId, full)],
      });
      return commandId;
    },
    sendRaw: async (aggregate, key, value, headers) => {
      await producer.send({ topic: topics.commands(aggregate), messages: [{ key, value, headers }] });
    },
    reply: (commandId, timeoutMs = 30_000) => {
      const known = replies.get(commandId);
      if (known) return Promise.resolve(known);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no reply to ${commandId} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.set(commandId, (reply) => {
          clearTimeout(timer);
          resolve(reply);
        });
      });
    },
    samePartitionAs: (key, make) => {
      const target = partitionForKey(key, PARTITIONS);
      for (let i = 0; ; i++) {
        const candidate = make(i);
        if (partitionForKey(candidate, PARTITIONS) === target) return candidate;
      }
    },
    read: (topic, done, timeoutMs = 30_000) => consumeUntil(kafka, topic, done, { timeoutMs }),
    close: async () => {
      await Promise.all(Object.values(processors).map((p) => p.stop().catch(() => {})));
      await replyConsumer.disconnect();
      await producer.disconnect();
    },
  };
};
