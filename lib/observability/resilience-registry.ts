import type CircuitBreaker from 'opossum';
import type { Metrics } from './metrics';

/** The part of an opossum breaker we read; structural so tests and wrappers can stand in. */
export interface ObservableBreaker {
  readonly opened: boolean;
  readonly halfOpen: boolean;
  readonly enabled?: boolean;
  readonly stats: CircuitBreaker.Stats;
}

export type BreakerStateName = 'open' | 'halfOpen' | 'closed';

export interface BreakerState {
  name: string;
  state: BreakerStateName;
  enabled: boolean;
  stats: Omit<CircuitBreaker.Stats, 'latencyTimes'>;
}

export interface ResilienceRegistry {
  register(name: string, breaker: ObservableBreaker): void;
  list(): BreakerState[];
}

const STATES: readonly BreakerStateName[] = ['open', 'halfOpen', 'closed'];

const stateOf = (breaker: ObservableBreaker): BreakerStateName =>
  breaker.opened ? 'open' : breaker.halfOpen ? 'halfOpen' : 'closed';

/**
 * Every circuit breaker of a service, by name, for `GET /api/resilience/state` and for the
 * `orderstream_circuit_breaker_state{breaker, state}` gauge (1 for the current state, 0 for the
 * others: the Prometheus enum idiom, so alerts can say `state="open" == 1`).
 */
export function createResilienceRegistry({ metrics }: { metrics?: Metrics } = {}): ResilienceRegistry {
  const breakers = new Map<string, ObservableBreaker>();

  metrics?.gauge({
    name: 'circuit_breaker_state',
    help: 'Circuit breaker state: 1 for the current state of each breaker, 0 otherwise',
    labelNames: ['breaker', 'state'],
    // Read at scrape time, so the gauge can never drift from the breakers' own state.
    collect() {
      for (const [name, breaker] of breakers) {
        const current = stateOf(breaker);
        for (const state of STATES) this.set({ breaker: name, state }, state === current ? 1 : 0);
      }
    },
  });

  return {
    register(name, breaker) {
      // Two breakers under one name would make the state endpoint and the gauge lie.
      if (breakers.has(name)) throw new Error(`circuit breaker "${name}" is registered twice`);
      breakers.set(name, breaker);
    },
    list() {
      return [...breakers].map(([name, breaker]) => {
        const { latencyTimes: _latencyTimes, ...stats } = breaker.stats;
        return { name, state: stateOf(breaker), enabled: breaker.enabled ?? true, stats };
      });
    },
  };
}
