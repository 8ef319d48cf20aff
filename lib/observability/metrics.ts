import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const METRIC_PREFIX = 'orderstream_';

/** Seconds; from a fast cache hit (~1 ms) to a command waiting out its reply timeout (~10 s). */
export const HTTP_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface MetricConfig<L extends string> {
  /** With or without the `orderstream_` prefix; it is added when missing. */
  name: string;
  help: string;
  labelNames?: readonly L[];
}

export type HttpLabels = 'method' | 'route' | 'status';

export interface Metrics {
  readonly service: string;
  readonly registry: Registry;
  /** Get-or-create, so two modules asking for the same metric share it instead of crashing. */
  counter<L extends string = never>(config: MetricConfig<L>): Counter<L>;
  gauge<L extends string = never>(config: MetricConfig<L> & { collect?: (this: Gauge<L>) => void }): Gauge<L>;
  histogram<L extends string = never>(config: MetricConfig<L> & { buckets?: number[] }): Histogram<L>;
  /** `orderstream_http_request_duration_seconds{method, route, status}`; route is the template. */
  readonly httpRequestDuration: Histogram<HttpLabels>;
}

export interface MetricsOptions {
  service: string;
  /** Process metrics (CPU, memory, event loop lag, GC); off only in tests that count series. */
  defaultMetrics?: boolean;
}

export const metricName = (name: string): string =>
  name.startsWith(METRIC_PREFIX) ? name : `${METRIC_PREFIX}${name}`;

/**
 * One registry per service instance rather than prom-client's global one, so several services
 * (or tests) in one process never collide on names and each `/metrics` shows only its own series.
 * Every series carries `service`, so dashboards can aggregate across services by name.
 */
export function createMetrics({ service, defaultMetrics = true }: MetricsOptions): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (defaultMetrics) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });

  function getOrCreate<M>(
    kind: new (config: never) => M,
    config: { name: string },
    create: (name: string) => M,
  ): M {
    const name = metricName(config.name);
    const existing = registry.getSingleMetric(name);
    if (existing === undefined) return create(name);
    if (existing instanceof kind) return existing;
    throw new TypeError(`metric ${name} is already registered as a different type`);
  }

  const metrics: Metrics = {
    service,
    registry,
    counter: (config) =>
      getOrCreate(Counter, config, (name) => new Counter({ ...config, name, registers: [registry] })),
    gauge: (config) =>
      getOrCreate(Gauge, config, (name) => new Gauge({ ...config, name, registers: [registry] })),
    histogram: (config) =>
      getOrCreate(Histogram, config, (name) => new Histogram({ ...config, name, registers: [registry] })),
    get httpRequestDuration() {
      return httpRequestDuration;
    },
  };

  const httpRequestDuration = metrics.histogram<HttpLabels>({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status code',
    labelNames: ['method', 'route', 'status'],
    buckets: HTTP_DURATION_BUCKETS,
  });

  return metrics;
}

/** The degraded answers the system gives instead of failing, one label value each. */
export const FALLBACKS = ['stale-view', 'cache-read-through', 'rate-limit-in-memory'] as const;
export type Fallback = (typeof FALLBACKS)[number];

/**
 * `orderstream_fallbacks_total{fallback}`: every time a degraded answer stood in for a failed
 * dependency. Every value starts at 0, so a dashboard shows "none" rather than "no data".
 */
export const fallbackCounter = (metrics: Metrics): ((fallback: Fallback) => void) => {
  const counter = metrics.counter<'fallback'>({
    name: 'fallbacks_total',
    help: 'Degraded answers given instead of failing: a stale view, a read past the cache, an in-memory rate limit',
    labelNames: ['fallback'],
  });
  for (const fallback of FALLBACKS) counter.inc({ fallback }, 0);
  return (fallback) => counter.inc({ fallback });
};

/** Records sent to a dead-letter topic, by where they came from: one counter for every consumer. */
export const deadLetterCounter = (metrics: Metrics): Counter<'source'> =>
  metrics.counter<'source'>({
    name: 'dlq_records_total',
    help: 'Records sent to the dead-letter topic',
    labelNames: ['source'],
  });
