import type { Metrics } from '../observability/metrics';
import type { Bulkhead } from './bulkhead';

export interface ClientMetrics {
  /** One finished call (retries included): `orderstream_external_calls_total` and its duration. */
  called(operation: string, outcome: string, seconds: number): void;
  retried(): void;
}

// A gauge is created once per registry, but every client on it has a bulkhead: its collect()
// must read all of them, not only the first client's.
const bulkheadsByMetrics = new WeakMap<Metrics, Map<string, Bulkhead>>();

/**
 * The series of one dependency's client. The external service goes in a `dependency` label,
 * not `service`: every series already carries `service` (the calling process) as a registry
 * default label, and a metric label of the same name would silently replace it.
 */
export function createClientMetrics(metrics: Metrics, dependency: string, bulkhead: Bulkhead): ClientMetrics {
  const calls = metrics.counter<'dependency' | 'operation' | 'outcome'>({
    name: 'external_calls_total',
    help: 'Calls to external services by dependency, operation and outcome (after retries)',
    labelNames: ['dependency', 'operation', 'outcome'],
  });
  const retries = metrics.counter<'dependency'>({
    name: 'retries_total',
    help: 'Retries of failed calls to a dependency',
    labelNames: ['dependency'],
  });
  const duration = metrics.histogram<'dependency' | 'operation' | 'outcome'>({
    name: 'external_call_duration_seconds',
    help: 'Duration of calls to external services, retries and backoff included',
    labelNames: ['dependency', 'operation', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });

  let bulkheads = bulkheadsByMetrics.get(metrics);
  if (!bulkheads) {
    const all = new Map<string, Bulkhead>();
    bulkheads = all;
    bulkheadsByMetrics.set(metrics, all);
    metrics.gauge<'dependency' | 'state'>({
      name: 'bulkhead_calls',
      help: 'Calls to a dependency holding a bulkhead slot (active) or waiting for one (queued)',
      labelNames: ['dependency', 'state'],
      collect() {
        for (const [name, each] of all) {
          this.set({ dependency: name, state: 'active' }, each.active);
          this.set({ dependency: name, state: 'queued' }, each.queued);
        }
      },
    });
  }
  bulkheads.set(dependency, bulkhead);

  return {
    called(operation, outcome, seconds) {
      const labels = { dependency, operation, outcome };
      calls.inc(labels);
      duration.observe(labels, seconds);
    },
    retried: () => retries.inc({ dependency }),
  };
}
