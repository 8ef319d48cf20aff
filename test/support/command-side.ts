import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from '../../lib/adapters/kafka/types';
import pino from 'pino';
import type { OrderCommand } from '../../domain/order/commands';
import { createKafka } from '../../lib/adapters/kafka/client';
import { createSchemaRegistry } from '../../lib/adapters/schema-registry';
import { aggregatePartitioner } from '../../lib/adapters/kafka/aggregate-partitioner';
import { commandMessage, parseReply, type CommandReply } from '../../lib/adapters/kafka/command-protocol';
import { createMetrics } from '../../lib/observability/metrics';
import {
  startCommandProcessor,
  type CommandProcessor,
} from '../../processors/command-side/command-processor';
import { createOrderEventCodec, type EventCodec } from '../../schemas/event-codec';
import type { OrderEvent } from '../../domain/order/events';
import { ordersModule } from '../../processors/command-side/orders-module';
import { ensureTopics, topicDefinitions } from '../../topics/ensure-topics';
import { topicNames, type TopicNames } from '../../topics/names';
import { testEndpoints, uniqueName } from './env';

type Omitted<C> = C extends unknown ? Omit<C, 'meta'> : never;

/** Topics with a fresh prefix, a client to send commands and collect replies. */
export interface CommandSideHarness {
  kafka: Kafka;
  topics: TopicNames;
  prefix: string;
  codec: EventCodec<OrderEvent>;
  send(command: Omitted<OrderCommand>, commandId?: string): Promise<string>;
  sendRaw(key: string, value: string): Promise<void>;
  reply(commandId: string, timeoutMs?: number): Promise<CommandReply>;
  /** Every reply seen for a command id, in arrival order. */
  allReplies(commandId: string): CommandReply[];
  startProcessor(snapshotEvery?: number): Promise<CommandProcessor>;
  /** Restore statistics of every processor this harness started. */
  processorStats(): ReturnType<CommandProcessor['restores']>;
  close(): Promise<void>;
}

/** Pass the prefix of an earlier harness to work on the same topics (a restart). */
export const commandSideHarness = async (existingPrefix?: string): Promise<CommandSideHarness> => {
  const endpoints = testEndpoints();
  const prefix = existingPrefix ?? `${uniqueName('cs')}.`;
  const topics = topicNames(prefix);
  const kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'test-harness' });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, topicDefinitions(prefix));
  await admin.disconnect();

  const producer: Producer = kafka.producer({ createPartitioner: aggregatePartitioner, idempotent: true });
  await producer.connect();
  const replies = new Map<string, CommandReply>();
  const history = new Map<string, CommandReply[]>();
  const waiters = new Map<string, (r: CommandReply) => void>();
  const replyConsumer = kafka.consumer({ groupId: uniqueName('test-replies'), maxWaitTimeInMs: 50 });
  await replyConsumer.connect();
  await replyConsumer.subscribe({ topic: topics.replies, fromBeginning: true });
  await replyConsumer.run({
    eachMessage: async ({ message }) => {
      const reply = parseReply(message.value);
      if (!reply) return;
      if (!replies.has(reply.commandId)) replies.set(reply.commandId, reply);
      history.set(reply.commandId, [...(history.get(reply.commandId) ?? []), reply]);
      waiters.get(reply.commandId)?.(reply);
    },
  });
  const processors: CommandProcessor[] = [];
  const codec = await createOrderEventCodec(
    createSchemaRegistry(endpoints.schemaRegistryUrl),
    topics.events('orders'),
  );

  return {
    kafka,
    topics,
    prefix,
    codec,
    send: async (command, commandId = randomUUID()) => {
      const full = {
        ...command,
        meta: { commandId, correlationId: `corr-${commandId}`, issuedAt: new Date().toISOString() },
      } as OrderCommand;
      await producer.send({
        topic: topics.commands('orders'),
        messages: [commandMessage(full.orderId, full)],
      });
      return commandId;
    },
    sendRaw: async (key, value) => {
      await producer.send({ topic: topics.commands('orders'), messages: [{ key, value }] });
    },
    reply: (commandId, timeoutMs = 30_000) => {
      const known = replies.get(commandId);
      if (known) return Promise.resolve(known);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no reply to ${commandId} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.set(commandId, (r) => {
          clearTimeout(timer);
          resolve(r);
        });
      });
    },
    processorStats: () => processors.flatMap((p) => p.restores()),
    allReplies: (commandId) => history.get(commandId) ?? [],
    startProcessor: async (snapshotEvery = 100) => {
      const processor = await startCommandProcessor({
        kafka,
        module: ordersModule(codec),
        topics,
        groupId: `${prefix}orders-command-processor`,
        snapshotEvery,
        logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
        metrics: createMetrics({ service: 'test', defaultMetrics: false }),
      });
      processors.push(processor);
      return processor;
    },
    close: async () => {
      await Promise.all(processors.map((p) => p.stop().catch(() => {})));
      await replyConsumer.disconnect();
      await producer.disconnect();
    },
  };
};
