import type { OrderRecord } from '../chaos/observer';
import { overloadStepOf } from './overload-step';

const record = (placedAt: number, decidedAt?: number): OrderRecord => ({
  state: { status: 'Placed' } as OrderRecord['state'],
  version: 2,
  placedAt,
  ...(decidedAt !== undefined ? { decidedAt } : {}),
});

describe('the overload step', () => {
  const base = { rate: 20, capacityPerSecond: 10, seconds: 10, from: 0, to: 10_000 };

  it('counts what was admitted and refused, the decisions inside the window, and the recovery', () => {
    const step = overloadStepOf({
      ...base,
      orders: [
        { orderId: 'a', placed: 200, attempts: 1 },
        { orderId: 'b', placed: 202, attempts: 3 },
        { orderId: 'c', placed: 429, attempts: 9 },
        { attempts: 4, created: 429 },
      ],
      errors: { 'http 429': 12 },
      records: new Map([
        ['a', record(1_000, 2_000)],
        ['b', record(9_000, 13_500)],
      ]),
    });
    expect(step).toMatchObject({
      started: 4,
      placed: 2,
      refused: 12,
      // One decision inside the 10 s window: 6 a minute.
      decidedPerMinute: 6,
      recoverySeconds: 3.5,
    });
    expect(step.placedToDecidedMs.p99).toBeGreaterThanOrEqual(4_500);
  });

  it('says there was no recovery when an admitted order was never decided', () => {
    const step = overloadStepOf({
      ...base,
      orders: [{ orderId: 'a', placed: 200, attempts: 1 }],
      errors: {},
      records: new Map([['a', record(1_000)]]),
    });
    expect(step.recoverySeconds).toBeUndefined();
    expect(step.refused).toBe(0);
  });
});
