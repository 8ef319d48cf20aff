import type { ClientOrder } from '../chaos/load';
import type { OrderRecord } from '../chaos/observer';
import type { SagaStep } from './model';
import { newHistogram, summarize } from './open-model';
import type { ProcessUsage } from './process-usage';

/**
 * One saga step's figures from what the client sent in it and what the event store says happened:
 * latencies come from the saga's own event timestamps (placed, decided, completed), throughput
 * from the decisions that fell inside the step's window (moved by the median latency), whichever
 * step placed them.
 */
export const sagaStepOf = (input: {
  rate: number;
  seconds: number;
  from: number;
  to: number;
  load: { orders(): readonly ClientOrder[]; errors(): Record<string, number> };
  usage: ProcessUsage[];
  records: ReadonlyMap<string, OrderRecord>;
}): SagaStep => {
  const { records } = input;
  const placedIds = input.load
    .orders()
    .filter((o) => o.orderId !== undefined && (o.placed === 200 || o.placed === 202))
    .map((o) => o.orderId as string);
  const toDecided = newHistogram();
  const toCompleted = newHistogram();
  let decided = 0;
  let completed = 0;
  let cancelled = 0;
  for (const id of placedIds) {
    const r = records.get(id);
    if (!r?.placedAt) continue;
    if (r.decidedAt !== undefined) {
      decided += 1;
      toDecided.recordValue(Math.max(1, r.decidedAt - r.placedAt));
    }
    if (r.state.status === 'Completed' && r.terminalAt !== undefined) {
      completed += 1;
      toCompleted.recordValue(Math.max(1, r.terminalAt - r.placedAt));
    }
    if (r.state.status === 'Cancelled') cancelled += 1;
  }
  // Throughput is what the system decided while this step's load was in it: the step's window,
  // moved later by the step's median placed→decided time (an order placed at the start of the
  // step is decided that much later). A system that keeps up decides the offered rate there.
  const lag = toDecided.totalCount > 0 ? toDecided.getValueAtPercentile(50) : 0;
  let decidedInWindow = 0;
  for (const r of records.values()) {
    if (r.decidedAt !== undefined && r.decidedAt >= input.from + lag && r.decidedAt < input.to + lag)
      decidedInWindow += 1;
  }
  const cpuSeconds = input.usage.reduce((sum, p) => sum + p.cpuSeconds, 0);
  return {
    offeredPerSecond: input.rate,
    seconds: input.seconds,
    placed: placedIds.length,
    decided,
    completed,
    cancelled,
    decidedPerMinute: (decidedInWindow * 60_000) / Math.max(1, input.to - input.from),
    placedToDecidedMs: summarize(toDecided),
    placedToCompletedMs: summarize(toCompleted),
    clientErrors: input.load.errors(),
    processes: input.usage,
    cpuMsPerOrder: placedIds.length > 0 ? (cpuSeconds * 1000) / placedIds.length : 0,
  };
};
