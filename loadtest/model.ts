import type { ProfileSummary } from '../benchmarks/lib/cpu-profile';
import type { BenchmarkResult } from '../benchmarks/lib/results';
import type { LatencySummary, OpenModelResult } from './open-model';
import type { ProcessUsage } from './process-usage';

/** One constant-rate step of orders through the saga. */
export interface SagaStep {
  offeredPerSecond: number;
  seconds: number;
  /** Orders whose place request was accepted in the step. */
  placed: number;
  /** Of those, decided (Shipped or Cancelled) and ended, by the end of the run. */
  decided: number;
  completed: number;
  cancelled: number;
  /**
   * Decisions per minute inside the step's window moved later by its median placed→decided time:
   * what the system kept up with while this step's load was in it.
   */
  decidedPerMinute: number;
  /** From the saga's own event timestamps (OrderPlaced → OrderShipped/OrderCancelled, → OrderCompleted). */
  placedToDecidedMs: LatencySummary;
  placedToCompletedMs: LatencySummary;
  /** Client-side failures of create/place (after its retries), by kind. */
  clientErrors: Record<string, number>;
  processes: ProcessUsage[];
  /** CPU of every measured process over the step, per order placed in it. */
  cpuMsPerOrder: number;
}

/** One constant-rate step of reads against the query API. */
export interface ApiStep {
  offeredPerSecond: number;
  seconds: number;
  result: OpenModelResult;
  processes: ProcessUsage[];
}

/** SSE watchers on orders placed during the run: how long after the saga ended them they heard it. */
export interface SseResult {
  watchers: number;
  heardTerminal: number;
  /** From the terminal event's timestamp to the stream's terminal status. */
  terminalToStreamMs: LatencySummary;
  errors: Record<string, number>;
}

/** Offered twice the measured capacity: what the system admits, decides, refuses, and how it recovers. */
export interface OverloadStep {
  offeredPerSecond: number;
  /** The capacity the overload is twice of: the most decided per second in the saga steps. */
  capacityPerSecond: number;
  seconds: number;
  /** Orders the clients started, and those whose place the API admitted. */
  started: number;
  placed: number;
  /** Answers 429 the clients got (they back off by Retry-After and ask again). */
  refused: number;
  /** Decisions per minute while the overload ran. */
  decidedPerMinute: number;
  placedToDecidedMs: LatencySummary;
  /** From the end of arrivals until every placed order was decided; undefined if some never were. */
  recoverySeconds: number | undefined;
  clientErrors: Record<string, number>;
}

/** A window with nothing offered: what each process costs with no orders to handle. */
export interface IdleWindow {
  seconds: number;
  processes: ProcessUsage[];
}

export interface LoadtestResult extends Pick<BenchmarkResult, 'date' | 'commit' | 'dirty' | 'machine'> {
  profile: string;
  settings: Record<string, string | number | boolean>;
  saga: SagaStep[];
  api: ApiStep[];
  sse?: SseResult;
  overload?: OverloadStep;
  /** Every process with no load at all, after the warm-up's orders had ended: the idle cost. */
  idle?: IdleWindow;
  /** Where each service's CPU went over the whole run, from V8 CPU profiles (busiest first). */
  cpuProfiles?: ProfileSummary[];
}

/**
 * The saturation point: the first step that did not keep up (decisions per minute below 90 % of
 * the offered rate, or a placed→decided p99 above the 5 s target). Undefined when every step held.
 */
export const saturationOf = (
  steps: readonly SagaStep[],
  targetP99Ms = 5_000,
): { step: SagaStep; why: string } | undefined => {
  for (const step of steps) {
    const offeredPerMinute = step.offeredPerSecond * 60;
    if (step.decidedPerMinute < 0.9 * offeredPerMinute) {
      return {
        step,
        why: `decided ${Math.round(step.decidedPerMinute)}/min of ${offeredPerMinute}/min offered`,
      };
    }
    if (step.placedToDecidedMs.p99 > targetP99Ms) {
      return {
        step,
        why: `placed→decided p99 ${(step.placedToDecidedMs.p99 / 1000).toFixed(1)} s > ${targetP99Ms / 1000} s`,
      };
    }
  }
  return undefined;
};

export interface Comparison {
  metric: string;
  before: number | undefined;
  after: number;
  /** after/before, where both exist. */
  ratio: number | undefined;
}

/** The headline figures of a run, comparable across runs with the same steps. */
export const headlines = (result: LoadtestResult): Record<string, number> => {
  const figures: Record<string, number> = {};
  for (const step of result.saga) {
    const at = `${step.offeredPerSecond}/s`;
    figures[`saga ${at}: decided/min`] = Math.round(step.decidedPerMinute);
    figures[`saga ${at}: placed→decided p99 ms`] = step.placedToDecidedMs.p99;
    figures[`saga ${at}: CPU ms/order`] = Math.round(step.cpuMsPerOrder);
  }
  for (const step of result.api) {
    const at = `${step.offeredPerSecond}/s`;
    figures[`api ${at}: achieved req/s`] = Math.round(step.result.achievedPerSecond);
    for (const [kind, latency] of Object.entries(step.result.latency))
      figures[`api ${at}: ${kind} p99 ms`] = latency.p99;
  }
  return figures;
};

/** Before/after on the figures both runs have, and the new ones. */
export const compare = (current: LoadtestResult, previous: LoadtestResult | undefined): Comparison[] => {
  const before = previous ? headlines(previous) : {};
  return Object.entries(headlines(current)).map(([metric, after]) => {
    const was = before[metric];
    return { metric, before: was, after, ratio: was ? after / was : undefined };
  });
};

/** The load generator's own row in the per-process table: measured, but not part of the system. */
export const HARNESS_PROCESS = 'loadtest harness';

/** 10,000 orders a minute, the target, per second. */
export const TARGET_ORDERS_PER_SECOND = 10_000 / 60;

/** One process's CPU per decided order, and the cores it would need at the target rate. */
export interface ProcessProjection {
  name: string;
  /** At the busiest step: the process's CPU over the orders decided in it (its idle cost included). */
  averageMsPerOrder: number;
  /** Between the first and the busiest step: the extra CPU per extra decided order (idle cost left out). */
  marginalMsPerOrder: number | undefined;
  coresAtTarget: { average: number; marginal: number | undefined };
}

/**
 * What the measured CPU says the same design needs at `targetPerSecond` decided orders: each
 * process's cores from its CPU per decided order, once with the idle cost spread over the orders
 * (an upper bound) and once as its idle cost plus the extra CPU each order adds (a lower bound).
 * The extra CPU per order is the busiest step's CPU above the measured idle window, per decided
 * order; without an idle window, the slope between the first and the busiest step (negative
 * slopes counted as zero). Decided rather than placed orders, since a saturated step places more
 * than it decides. The load generator is left out. Undefined when no step decided anything.
 */
export const projectCores = (
  steps: readonly SagaStep[],
  targetPerSecond = TARGET_ORDERS_PER_SECOND,
  idle?: IdleWindow,
): { targetPerSecond: number; processes: ProcessProjection[] } | undefined => {
  const decidedPerSecond = (s: SagaStep) => s.decidedPerMinute / 60;
  const busiest = [...steps].sort((a, b) => decidedPerSecond(b) - decidedPerSecond(a))[0];
  const first = steps[0];
  if (!busiest || !first || decidedPerSecond(busiest) <= 0) return undefined;
  const span = decidedPerSecond(busiest) - decidedPerSecond(first);
  const processes = busiest.processes
    .filter((p) => p.name !== HARNESS_PROCESS)
    .map((p): ProcessProjection => {
      const averageMsPerOrder = (p.cores * 1000) / decidedPerSecond(busiest);
      // The idle cost and the extra CPU per order: measured with no load, or from the slope.
      let idleCores: number | undefined;
      let marginalMsPerOrder: number | undefined;
      if (idle) {
        idleCores = idle.processes.find((x) => x.name === p.name)?.cores;
        if (idleCores !== undefined)
          marginalMsPerOrder = Math.max(0, ((p.cores - idleCores) * 1000) / decidedPerSecond(busiest));
      } else {
        const before = first.processes.find((x) => x.name === p.name);
        if (before && span > 0) {
          marginalMsPerOrder = Math.max(0, ((p.cores - before.cores) * 1000) / span);
          idleCores = Math.max(0, before.cores - (marginalMsPerOrder * decidedPerSecond(first)) / 1000);
        }
      }
      return {
        name: p.name,
        averageMsPerOrder,
        marginalMsPerOrder,
        coresAtTarget: {
          average: (averageMsPerOrder * targetPerSecond) / 1000,
          marginal:
            marginalMsPerOrder === undefined || idleCores === undefined
              ? undefined
              : idleCores + (marginalMsPerOrder * targetPerSecond) / 1000,
        },
      };
    });
  return { targetPerSecond, processes: processes.sort((a, b) => b.averageMsPerOrder - a.averageMsPerOrder) };
};
