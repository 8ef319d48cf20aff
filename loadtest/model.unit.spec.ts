import type { OrderRecord } from '../chaos/observer';
import { orderDecider } from '../domain/order/decider';
import {
  compare,
  HARNESS_PROCESS,
  projectCores,
  saturationOf,
  type LoadtestResult,
  type SagaStep,
} from './model';
import { sagaStepOf } from './saga-step';

const latency = (p99: number) => ({ count: 1, p50: p99 / 2, p95: p99, p99, max: p99 });

const step = (offeredPerSecond: number, decidedPerMinute: number, p99: number): SagaStep => ({
  offeredPerSecond,
  seconds: 60,
  placed: offeredPerSecond * 60,
  decided: offeredPerSecond * 60,
  completed: offeredPerSecond * 60,
  cancelled: 0,
  decidedPerMinute,
  placedToDecidedMs: latency(p99),
  placedToCompletedMs: latency(p99),
  clientErrors: {},
  processes: [],
  cpuMsPerOrder: 80,
});

describe('saturation point', () => {
  it('is the first step that decides less than 90 % of what is offered', () => {
    const steps = [step(10, 600, 1_000), step(25, 1_300, 2_000), step(50, 2_000, 3_000)];
    expect(saturationOf(steps)?.step.offeredPerSecond).toBe(25);
  });

  it('is the first step whose placed→decided p99 misses the target, even at full throughput', () => {
    const steps = [step(10, 600, 1_000), step(25, 1_500, 6_000)];
    expect(saturationOf(steps)).toMatchObject({
      step: { offeredPerSecond: 25 },
      why: expect.stringContaining('p99 6.0 s'),
    });
  });

  it('is absent when every step keeps up', () => {
    expect(saturationOf([step(10, 600, 1_000)])).toBeUndefined();
  });
});

describe('before / after', () => {
  const run = (steps: SagaStep[]): LoadtestResult =>
    ({
      date: 'd',
      commit: 'c',
      dirty: false,
      machine: {} as never,
      profile: 'quick',
      settings: {},
      saga: steps,
      api: [],
    }) as LoadtestResult;

  it('compares the figures both runs have and leaves new ones without a ratio', () => {
    const rows = compare(run([step(10, 600, 1_000), step(25, 1_000, 4_000)]), run([step(10, 500, 2_000)]));
    expect(rows.find((r) => r.metric === 'saga 10/s: decided/min')).toEqual({
      metric: 'saga 10/s: decided/min',
      before: 500,
      after: 600,
      ratio: 1.2,
    });
    expect(rows.find((r) => r.metric === 'saga 10/s: placed→decided p99 ms')?.ratio).toBe(0.5);
    expect(rows.find((r) => r.metric === 'saga 25/s: decided/min')).toMatchObject({
      before: undefined,
      ratio: undefined,
    });
  });
});

describe('a saga step from the event store', () => {
  const record = (
    status: string,
    placedAt: number,
    decidedAt?: number,
    terminalAt?: number,
  ): OrderRecord => ({
    state: { ...orderDecider.initialState(), status } as OrderRecord['state'],
    version: 8,
    placedAt,
    ...(decidedAt !== undefined ? { decidedAt } : {}),
    ...(terminalAt !== undefined ? { terminalAt } : {}),
  });

  it('times each placed order by its own events and counts decisions inside the window moved by the median latency', () => {
    const records = new Map<string, OrderRecord>([
      ['a', record('Completed', 1_000, 1_500, 3_000)],
      ['b', record('Cancelled', 2_000, 4_000, 4_000)],
      ['c', record('Placed', 2_500)],
      // decided inside the moved window, placed by an earlier step: counts for throughput only
      ['old', record('Shipped', 0, 5_000)],
      // decided before the moved window opens (median latency 500 ms): not this step's throughput
      ['early', record('Shipped', 0, 300)],
    ]);
    const placedOrders = ['a', 'b', 'c'].map((orderId) => ({ orderId, placed: 200, attempts: 1 }));
    const s = sagaStepOf({
      rate: 1,
      seconds: 10,
      from: 0,
      to: 10_000,
      load: {
        orders: () => [...placedOrders, { orderId: 'refused', placed: 409, attempts: 1 }],
        errors: () => ({}),
      },
      usage: [{ name: 'processors', cpuSeconds: 0.3, cores: 0.03, rssMiB: 100 }],
      records,
    });
    expect(s).toMatchObject({ placed: 3, decided: 2, completed: 1, cancelled: 1, decidedPerMinute: 18 });
    expect(s.placedToDecidedMs).toMatchObject({ count: 2, max: expect.closeTo(2_000, -1) });
    expect(s.placedToCompletedMs).toMatchObject({ count: 1, p50: expect.closeTo(2_000, -1) });
    expect(s.cpuMsPerOrder).toBeCloseTo(100);
  });
});

describe('cores projected to the target rate', () => {
  const usage = (name: string, cores: number) => ({ name, cpuSeconds: cores * 60, cores, rssMiB: 100 });
  // 3 and 6 decided orders/s; "saga" costs 0.1 cores idle and 50 ms per order, "kafka" drops a little.
  const steps = [
    {
      ...step(5, 180, 1_000),
      processes: [usage('saga', 0.25), usage('kafka', 0.5), usage(HARNESS_PROCESS, 0.1)],
    },
    {
      ...step(15, 360, 9_000),
      processes: [usage('saga', 0.4), usage('kafka', 0.45), usage(HARNESS_PROCESS, 0.2)],
    },
  ];

  it('gives each process its CPU per decided order at the busiest step, idle cost included', () => {
    const projection = projectCores(steps, 100);
    const saga = projection?.processes.find((p) => p.name === 'saga');
    expect(saga?.averageMsPerOrder).toBeCloseTo(400 / 6);
    expect(saga?.coresAtTarget.average).toBeCloseTo((400 / 6) * 0.1);
  });

  it('takes the slope between steps as the marginal cost, on top of the idle cost', () => {
    const saga = projectCores(steps, 100)?.processes.find((p) => p.name === 'saga');
    expect(saga?.marginalMsPerOrder).toBeCloseTo(50);
    expect(saga?.coresAtTarget.marginal).toBeCloseTo(0.1 + 5);
  });

  it('counts a falling process as costing nothing per extra order, lists the costliest first, leaves out the load generator', () => {
    const projection = projectCores(steps, 100);
    expect(projection?.processes.map((p) => p.name)).toEqual(['kafka', 'saga']);
    expect(projection?.processes[0]?.marginalMsPerOrder).toBe(0);
  });

  it('has nothing to say when no step decided an order', () => {
    expect(projectCores([step(5, 0, 0)])).toBeUndefined();
  });

  it('takes the measured idle window, when there is one, as the idle cost instead of the slope', () => {
    // Idle: saga 0.1 cores, kafka 0.3; at the busiest step (6 decided/s) 0.4 and 0.45.
    const idle = { seconds: 20, processes: [usage('saga', 0.1), usage('kafka', 0.3)] };
    const projection = projectCores(steps, 100, idle);
    const saga = projection?.processes.find((p) => p.name === 'saga');
    expect(saga?.marginalMsPerOrder).toBeCloseTo(300 / 6);
    expect(saga?.coresAtTarget.marginal).toBeCloseTo(0.1 + 5);
    const kafka = projection?.processes.find((p) => p.name === 'kafka');
    expect(kafka?.marginalMsPerOrder).toBeCloseTo(150 / 6);
    expect(kafka?.coresAtTarget.marginal).toBeCloseTo(0.3 + 2.5);
  });

  it('leaves the lower bound open for a process the idle window did not see', () => {
    const idle = { seconds: 20, processes: [usage('saga', 0.1)] };
    const kafka = projectCores(steps, 100, idle)?.processes.find((p) => p.name === 'kafka');
    expect(kafka?.marginalMsPerOrder).toBeUndefined();
    expect(kafka?.coresAtTarget.marginal).toBeUndefined();
    expect(kafka?.coresAtTarget.average).toBeCloseTo((450 / 6) * 0.1);
  });
});
