import type Router from '@koa/router';
import type Koa from 'koa';
import type { Middleware } from 'koa';
import { createHttpApp } from '../../lib/http/app';
import { createHealth } from '../../lib/http/health';
import { createFailureInjector } from '../../lib/observability/failure-injector';
import { createLogRingBuffer, type LogRingBuffer } from '../../lib/observability/log-ring-buffer';
import { createLogger, type Logger } from '../../lib/observability/logger';
import { createMetrics, type Metrics } from '../../lib/observability/metrics';
import { createResilienceRegistry } from '../../lib/observability/resilience-registry';
import {
  createFailureKnobs,
  failureKnobsRouter,
  injectFailures,
  type FailureKnobs,
  type FailureKnobsStore,
  type Pause,
} from './failure-knobs';

/** What every `create<Name>Simulator(options)` accepts; all optional, so tests pass only what they fake. */
export interface SimulatorOptions<R extends string = never> {
  /** Silent when omitted, so in-process tests stay quiet. */
  logger?: Logger;
  recentLogs?: LogRingBuffer;
  metrics?: Metrics;
  /** Knobs at start; `POST /admin/failures` changes them later. */
  failures?: Partial<FailureKnobs<R>>;
  /** Source of the errorRate/timeoutRate draws. */
  random?: () => number;
  /** How long an injected timeout holds the request (default 30 s). */
  hangMs?: number;
  /** How injected latency and hangs are waited out (default: a timer, cut short if the client leaves). */
  wait?: Pause;
  /** Reported at `/api/diagnostics/state`. */
  version?: string;
}

export interface SimulatorKit<R extends string> {
  logger: Logger;
  knobs: FailureKnobsStore<R>;
  /** Route middleware for business endpoints (not admin, health or metrics). */
  outages: Middleware;
}

/**
 * The shared service kit (health, metrics, diagnostics, problem+json errors, correlation) plus
 * the failure knobs. `routes` receives the kit and returns the simulator's own routers.
 */
export function createSimulatorApp<R extends string = never>({
  service,
  businessRates,
  options,
  routes,
  state,
}: {
  service: string;
  businessRates: readonly R[];
  options: SimulatorOptions<R>;
  routes: (kit: SimulatorKit<R>) => Router[];
  state?: () => unknown;
}): Koa {
  const recentLogs = options.recentLogs ?? createLogRingBuffer({ capacity: 500 });
  const logger = options.logger ?? createLogger({ service, level: 'silent' });
  const metrics = options.metrics ?? createMetrics({ service, defaultMetrics: false });
  // A simulator has no dependencies: it is ready as soon as it exists.
  const health = createHealth();
  health.markStarted();
  const knobs = createFailureKnobs(businessRates, options.failures);
  const outages = injectFailures({
    knobs: knobs as FailureKnobsStore<string>,
    logger,
    random: options.random,
    hangMs: options.hangMs,
    wait: options.wait,
  });
  return createHttpApp({
    service,
    logger,
    metrics,
    health,
    diagnostics: {
      version: options.version,
      recentLogs,
      // Simulators inject failures through their own /admin/failures knobs instead.
      failures: createFailureInjector({ enabled: false }),
      resilience: createResilienceRegistry(),
      state: () => ({ failures: knobs.get(), ...(state ? (state() as object) : {}) }),
    },
    // Stand-ins for external parties, bound to loopback: no tokens (their real counterparts have their own).
    access: 'open',
    routers: [failureKnobsRouter(knobs, businessRates, logger), ...routes({ logger, knobs, outages })],
  });
}
