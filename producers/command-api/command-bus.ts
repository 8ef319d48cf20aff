import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, KafkaMessage, Producer } from '../../lib/adapters/kafka';
import { DependencyError } from '../../lib/errors';
import { aggregatePartitioner } from '../../lib/kafka/aggregate-partitioner';
import {
  commandMessage,
  parseReply,
  type CommandLike,
  type CommandReply,
} from '../../lib/kafka/command-protocol';
import type { FailureInjector } from '../../lib/observability/failure-injector';
import type { Logger } from '../../lib/observability/logger';
import type { Metrics } from '../../lib/observability/metrics';
import type { AggregateType, TopicNames } from '../../topics/names';
import { createReplyCache } from './reply-cache';
import { startReplyConsumer, type ReplyConsumerState } from './reply-consumer';

export type SendResult =
  { status: 'replied'; reply: CommandReply } | { status: 'pending'; commandId: string };

export interface CommandBusState {
  running: boolean;
  commandTopic: string;
  replyTopic: string;
  replyGroupId: string;
  /** Requests waiting for their reply right now. */
  waiting: number;
  cachedReplies: number;
  replyConsumer: ReplyConsumerState;
}

export interface CommandBus {
  /** Resolves once the reply consumer has joined its group, so no reply to a later send is missed. */
  start(): Promise<void>;
  /** Waiting requests resolve as pending (their commands are out); then the clients disconnect. */
  stop(): Promise<void>;
  /** Publishes the command and waits for its reply, at most `replyTimeoutMs` in all. */
  send(aggregateId: string, command: CommandLike): Promise<SendResult>;
  /** A reply this instance has seen, for the status URL of a command that outlived its request. */
  replyFor(commandId: string): CommandReply | undefined;
  state(): CommandBusState;
}

export interface CommandBusOptions {
  kafka: Kafka;
  topics: TopicNames;
  replyTimeoutMs: number;
  logger: Logger;
  aggregate?: AggregateType;
  replyCacheCapacity?: number;
  /** Gives up joining the reply group after this long (default 30 s). */
  startTimeoutMs?: number;
  metrics?: Metrics;
  failures?: FailureInjector;
}

type Waiter = (reply: CommandReply | undefined) => void;

/**
 * Request/reply over Kafka for the HTTP command API (DESIGN §4). Commands go to the aggregate's
 * commands topic keyed by aggregate id, through the murmur2 aggregate partitioner, so a command
 * lands on the partition that owns the aggregate. Replies are read by a consumer group of its own
 * per instance: every instance sees every reply and keeps the ones its requests wait for.
 */
export function createCommandBus({
  kafka,
  topics,
  replyTimeoutMs,
  logger: rootLogger,
  aggregate = 'orders',
  replyCacheCapacity = 10_000,
  startTimeoutMs = 30_000,
  metrics,
  failures,
}: CommandBusOptions): CommandBus {
  const logger = rootLogger.child({ component: 'command-bus' });
  const commandTopic = topics.commands(aggregate);
  const replyTopic = topics.replies;
  const replyGroupId = `command-api-replies-${randomUUID()}`;
  const waiters = new Map<string, Set<Waiter>>();
  const replies = createReplyCache({ capacity: replyCacheCapacity });
  const duration = metrics?.histogram<'command' | 'outcome'>({
    name: 'command_duration_seconds',
    help: 'Time from publishing a command to its reply (or giving up), by command type and outcome',
    labelNames: ['command', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });

  let producer: Producer | undefined;
  let consumer: Consumer | undefined;
  let running = false;
  let replyConsumer: CommandBusState['replyConsumer'] = 'stopped';

  const settle = (commandId: string, reply: CommandReply | undefined) => {
    const waiting = waiters.get(commandId);
    waiters.delete(commandId);
    waiting?.forEach((resolve) => resolve(reply));
  };

  const onReply = (message: KafkaMessage) => {
    const reply = parseReply(message.value);
    if (!reply) {
      logger.warn(
        { offset: message.offset },
        'ignoring a record on the reply topic that is not a command reply',
      );
      return;
    }
    replies.set(reply);
    settle(reply.commandId, reply);
  };

  async function startProducer(): Promise<Producer> {
    const p = kafka.producer({
      idempotent: true,
      createPartitioner: aggregatePartitioner,
      allowAutoTopicCreation: false,
      // kafkajs' idempotent default is to retry forever, which would hold HTTP requests during an
      // outage. A bounded retry fails with 503 instead; a client retry reuses the command id (with
      // an Idempotency-Key), and the processor deduplicates by command id, so nothing runs twice.
      retry: { retries: 5 },
    });
    await p.connect();
    return p;
  }

  async function waitForReply(commandId: string, waiter: Promise<CommandReply | undefined>, ms: number) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, ms), undefined);
    });
    const reply = await Promise.race([waiter, timeout]);
    clearTimeout(timer);
    return reply ?? replies.get(commandId);
  }

  return {
    async start() {
      if (running) return;
      const [c, p] = await Promise.allSettled([
        startReplyConsumer({
          kafka,
          topic: replyTopic,
          groupId: replyGroupId,
          startTimeoutMs,
          logger,
          onMessage: onReply,
          onState: (state) => (replyConsumer = state),
        }),
        startProducer(),
      ]);
      if (c.status === 'rejected' || p.status === 'rejected') {
        // Half a bus would hold connections open and keep the process alive; close what did start.
        await Promise.allSettled([
          c.status === 'fulfilled' ? c.value.disconnect() : undefined,
          p.status === 'fulfilled' ? p.value.disconnect() : undefined,
        ]);
        replyConsumer = 'stopped';
        const failure: unknown = c.status === 'rejected' ? c.reason : (p as PromiseRejectedResult).reason;
        throw failure instanceof DependencyError
          ? failure
          : new DependencyError('kafka', `command bus failed to start: ${(failure as Error).message}`, {
              cause: failure,
            });
      }
      consumer = c.value;
      producer = p.value;
      running = true;
      logger.info({ commandTopic, replyTopic, replyGroupId }, 'command bus started');
    },

    async stop() {
      running = false;
      for (const commandId of [...waiters.keys()]) settle(commandId, undefined);
      const [c, p] = [consumer, producer];
      consumer = undefined;
      producer = undefined;
      await Promise.allSettled([c?.disconnect(), p?.disconnect()]);
      replyConsumer = 'stopped';
    },

    async send(aggregateId, command) {
      if (!running || !producer) {
        throw new DependencyError('kafka', 'the command bus is not running', { retriable: true });
      }
      const started = performance.now();
      const { commandId } = command.meta;
      const observe = (outcome: string) =>
        duration?.observe({ command: command.type, outcome }, (performance.now() - started) / 1000);

      // A retried request (same Idempotency-Key, same command id) whose reply is already here.
      const known = replies.get(commandId);
      if (known) {
        observe(known.ok ? 'ok' : 'rejected');
        return { status: 'replied', reply: known };
      }

      // Registered before publishing: the reply may arrive before `send` returns.
      let resolveWaiter: Waiter = () => undefined;
      const waiter = new Promise<CommandReply | undefined>((resolve) => (resolveWaiter = resolve));
      const forCommand = waiters.get(commandId) ?? new Set<Waiter>();
      forCommand.add(resolveWaiter);
      waiters.set(commandId, forCommand);
      const forget = () => {
        forCommand.delete(resolveWaiter);
        if (forCommand.size === 0 && waiters.get(commandId) === forCommand) waiters.delete(commandId);
      };

      try {
        await failures?.before('kafka');
        await producer.send({
          topic: commandTopic,
          acks: -1,
          messages: [commandMessage(aggregateId, command)],
        });
      } catch (err) {
        forget();
        observe('failed');
        if (err instanceof DependencyError) throw err;
        throw new DependencyError('kafka', `publishing ${command.type} failed: ${(err as Error).message}`, {
          cause: err,
        });
      }

      const reply = await waitForReply(commandId, waiter, replyTimeoutMs - (performance.now() - started));
      forget();
      if (!reply) {
        observe('pending');
        logger.info({ commandId, aggregateId, replyTimeoutMs }, 'no reply in time; answering pending');
        return { status: 'pending', commandId };
      }
      observe(reply.ok ? 'ok' : 'rejected');
      return { status: 'replied', reply };
    },

    replyFor: (commandId) => replies.get(commandId),

    state: () => ({
      running,
      commandTopic,
      replyTopic,
      replyGroupId,
      waiting: [...waiters.values()].reduce((n, set) => n + set.size, 0),
      cachedReplies: replies.size,
      replyConsumer,
    }),
  };
}
