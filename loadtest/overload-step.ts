import type { ClientOrder } from '../chaos/load';
import type { OrderRecord } from '../chaos/observer';
import type { OverloadStep } from './model';
import { newHistogram, summarize } from './open-model';

/**
 * The overload step's figures: what was admitted and refused, what the system decided while the
 * overload ran, and how long after the arrivals stopped the last admitted order was decided.
 */
export const overloadStepOf = (input: {
  rate: number;
  capacityPerSecond: number;
  seconds: number;
  from: number;
  to: number;
  orders: readonly ClientOrder[];
  errors: Record<string, number>;
  records: ReadonlyMap<string, OrderRecord>;
}): OverloadStep => {
  const placedIds = input.orders
    .filter((o) => o.orderId !== undefined && (o.placed === 200 || o.placed === 202))
    .map((o) => o.orderId as string);
  const toDecided = newHistogram();
  let lastDecidedAt = input.to;
  let undecided = 0;
  for (const id of placedIds) {
    const r = input.records.get(id);
    if (r?.placedAt === undefined || r.decidedAt === undefined) {
      undecided += 1;
      continue;
    }
    toDecided.recordValue(Math.max(1, r.decidedAt - r.placedAt));
    lastDecidedAt = Math.max(lastDecidedAt, r.decidedAt);
  }
  let decidedInWindow = 0;
  for (const r of input.records.values())
    if (r.decidedAt !== undefined && r.decidedAt >= input.from && r.decidedAt < input.to)
      decidedInWindow += 1;
  return {
    offeredPerSecond: input.rate,
    capacityPerSecond: input.capacityPerSecond,
    seconds: input.seconds,
    started: input.orders.length,
    placed: placedIds.length,
    refused: input.errors['http 429'] ?? 0,
    decidedPerMinute: (decidedInWindow * 60_000) / Math.max(1, input.to - input.from),
    placedToDecidedMs: summarize(toDecided),
    recoverySeconds: undecided === 0 ? Math.round((lastDecidedAt - input.to) / 100) / 10 : undefined,
    clientErrors: input.errors,
  };
};
