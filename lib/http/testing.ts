import type Router from '@koa/router';
import { createFailureInjector, type FailureInjector } from '../observability/failure-injector';
import { createLogRingBuffer, type LogRingBuffer } from '../observability/log-ring-buffer';
import { createLogger, type Logger } from '../observability/logger';
import { createMetrics, type Metrics } from '../observability/metrics';
import { createResilienceRegistry, type ResilienceRegistry } from '../observability/resilience-registry';
import { createHttpApp, listen, type HttpAccess, type HttpServerHandle } from './app';
import { createHealth, type Health, type HealthCheck } from './health';

/**
 * The whole kit on an ephemeral port, for in-process tests of a service's routes. Log lines are
 * collected in `logLines` instead of printed, so test output stays readable and tests can assert
 * on what was logged.
 */
export interface TestApp extends HttpServerHandle {
  logger: Logger;
  logLines: Record<string, unknown>[];
  metrics: Metrics;
  health: Health;
  recentLogs: LogRingBuffer;
  failures: FailureInjector;
  resilience: ResilienceRegistry;
}

export async function startTestApp({
  service = 'test-service',
  routers = [],
  checks = [],
  healthTimeoutMs,
  started = true,
  access = 'open',
  failureInjection = true,
  failureSleep,
}: {
  service?: string;
  routers?: Router[];
  checks?: HealthCheck[];
  healthTimeoutMs?: number;
  started?: boolean;
  /** Open by default: most kits test one router; access tests pass a verifier. */
  access?: HttpAccess;
  failureInjection?: boolean;
  /** How injected latency is waited out; tests that check it pass one that records it. */
  failureSleep?: (ms: number) => Promise<void>;
} = {}): Promise<TestApp> {
  const logLines: Record<string, unknown>[] = [];
  const recentLogs = createLogRingBuffer({ capacity: 500 });
  const logger = createLogger({
    service,
    level: 'debug',
    recentLogs,
    destination: { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const metrics = createMetrics({ service, defaultMetrics: false });
  const health = createHealth({ checks, timeoutMs: healthTimeoutMs });
  if (started) health.markStarted();
  const failures = createFailureInjector({
    enabled: failureInjection,
    ...(failureSleep ? { sleep: failureSleep } : {}),
  });
  const resilience = createResilienceRegistry({ metrics });
  const app = createHttpApp({
    service,
    logger,
    metrics,
    health,
    diagnostics: { version: 'test', recentLogs, failures, resilience },
    routers,
    access,
  });
  const handle = await listen(app, 0, '127.0.0.1', { graceMs: 100 });
  return Object.assign(handle, { logger, logLines, metrics, health, recentLogs, failures, resilience });
}
