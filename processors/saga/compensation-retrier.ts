import type { Kafka, Producer } from '../../lib/adapters/kafka/types';
import type { Context } from '@opentelemetry/api';
import type { Logger } from 'pino';
import {
  DEFAULT_COMPENSATION_POLICY,
  nextCompensationStep,
  type Compensation,
  type CompensationPolicy,
  type CompensationStep,
} from '../../domain/saga/compensation-retry';
import { aggregatePartitioner } from '../../lib/adapters/kafka/aggregate-partitioner';
import { commandMessage } from '../../lib/adapters/kafka/command-protocol';
import { readDeadLetters } from '../../lib/adapters/kafka/dead-letters';
import { HEADERS, headerString } from '../../lib/adapters/kafka/headers';
import type { Metrics } from '../../lib/observability/metrics';
import { activeTraceContext, inSpan } from '../../lib/observability/tracing';
import type { TopicNames } from '../../topics/names';
import { followEvents, type FollowedEvent } from '../../lib/adapters/kafka/event-follower';
import { runEvery } from '../../lib/process/run-every';

type Decode = (type: string, value: Buffer) => Promise<{ type: string; data: unknown }>;

export interface CompensationRetrierOptions {
  kafka: Kafka;
  topics: TopicNames;
  decoders: { payments: Decode; shipments: Decode };
  policy?: CompensationPolicy;
  checkEveryMs?: number;
  now?: () => number;
  logger: Logger;
  metrics: Metrics;
  onFatal?: (error: Error) => void;
}

/** Where parked compensations wait for an operator: `npm run dlq -- list compensations`. */
export const COMPENSATIONS_GROUP = 'compensations';

interface Pending {
  failures: number;
  step?: CompensationStep;
  /** The step was carried out (retry sent, or command parked) by this process. */
  done: boolean;
  /** The trace of the last failure: a retry continues it. */
  trace: Context;
}

/** Which events of the two streams start, count and end a compensation's failures. */
const FAILED: Record<string, Compensation | undefined> = {
  PaymentRefundFailed: 'refund',
  ShipmentVoidFailed: 'void',
};
const SETTLED: Record<string, Compensation | undefined> = {
  PaymentRefunded: 'refund',
  ShipmentVoided: 'void',
  // A delivered parcel cannot be voided any more: nothing left to retry.
  ShipmentDelivered: 'void',
};

/**
 * Money and stock always settle (G6): a refund or a label void that failed is sent again after a
 * delay, under new command ids but the same idempotency key, until the payment is Refunded or
 * the shipment Voided; after the policy's attempts the command is parked on
 * deadletter.compensations with the reason, and `npm run dlq -- redrive compensations …` sends
 * it to its command topic when the party is back.
 *
 * Why here and not in the effect (failing the command batch) or in the saga's retry topics:
 * a failing batch holds up every command of its payments or shipments partition, captures of
 * other orders included, for as long as the party is away; the saga's retry topics re-run a
 * reaction whose input is already settled, not a call whose answer arrives later as an event.
 * Driven by the aggregates' own events (PaymentRefundFailed, ShipmentVoidFailed), the retries
 * survive a restart: like the deadline watcher, this follower rebuilds what is pending from the
 * log, and the deterministic command ids make a repeat after a restart a duplicate.
 */
export const startCompensationRetrier = async (
  options: CompensationRetrierOptions,
): Promise<{ stop(): Promise<void> }> => {
  const { kafka, topics, logger } = options;
  const now = options.now ?? Date.now;
  const policy = options.policy ?? DEFAULT_COMPENSATION_POLICY;
  const deadLetterTopic = topics.deadLetter(COMPENSATIONS_GROUP);
  const pending = new Map<string, Pending>();
  const retried = options.metrics.counter<'compensation'>({
    name: 'saga_compensation_retries_total',
    help: 'Refunds and label voids sent again after a failure',
    labelNames: ['compensation'],
  });
  const parkedTotal = options.metrics.counter<'compensation'>({
    name: 'saga_compensations_parked_total',
    help: 'Refunds and label voids parked for an operator after their last attempt',
    labelNames: ['compensation'],
  });

  // Parked before a restart: the ids say which, so each is parked once.
  const parked = new Set<string>();
  for (const { message } of await readDeadLetters(kafka, deadLetterTopic)) {
    const id = headerString(message.headers, HEADERS.commandId);
    if (id) parked.add(id);
  }

  const onEvent = (event: FollowedEvent): void => {
    const failed = FAILED[event.type];
    const settled = SETTLED[event.type];
    if (settled) pending.delete(`${settled}:${event.aggregateId}`);
    if (!failed) return;
    const key = `${failed}:${event.aggregateId}`;
    const entry = pending.get(key) ?? { failures: 0, done: false, trace: activeTraceContext() };
    entry.failures += 1;
    entry.done = false;
    entry.trace = activeTraceContext();
    entry.step = nextCompensationStep(
      {
        compensation: failed,
        orderId: event.aggregateId,
        failures: entry.failures,
        reason: (event.data as { reason?: string }).reason ?? 'unknown',
        failedAt: event.occurredAt,
        correlationId: event.correlationId,
      },
      policy,
    );
    pending.set(key, entry);
  };

  const followers = [
    await followEvents({
      kafka,
      topic: topics.events('payments'),
      decode: options.decoders.payments,
      onEvent,
      logger,
      ...(options.onFatal ? { onFatal: options.onFatal } : {}),
    }),
    await followEvents({
      kafka,
      topic: topics.events('shipments'),
      decode: options.decoders.shipments,
      onEvent,
      logger,
      ...(options.onFatal ? { onFatal: options.onFatal } : {}),
    }),
  ];

  const producer: Producer = kafka.producer({ createPartitioner: aggregatePartitioner, idempotent: true });
  await producer.connect();

  const tick = async (): Promise<void> => {
    for (const [key, entry] of pending) {
      const { step } = entry;
      if (entry.done || !step) continue;
      const { aggregate, aggregateId, command } = step.command;
      if (step.action === 'retry') {
        if (step.dueAtMs > now()) continue;
        await producer.send({
          topic: topics.commands(aggregate),
          messages: [
            inSpan(`compensation-retrier ${command.type}`, () => commandMessage(aggregateId, command), {
              parent: entry.trace,
            }),
          ],
        });
        retried.inc({ compensation: key.split(':')[0] as string });
        logger.info(
          { orderId: aggregateId, command: command.type, attempt: entry.failures + 1 },
          'compensation retried',
        );
      } else if (!parked.has(command.meta.commandId)) {
        const message = commandMessage(aggregateId, command);
        await producer.send({
          topic: deadLetterTopic,
          messages: [
            {
              ...message,
              headers: {
                ...message.headers,
                [HEADERS.deadLetterReason]: step.reason.slice(0, 1_000),
                // Re-driven to the command topic; no partition: the aggregate partitioner places it.
                [HEADERS.deadLetterSource]: `${topics.commands(aggregate)}/-/-`,
                [HEADERS.deadLetterAttempts]: String(entry.failures),
              },
            },
          ],
        });
        parked.add(command.meta.commandId);
        parkedTotal.inc({ compensation: key.split(':')[0] as string });
        logger.error(
          { orderId: aggregateId, command: command.type, reason: step.reason },
          'compensation parked',
        );
      }
      entry.done = true;
    }
  };

  const timer = runEvery(options.checkEveryMs ?? 250, tick, (err) =>
    logger.error({ err }, 'compensation retry round failed; will try again'),
  );

  return {
    stop: async () => {
      timer.stop();
      for (const follower of followers) await follower.stop();
      await producer.disconnect();
    },
  };
};
