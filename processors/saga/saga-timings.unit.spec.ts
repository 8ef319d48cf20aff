import { createMetrics } from '../../lib/observability/metrics';
import { sagaTimings } from './saga-timings';

const PLACED = Date.parse('2026-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(PLACED + seconds * 1000).toISOString();

const histogram = async (metrics: ReturnType<typeof createMetrics>, name: string, label = 'outcome') => {
  const metric = metrics.registry.getSingleMetric(`orderstream_${name}`);
  const values = (await metric?.get())?.values ?? [];
  const by = (suffix: string) =>
    Object.fromEntries(
      values
        .filter((v) => (v as { metricName?: string }).metricName === `orderstream_${name}_${suffix}`)
        .map((v) => [String(v.labels[label]), v.value]),
    );
  return { count: by('count'), sum: by('sum') };
};

describe('saga timings', () => {
  it('times placed → decided and placed → terminal from the events, by outcome', async () => {
    const metrics = createMetrics({ service: 't', defaultMetrics: false });
    const timings = sagaTimings(metrics, PLACED - 1);
    timings.observe({ type: 'OrderInventoryReserved', aggregateId: 'a', occurredAt: at(0.5) }, PLACED);
    timings.observe({ type: 'OrderPaid', aggregateId: 'a', occurredAt: at(1) }, PLACED);
    timings.observe({ type: 'OrderCompleted', aggregateId: 'a', occurredAt: at(4) }, PLACED);
    timings.observe({ type: 'OrderCancelled', aggregateId: 'b', occurredAt: at(2) }, PLACED);
    // Paid, then cancelled (a compensation): the decision was the payment, the end a cancellation.
    timings.observe({ type: 'OrderPaid', aggregateId: 'c', occurredAt: at(1) }, PLACED);
    timings.observe({ type: 'OrderCancelled', aggregateId: 'c', occurredAt: at(8) }, PLACED);

    expect(await histogram(metrics, 'saga_decision_duration_seconds')).toEqual({
      count: { paid: 2, cancelled: 1 },
      sum: { paid: 2, cancelled: 2 },
    });
    expect(await histogram(metrics, 'saga_duration_seconds')).toEqual({
      count: { completed: 1, cancelled: 2 },
      sum: { completed: 4, cancelled: 10 },
    });
  });

  it('does not count again what happened before the process started (a replay after restart)', async () => {
    const metrics = createMetrics({ service: 't', defaultMetrics: false });
    const timings = sagaTimings(metrics, PLACED + 5_000);
    timings.observe({ type: 'OrderPaid', aggregateId: 'a', occurredAt: at(1) }, PLACED);
    timings.observe({ type: 'OrderCompleted', aggregateId: 'a', occurredAt: at(6) }, PLACED);
    expect(await histogram(metrics, 'saga_decision_duration_seconds')).toEqual({ count: {}, sum: {} });
    expect(await histogram(metrics, 'saga_duration_seconds')).toEqual({
      count: { completed: 1 },
      sum: { completed: 6 },
    });
  });

  it('times each step from the end of the one before: reserve, pay, ship, complete', async () => {
    const metrics = createMetrics({ service: 't', defaultMetrics: false });
    const timings = sagaTimings(metrics, PLACED - 1);
    timings.observe({ type: 'OrderItemReserved', aggregateId: 'a', occurredAt: at(0.2) }, PLACED);
    timings.observe({ type: 'OrderInventoryReserved', aggregateId: 'a', occurredAt: at(0.5) }, PLACED);
    timings.observe({ type: 'OrderPaid', aggregateId: 'a', occurredAt: at(2) }, PLACED);
    timings.observe({ type: 'OrderShipped', aggregateId: 'a', occurredAt: at(2.25) }, PLACED);
    timings.observe({ type: 'OrderCompleted', aggregateId: 'a', occurredAt: at(7.25) }, PLACED);
    // A cancelled order ends no step after its last one.
    timings.observe({ type: 'OrderInventoryReserved', aggregateId: 'b', occurredAt: at(1) }, PLACED);
    timings.observe({ type: 'OrderCancelled', aggregateId: 'b', occurredAt: at(3) }, PLACED);
    expect(await histogram(metrics, 'saga_step_duration_seconds', 'step')).toEqual({
      count: { reserve: 2, pay: 1, ship: 1, complete: 1 },
      sum: { reserve: 1.5, pay: 1.5, ship: 0.25, complete: 5 },
    });
  });
});
