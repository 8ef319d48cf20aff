import type { Metrics } from '../../lib/observability/metrics';

/** Seconds; a healthy saga decides in well under a second, a stuck one waits out its deadline. */
export const SAGA_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** The steps of a saga that goes well, each named by the event that ends it. */
const STEP_ENDED_BY: Record<string, string> = {
  OrderInventoryReserved: 'reserve',
  OrderPaid: 'pay',
  OrderShipped: 'ship',
  OrderCompleted: 'complete',
};

export type DecisionOutcome = 'paid' | 'cancelled';
export type TerminalOutcome = 'completed' | 'cancelled';

export interface SagaTimings {
  /** One event of an order whose OrderPlaced happened at `placedAt` (epoch ms). */
  observe(event: { type: string; aggregateId: string; occurredAt: string }, placedAt: number): void;
}

/**
 * Saga durations from the orders' own event times, placed → decided (paid or cancelled) and
 * placed → terminal (completed or cancelled). Events that occurred before `since` are history the
 * previous process already counted: a restart replays them and must not count them twice.
 */
export const sagaTimings = (metrics: Metrics, since: number): SagaTimings => {
  const decided = metrics.histogram<'outcome'>({
    name: 'saga_decision_duration_seconds',
    help: 'Time from OrderPlaced to the saga deciding the order (paid or cancelled), by outcome',
    labelNames: ['outcome'],
    buckets: SAGA_DURATION_BUCKETS,
  });
  const terminal = metrics.histogram<'outcome'>({
    name: 'saga_duration_seconds',
    help: 'Time from OrderPlaced to the order ending (completed or cancelled), by outcome',
    labelNames: ['outcome'],
    buckets: SAGA_DURATION_BUCKETS,
  });
  const steps = metrics.histogram<'step'>({
    name: 'saga_step_duration_seconds',
    help: 'Time each step of the saga took (reserve, pay, ship, complete), from the end of the one before',
    labelNames: ['step'],
    buckets: SAGA_DURATION_BUCKETS,
  });
  // Orders paid already: their later cancellation is a compensation, not the decision.
  const paid = new Set<string>();
  // When each open order's last step ended (its OrderPlaced for the first one).
  const lastStepAt = new Map<string, number>();
  return {
    observe(event, placedAt) {
      const at = Date.parse(event.occurredAt);
      if (!Number.isFinite(at) || at < since) return;
      const seconds = Math.max(0, (at - placedAt) / 1000);
      const step = STEP_ENDED_BY[event.type];
      if (step) {
        steps.observe({ step }, Math.max(0, (at - (lastStepAt.get(event.aggregateId) ?? placedAt)) / 1000));
        lastStepAt.set(event.aggregateId, at);
      }
      if (event.type === 'OrderCompleted' || event.type === 'OrderCancelled')
        lastStepAt.delete(event.aggregateId);
      switch (event.type) {
        case 'OrderPaid':
          paid.add(event.aggregateId);
          decided.observe({ outcome: 'paid' }, seconds);
          return;
        case 'OrderCancelled':
          if (!paid.delete(event.aggregateId)) decided.observe({ outcome: 'cancelled' }, seconds);
          terminal.observe({ outcome: 'cancelled' }, seconds);
          return;
        case 'OrderCompleted':
          paid.delete(event.aggregateId);
          terminal.observe({ outcome: 'completed' }, seconds);
          return;
        default:
          return;
      }
    },
  };
};
