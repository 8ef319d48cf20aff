import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Consumer, Kafka, Producer } from '../../lib/adapters/kafka/types';
import { catalog } from '../../domain/catalog/catalog';
import type { CreateOrder } from '../../domain/order/commands';
import { createKafka } from '../../lib/adapters/kafka/client';
import { createSchemaRegistry } from '../../lib/adapters/schema-registry';
import { aggregatePartitioner } from '../../lib/adapters/kafka/aggregate-partitioner';
import { commandMessage, parseReply } from '../../lib/adapters/kafka/command-protocol';
import { partitionForKey } from '../../lib/adapters/kafka/murmur2';
import { startSupervisor, type RestartPolicy, type Supervisor } from '../../lib/process/supervisor';
import { catalogs } from '../../schemas/catalogs';
import { registerEventSchemas } from '../../schemas/register-schemas';
import { ensureTopics, topicDefinitions } from '../../topics/ensure-topics';
import { topicNames, type AggregateType, type TopicNames } from '../../topics/names';

const ROOT = join(__dirname, '..', '..');

export interface SupervisedProcessorsOptions {
  kafkaBrokers: string;
  schemaRegistryUrl: string;
  /** Topic prefix; a fresh one by default. */
  prefix?: string;
  /** Extra environment of the processors process (group settings, log level). */
  env?: NodeJS.ProcessEnv;
  policy?: Partial<RestartPolicy>;
}

export interface SupervisedProcessors {
  supervisor: Supervisor;
  topics: TopicNames;
  /** The last lines the processors wrote, for a failure message. */
  recentOutput(): string[];
  stop(): Promise<void>;
}

/** Topics and event schemas of a fresh prefix, as `npm start` applies them. */
export const prepareTopicsAndSchemas = async (
  kafka: Kafka,
  schemaRegistryUrl: string,
  topics: TopicNames,
): Promise<void> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, topicDefinitions(topics.prefix));
  } finally {
    await admin.disconnect();
  }
  const registry = createSchemaRegistry(schemaRegistryUrl);
  for (const [aggregate, schemas] of Object.entries(catalogs)) {
    await registerEventSchemas(registry, topics.events(aggregate as AggregateType), schemas.catalog.entries);
  }
};

/**
 * The real processors process (processors/main.ts) under the supervisor `npm start` uses, on
 * the given Kafka, with its health port chosen by the OS: what the failover benchmark and the
 * fault tests kill and watch come back.
 */
export const startSupervisedProcessors = async (
  options: SupervisedProcessorsOptions,
): Promise<SupervisedProcessors> => {
  const topics = topicNames(options.prefix ?? `failover-${randomUUID().slice(0, 8)}.`);
  const kafka = createKafka({ brokers: options.kafkaBrokers, clientId: 'supervised-processors' });
  await prepareTopicsAndSchemas(kafka, options.schemaRegistryUrl, topics);
  const output: string[] = [];
  const supervisor = startSupervisor({
    children: [
      {
        name: 'processors',
        command: process.execPath,
        args: ['--import', 'tsx', join(ROOT, 'processors/main.ts')],
        cwd: ROOT,
        env: {
          ...process.env,
          KAFKA_BROKERS: options.kafkaBrokers,
          SCHEMA_REGISTRY_URL: options.schemaRegistryUrl,
          ORDERSTREAM_TOPIC_PREFIX: topics.prefix,
          HEALTH_PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
          ...options.env,
        },
      },
    ],
    ...(options.policy ? { policy: options.policy } : {}),
    output: (name, _stream, line) => {
      output.push(`${name}| ${line}`);
      if (output.length > 200) output.shift();
    },
  });
  return { supervisor, topics, recentOutput: () => [...output], stop: () => supervisor.stop() };
};

export interface SentCommand {
  commandId: string;
  orderId: string;
  partition: number;
  /** When the publish was acknowledged (after any retries). */
  sentAt: number;
  /** When its reply was first seen. */
  repliedAt?: number;
}

export interface OrderTraffic {
  readonly sent: SentCommand[];
  /** Commands whose publish was refused so far and retried (the broker was away). */
  readonly publishRetries: number;
  /** Sends one CreateOrder, retrying the publish with the same command id until the broker takes it. */
  sendOne(): Promise<SentCommand>;
  /** Sends at `perSecond` until the returned function is called. */
  flow(perSecond: number): () => Promise<void>;
  unanswered(): SentCommand[];
  close(): Promise<void>;
}

const products = catalog.list();

/**
 * CreateOrder commands straight onto the orders commands topic and their replies read back by
 * command id, from the beginning of the reply topic, by a consumer that rejoins when kafkajs
 * gives up on it (a broker restart): the client side of a fault test, kept out of the way of the
 * parts under test.
 */
export const startOrderTraffic = async (kafkaBrokers: string, topics: TopicNames): Promise<OrderTraffic> => {
  const kafka = createKafka({ brokers: kafkaBrokers, clientId: 'order-traffic' });
  const admin = kafka.admin();
  await admin.connect();
  const partitions = (await admin.fetchTopicMetadata({ topics: [topics.commands('orders')] })).topics[0]
    ?.partitions.length as number;
  await admin.disconnect();
  const producer: Producer = kafka.producer({ createPartitioner: aggregatePartitioner, idempotent: true });
  await producer.connect();
  const sent: SentCommand[] = [];
  const byId = new Map<string, SentCommand>();
  const repliedEarly = new Map<string, number>();
  let publishRetries = 0;
  let closed = false;
  let consumer: Consumer | undefined;

  const follow = async (): Promise<void> => {
    const c = kafka.consumer({ groupId: `order-traffic-${randomUUID()}`, maxWaitTimeInMs: 50 });
    consumer = c;
    c.on(c.events.CRASH, ({ payload }) => {
      if (payload.restart || closed) return;
      void c.disconnect().catch(() => undefined);
      setTimeout(() => void follow().catch(() => undefined), 500);
    });
    await c.connect();
    await c.subscribe({ topic: topics.replies, fromBeginning: true });
    await c.run({
      eachMessage: async ({ message }) => {
        const reply = parseReply(message.value);
        if (!reply) return;
        const command = byId.get(reply.commandId);
        if (command) command.repliedAt ??= Date.now();
        else if (!repliedEarly.has(reply.commandId)) repliedEarly.set(reply.commandId, Date.now());
      },
    });
  };
  await follow();

  let n = 0;
  const sendOne = async (): Promise<SentCommand> => {
    const i = n++;
    const orderId = `order-${randomUUID()}`;
    const product = products[i % products.length] as (typeof products)[number];
    const commandId = randomUUID();
    const command: CreateOrder = {
      type: 'CreateOrder',
      orderId,
      customerId: `c-${i % 100}`,
      currency: 'EUR',
      items: [{ sku: product.sku, quantity: 1, unitPrice: product.price }],
      meta: { commandId, correlationId: commandId, issuedAt: new Date().toISOString() },
    };
    for (;;) {
      try {
        await producer.send({
          topic: topics.commands('orders'),
          acks: -1,
          messages: [commandMessage(orderId, command)],
        });
        break;
      } catch (err) {
        if (closed) throw err;
        publishRetries += 1;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const record: SentCommand = {
      commandId,
      orderId,
      partition: partitionForKey(orderId, partitions),
      sentAt: Date.now(),
    };
    const early = repliedEarly.get(commandId);
    if (early !== undefined) record.repliedAt = early;
    sent.push(record);
    byId.set(commandId, record);
    return record;
  };

  return {
    sent,
    get publishRetries() {
      return publishRetries;
    },
    sendOne,
    flow(perSecond) {
      let running = true;
      const inFlight = new Set<Promise<unknown>>();
      const timer = setInterval(() => {
        if (!running) return;
        const p = sendOne().catch(() => undefined);
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      }, 1000 / perSecond);
      return async () => {
        running = false;
        clearInterval(timer);
        await Promise.all([...inFlight]);
      };
    },
    unanswered: () => sent.filter((c) => c.repliedAt === undefined),
    async close() {
      closed = true;
      await Promise.allSettled([consumer?.disconnect(), producer.disconnect()]);
    },
  };
};

/**
 * How long after `killedAt` each partition answered again: per partition, the first reply seen
 * after the kill. The failover gap is the largest; partitions without a command since are left out.
 */
export const partitionGaps = (sent: readonly SentCommand[], killedAt: number): Map<number, number> => {
  const gaps = new Map<number, number>();
  for (const c of sent) {
    if (c.repliedAt === undefined || c.repliedAt <= killedAt) continue;
    const gap = c.repliedAt - killedAt;
    if (gap < (gaps.get(c.partition) ?? Infinity)) gaps.set(c.partition, gap);
  }
  return gaps;
};
