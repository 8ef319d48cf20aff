import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, KafkaMessage } from '../../lib/adapters/kafka/client';
import { DependencyError } from '../../lib/errors';
import { parseReply, type CommandReply } from '../../lib/adapters/kafka/command-protocol';
import type { Logger } from '../../lib/observability/logger';
import { createReplyCache } from './reply-cache';
import { startReplyConsumer, type ReplyConsumerState } from './reply-consumer';

export interface ReplyListenerState {
  replyTopic: string;
  replyGroupId: string;
  /** Requests waiting for their reply right now, over every bus sharing this listener. */
  waiting: number;
  cachedReplies: number;
  replyConsumer: ReplyConsumerState;
}

export interface AwaitedReply {
  /** The reply, or undefined once released first. */
  reply: Promise<CommandReply | undefined>;
  /** Stops waiting: `reply` resolves undefined unless it already resolved. Safe to call twice. */
  release(): void;
}

export interface ReplyListener {
  /** Resolves once the consumer has joined its group; concurrent and repeated calls share one start. */
  start(): Promise<void>;
  /** Releases every waiter (their requests answer pending), then disconnects. */
  stop(): Promise<void>;
  /** Call before publishing the command: its reply may arrive before the publish returns. */
  awaitReply(commandId: string): AwaitedReply;
  /** A reply seen recently, for a retried request or the status URL. */
  get(commandId: string): CommandReply | undefined;
  state(): ReplyListenerState;
}

export interface ReplyListenerOptions {
  kafka: Kafka;
  replyTopic: string;
  logger: Logger;
  replyCacheCapacity?: number;
  /** Gives up joining the reply group after this long (default 30 s). */
  startTimeoutMs?: number;
}

type Waiter = (reply: CommandReply | undefined) => void;

/**
 * The reply side of the command API's request/reply (DESIGN §4), shared by the bus of every
 * aggregate: all processors reply on one topic, so one consumer and one cache serve them all.
 * The consumer group is unique per instance, so every instance sees every reply and keeps the
 * ones its requests wait for.
 */
export function createReplyListener({
  kafka,
  replyTopic,
  logger: rootLogger,
  replyCacheCapacity = 10_000,
  startTimeoutMs = 30_000,
}: ReplyListenerOptions): ReplyListener {
  const logger = rootLogger.child({ component: 'reply-listener' });
  const replyGroupId = `command-api-replies-${randomUUID()}`;
  const waiters = new Map<string, Set<Waiter>>();
  const replies = createReplyCache({ capacity: replyCacheCapacity });
  let consumer: Consumer | undefined;
  let starting: Promise<void> | undefined;
  let replyConsumer: ReplyConsumerState = 'stopped';
  let stopped = false;
  let rejoinTimer: NodeJS.Timeout | undefined;
  let rejoinAttempts = 0;
  // The next offset per partition after the last reply seen, where a rejoined consumer resumes.
  const positions = new Map<number, string>();

  const settle = (commandId: string, reply: CommandReply | undefined) => {
    const waiting = waiters.get(commandId);
    waiters.delete(commandId);
    waiting?.forEach((resolve) => resolve(reply));
  };

  const onReply = (message: KafkaMessage, partition: number) => {
    positions.set(partition, (BigInt(message.offset) + 1n).toString());
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

  /**
   * kafkajs restarts the consumer after retriable errors only; after a non-retriable one (e.g.
   * "Failed to find group coordinator" while the broker restarts) it stays down. The API rejoins
   * in-process rather than exiting: its in-flight requests and the reply cache live here, and
   * the consumer holds no state the positions above do not restore.
   */
  const scheduleRejoin = () => {
    if (stopped || rejoinTimer) return;
    const delayMs = Math.min(5_000, 250 * 2 ** rejoinAttempts);
    rejoinAttempts += 1;
    logger.warn({ delayMs, attempt: rejoinAttempts }, 'reply consumer stopped for good; rejoining');
    rejoinTimer = setTimeout(() => {
      rejoinTimer = undefined;
      const old = consumer;
      consumer = undefined;
      void (async () => {
        await old?.disconnect().catch(() => undefined);
        if (stopped) return;
        starting = join();
        await starting.then(
          () => (rejoinAttempts = 0),
          () => scheduleRejoin(),
        );
      })();
    }, delayMs);
  };

  async function join(): Promise<void> {
    try {
      consumer = await startReplyConsumer({
        kafka,
        topic: replyTopic,
        groupId: replyGroupId,
        startTimeoutMs,
        logger,
        resumeFrom: positions,
        onMessage: onReply,
        onState: (state) => {
          replyConsumer = state;
          if (state === 'crashed') scheduleRejoin();
        },
      });
    } catch (err) {
      replyConsumer = 'stopped';
      // A failed start may be retried by calling start() again.
      starting = undefined;
      throw err instanceof DependencyError
        ? err
        : new DependencyError('kafka', `reply listener failed to start: ${(err as Error).message}`, {
            cause: err,
          });
    }
    logger.info({ replyTopic, replyGroupId }, 'reply listener started');
  }

  return {
    start: () => {
      stopped = false;
      return (starting ??= join());
    },

    async stop() {
      stopped = true;
      clearTimeout(rejoinTimer);
      rejoinTimer = undefined;
      for (const commandId of [...waiters.keys()]) settle(commandId, undefined);
      // A start still joining finishes first, so its consumer is disconnected rather than leaked.
      await starting?.catch(() => undefined);
      starting = undefined;
      const c = consumer;
      consumer = undefined;
      await c?.disconnect().catch(() => undefined);
      replyConsumer = 'stopped';
    },

    awaitReply(commandId) {
      let resolveWaiter: Waiter = () => undefined;
      const reply = new Promise<CommandReply | undefined>((resolve) => (resolveWaiter = resolve));
      const forCommand = waiters.get(commandId) ?? new Set<Waiter>();
      forCommand.add(resolveWaiter);
      waiters.set(commandId, forCommand);
      return {
        reply,
        release() {
          forCommand.delete(resolveWaiter);
          if (forCommand.size === 0 && waiters.get(commandId) === forCommand) waiters.delete(commandId);
          resolveWaiter(undefined);
        },
      };
    },

    get: (commandId) => replies.get(commandId),

    state: () => ({
      replyTopic,
      replyGroupId,
      waiting: [...waiters.values()].reduce((n, set) => n + set.size, 0),
      cachedReplies: replies.size,
      replyConsumer,
    }),
  };
}
