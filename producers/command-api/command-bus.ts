import type { Kafka, Producer } from '../../lib/adapters/kafka/client';
import { DependencyError } from '../../lib/errors';
import { aggregatePartitioner } from '../../lib/adapters/kafka/aggregate-partitioner';
import {
  commandMessage,
  type CommandLike,
  type CommandReply,
} from '../../lib/adapters/kafka/command-protocol';
import type { FailureInjector } from '../../lib/observability/failure-injector';
import type { Logger } from '../../lib/observability/logger';
import type { Metrics } from '../../lib/observability/metrics';
import type { AggregateType, TopicNames } from '../../topics/names';
import type { ReplyListener } from './reply-listener';

export type SendResult =
  { status: 'replied'; reply: CommandReply } | { status: 'pending'; commandId: string };

export interface CommandBusState {
  running: boolean;
  aggregate: AggregateType;
  commandTopic: string;
  /** This bus's requests waiting for their reply right now. */
  waiting: number;
}

export interface CommandBus {
  /** Connects the producer. The shared reply listener is started by its owner, not here. */
  start(): Promise<void>;
  /** Waiting requests resolve as pending (their commands are out); then the producer disconnects. */
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
  /** Shared by the buses of one instance: every processor replies on the one reply topic. */
  replies: ReplyListener;
  replyTimeoutMs: number;
  logger: Logger;
  aggregate?: AggregateType;
  metrics?: Metrics;
  failures?: FailureInjector;
}

/**
 * Request/reply over Kafka for the HTTP command API (DESIGN §4), for one aggregate. Commands go
 * to the aggregate's commands topic keyed by aggregate id, through the murmur2 aggregate
 * partitioner, so a command lands on the partition that owns the aggregate; the reply comes
 * through the listener shared with the other aggregates' buses.
 */
export function createCommandBus({
  kafka,
  topics,
  replies,
  replyTimeoutMs,
  logger: rootLogger,
  aggregate = 'orders',
  metrics,
  failures,
}: CommandBusOptions): CommandBus {
  const logger = rootLogger.child({ component: 'command-bus', aggregate });
  const commandTopic = topics.commands(aggregate);
  // Every bus registers the same histogram; the registry hands back the one already there.
  const duration = metrics?.histogram<'command' | 'outcome'>({
    name: 'command_duration_seconds',
    help: 'Time from publishing a command to its reply (or giving up), by command type and outcome',
    labelNames: ['command', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  // This bus's waits, released as pending on stop(); the listener may outlive the bus.
  const inFlight = new Set<() => void>();

  let producer: Producer | undefined;
  let running = false;

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

  async function waitForReply(commandId: string, reply: Promise<CommandReply | undefined>, ms: number) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, ms), undefined);
    });
    const replied = await Promise.race([reply, timeout]);
    clearTimeout(timer);
    return replied ?? replies.get(commandId);
  }

  return {
    async start() {
      if (running) return;
      try {
        producer = await startProducer();
      } catch (err) {
        throw new DependencyError('kafka', `command bus failed to start: ${(err as Error).message}`, {
          cause: err,
        });
      }
      running = true;
      logger.info({ commandTopic }, 'command bus started');
    },

    async stop() {
      running = false;
      for (const release of [...inFlight]) release();
      const p = producer;
      producer = undefined;
      await p?.disconnect().catch(() => undefined);
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

      const awaited = replies.awaitReply(commandId);
      inFlight.add(awaited.release);
      const forget = () => {
        inFlight.delete(awaited.release);
        awaited.release();
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

      const reply = await waitForReply(
        commandId,
        awaited.reply,
        replyTimeoutMs - (performance.now() - started),
      );
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

    state: () => ({ running, aggregate, commandTopic, waiting: inFlight.size }),
  };
}
