import { HARNESS_PROCESS, type LoadtestResult, type SagaStep } from './model';
import { renderMarkdown } from './report';

const latency = { count: 1, p50: 500, p95: 900, p99: 1_000, max: 1_000 };
const usage = (name: string, cores: number) => ({ name, cpuSeconds: cores * 20, cores, rssMiB: 100 });

const step = (offeredPerSecond: number, decidedPerMinute: number, saga: number): SagaStep => ({
  offeredPerSecond,
  seconds: 20,
  placed: offeredPerSecond * 20,
  decided: offeredPerSecond * 20,
  completed: offeredPerSecond * 20,
  cancelled: 0,
  decidedPerMinute,
  placedToDecidedMs: latency,
  placedToCompletedMs: latency,
  clientErrors: {},
  processes: [usage('saga', saga), usage('orders-processor', 0.2), usage(HARNESS_PROCESS, 0.1)],
  cpuMsPerOrder: 80,
});

const result = (extra: Partial<LoadtestResult>): LoadtestResult => ({
  date: '2026-12-04T00:00:00.000Z',
  commit: 'abc1234',
  dirty: false,
  machine: { cpuModel: 'test', cores: 2, totalMemoryGiB: 24, os: 'Linux', node: 'v20' },
  profile: 'quick',
  settings: { pipelineProcesses: 'per-part' },
  saga: [step(5, 300, 0.3), step(10, 600, 0.5)],
  api: [],
  ...extra,
});

describe('the load-test report', () => {
  it('shows the idle window beside the steps and takes it as the idle cost of the lower bound', () => {
    // given a run with a measured idle window: the saga costs 0.1 cores idle, 0.5 at 10 decided/s
    const markdown = renderMarkdown(
      result({ idle: { seconds: 20, processes: [usage('saga', 0.1), usage('orders-processor', 0.05)] } }),
      undefined,
      {},
    );
    // then the CPU table has an idle column, and the saga's extra CPU is (0.5 - 0.1) / 10 s = 40 ms
    expect(markdown).toContain('| process | idle | 5/s | 10/s |');
    expect(markdown).toContain('| saga | 0.10 (100 MiB) | 0.30 (100 MiB) | 0.50 (100 MiB) |');
    expect(markdown).toContain('Its idle cost (the 20 s with nothing offered)');
    // 50 ms per order at the busiest step; 0.1 + 40 ms × 166.7/s = 6.8 cores lower, 8.3 upper
    expect(markdown).toContain('| saga | 50 | 40 | 8.3 / 6.8 |');
    expect(markdown).toContain('each part of the pipeline in a process of its own');
  });

  it('falls back to the slope between steps without an idle window, and says how to run the parts apart', () => {
    const markdown = renderMarkdown(result({ settings: { pipelineProcesses: 'one' } }), undefined, {});
    expect(markdown).toContain('| process | 5/s | 10/s |');
    expect(markdown).toContain('between the first and the busiest step');
    expect(markdown).toContain('npm run loadtest -- quick --per-part');
  });

  it('marks a read step whose generator fell behind its own schedule as harness-bound', () => {
    const read = (offeredPerSecond: number, lagP99: number) => ({
      offeredPerSecond,
      seconds: 20,
      result: {
        offered: offeredPerSecond * 20,
        ok: offeredPerSecond * 20,
        errors: {},
        latency: { 'order by id': latency },
        achievedPerSecond: offeredPerSecond,
        sendLag: { ...latency, p99: lagP99 },
      },
      processes: [],
    });
    const markdown = renderMarkdown(result({ api: [read(500, 3), read(2_000, 4_200)] }), undefined, {});
    expect(markdown).toContain(
      '| 500 req/s for 20 s | 500 req/s | order by id: 500 ms / 900 ms / 1000 ms / 1000 ms | 3 ms | none |',
    );
    expect(markdown).toContain('| 4200 ms (harness-bound) |');
  });

  it('gives the overload as a multiple of the measured capacity and what share of it was decided', () => {
    const markdown = renderMarkdown(
      result({
        overload: {
          offeredPerSecond: 40,
          capacityPerSecond: 19.25,
          seconds: 120,
          started: 4800,
          placed: 3306,
          refused: 53865,
          decidedPerMinute: 1019,
          placedToDecidedMs: latency,
          recoverySeconds: 84.9,
          clientErrors: {},
        },
      }),
      undefined,
      {},
    );
    expect(markdown).toContain(
      '40 orders/s offered for 120 s, 2.1× the 19.3/s the saga steps decided; 1019/min decided meanwhile is 88 % of that.',
    );
  });
});
