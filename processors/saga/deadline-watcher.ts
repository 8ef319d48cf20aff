import type { Kafka, Message, Producer } from '../../lib/adapters/kafka/types';
import type { Context } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { CancelOrder } from '../../domain/order/commands';
import { aggregatePartitioner } from '../../lib/adapters/kafka/aggregate-partitioner';
import { commandMessage } from '../../lib/adapters/kafka/command-protocol';
import type { Metrics } from '../../lib/observability/metrics';
import { activeTraceContext, inSpan } from '../../lib/observability/tracing';
import type { TopicNames } from '../../topics/names';
import { followEvents } from '../../lib/adapters/kafka/event-follower';
import { sagaTimings } from './saga-timings';
import { runEvery } from '../../lib/process/run-every';
import type { OrderEventType } from '../../domain/order/events';
import { CANCELLABLE_STATUSES, STATUS_AFTER } from '../../domain/order/state';

export interface DeadlineWatcherOptions {
  kafka: Kafka;
  topics: TopicNames;
  decode: (type: string, value: Buffer) => Promise<{ type: string; data: unknown }>;
  /** A placed order not Shipped, Completed or Cancelled after this long is cancelled. */
  deadlineMs: number;
  checkEveryMs?: number;
  now?: () => number;
  logger: Logger;
  metrics: Metrics;
  /** Its follower stopped for good: the process should exit (its supervisor restarts it). */
  onFatal?: (error: Error) => void;
}

/** The dead-letter group of records the watcher cannot follow. */
export const DEADLINE_WATCHER_GROUP = 'deadline-watcher';

/** Statuses in which a stuck (placed) order can still be compensated by cancelling it. */
const CANCELLABLE = new Set<string>(CANCELLABLE_STATUSES.filter((status) => status !== 'Draft'));

/**
 * G6: every placed order ends. Orders stuck before shipping past the deadline (a lost
 * reply, a partner that never answers) are cancelled with DEADLINE_EXCEEDED; the cancel
 * triggers the usual compensations (release stock, refund).
 */
export const startDeadlineWatcher = async (
  options: DeadlineWatcherOptions,
): Promise<{ stop(): Promise<void> }> => {
  const { kafka, topics, logger } = options;
  const now = options.now ?? Date.now;
  const open = new Map<
    string,
    {
      status: string;
      placedAt: number;
      attempts: number;
      lastSentAt?: number;
      correlationId?: string;
      trace: Context;
    }
  >();
  const expired = options.metrics.counter({
    name: 'saga_deadline_cancellations_total',
    help: 'Orders cancelled because their saga exceeded the deadline',
  });
  const timings = sagaTimings(options.metrics, now());
  options.metrics.gauge({
    name: 'saga_overdue_orders',
    help: 'Placed orders still undecided (not shipped, completed or cancelled) past the saga deadline',
    collect() {
      let overdue = 0;
      for (const order of open.values())
        if (CANCELLABLE.has(order.status) && now() - order.placedAt >= options.deadlineMs) overdue += 1;
      this.set(overdue);
    },
  });

  const follower = await followEvents({
    kafka,
    topic: topics.events('orders'),
    decode: options.decode,
    deadLetterTopic: topics.deadLetter(DEADLINE_WATCHER_GROUP),
    logger,
    ...(options.onFatal ? { onFatal: options.onFatal } : {}),
    onEvent: (event) => {
      const placed = open.get(event.aggregateId);
      if (placed) timings.observe(event, placed.placedAt);
      if (event.type === 'OrderCompleted' || event.type === 'OrderCancelled') {
        open.delete(event.aggregateId);
        return;
      }
      const status = STATUS_AFTER[event.type as OrderEventType];
      // A draft is not the saga's yet: its clock starts when it is placed.
      if (!status || status === 'Draft') return;
      const known = open.get(event.aggregateId);
      if (known) known.status = status;
      else
        open.set(event.aggregateId, {
          status,
          placedAt: Date.parse(event.occurredAt) || now(),
          attempts: 0,
          // The cancel continues the order's story (its correlation and trace) rather than starting one.
          ...(event.correlationId ? { correlationId: event.correlationId } : {}),
          trace: activeTraceContext(),
        });
    },
  });

  const producer: Producer = kafka.producer({ createPartitioner: aggregatePartitioner, idempotent: true });
  await producer.connect();
  const tick = async (): Promise<void> => {
    const due: { cancel: CancelOrder; message: Message }[] = [];
    for (const [orderId, order] of open) {
      if (!CANCELLABLE.has(order.status) || now() - order.placedAt < options.deadlineMs) continue;
      // Ask again only after another deadline period, with a new id, if the first was lost.
      if (order.lastSentAt !== undefined && now() - order.lastSentAt < options.deadlineMs) continue;
      order.attempts += 1;
      order.lastSentAt = now();
      const commandId = `deadline:${orderId}:${order.attempts}`;
      const cancel: CancelOrder = {
        type: 'CancelOrder',
        orderId,
        reason: `the order did not progress past ${order.status} within ${Math.round(options.deadlineMs / 1000)} s`,
        reasonCode: 'DEADLINE_EXCEEDED',
        meta: {
          commandId,
          correlationId: order.correlationId ?? commandId,
          issuedAt: new Date(now()).toISOString(),
        },
      };
      const message = inSpan('deadline-watcher CancelOrder', () => commandMessage(orderId, cancel), {
        parent: order.trace,
      });
      due.push({ cancel, message });
    }
    if (due.length === 0) return;
    await producer.send({ topic: topics.commands('orders'), messages: due.map((d) => d.message) });
    expired.inc(due.length);
    logger.warn({ orders: due.map((d) => d.cancel.orderId) }, 'saga deadline exceeded: cancelling');
  };
  const timer = runEvery(options.checkEveryMs ?? 1_000, tick, (err) =>
    logger.error({ err }, 'deadline check failed'),
  );

  return {
    stop: async () => {
      timer.stop();
      await follower.stop();
      await producer.disconnect();
    },
  };
};
