import Router from '@koa/router';
import type { FailureInjector, FailureRequest } from '../observability/failure-injector';
import type { LogRingBuffer } from '../observability/log-ring-buffer';
import type { Metrics } from '../observability/metrics';
import type { ResilienceRegistry } from '../observability/resilience-registry';
import type { Health } from './health';
import { readJsonBody } from './json-body';
import { compileQueryValidator } from './query-validation';
import { compileValidator, validationFailed } from '../validation';

export interface DiagnosticsOptions {
  service: string;
  version?: string;
  metrics: Metrics;
  health: Health;
  recentLogs: LogRingBuffer;
  failures: FailureInjector;
  resilience: ResilienceRegistry;
  /** Service-specific state (assigned partitions, consumer positions, cache size, …). */
  state?: () => unknown;
}

const simulateFailure = compileValidator<FailureRequest>({
  type: 'object',
  additionalProperties: false,
  required: ['target', 'mode'],
  properties: {
    target: { type: 'string', minLength: 1, maxLength: 100 },
    mode: { type: 'string', enum: ['error', 'latency', 'off'] },
    latencyMs: { type: 'integer', minimum: 0, maximum: 60_000 },
    durationMs: { type: 'integer', minimum: 1, maximum: 3_600_000 },
    rate: { type: 'number', minimum: 0, maximum: 1 },
  },
});

const logsQuery = compileQueryValidator<{ correlationId: string; limit?: number }>({
  type: 'object',
  required: ['correlationId'],
  properties: {
    correlationId: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
    limit: { type: 'integer', minimum: 1, maximum: 10_000 },
  },
});

/** Buckets are for Prometheus; a human reading JSON wants count and sum per series. */
async function metricsSummary(metrics: Metrics) {
  const all = await metrics.registry.getMetricsAsJSON();
  return all.map((metric) => ({
    name: metric.name,
    type: metric.type,
    help: metric.help,
    values: metric.values
      .filter(
        (v) => !('metricName' in v && typeof v.metricName === 'string' && v.metricName.endsWith('_bucket')),
      )
      .map((v) => ({
        ...('metricName' in v && v.metricName !== undefined ? { name: v.metricName } : {}),
        labels: v.labels,
        value: v.value,
      })),
  }));
}

/**
 * The operator's window into one instance, same paths on every service (DESIGN §7). It exposes
 * internals and can inject failures, so it answers the admin role only (lib/auth/access-rules.ts),
 * and failure injection only where the deployment enabled it.
 */
export function diagnosticsRouter(options: DiagnosticsOptions): Router {
  const { service, version, metrics, health, recentLogs, failures, resilience, state } = options;
  const router = new Router();

  router.get('/api/diagnostics/state', async (ctx) => {
    ctx.body = {
      service,
      version: version ?? 'unknown',
      pid: process.pid,
      uptimeSeconds: Math.round(process.uptime()),
      memory: process.memoryUsage(),
      started: health.started,
      failures: failures.list(),
      state: state ? await state() : undefined,
    };
  });

  router.get('/api/diagnostics/metrics', async (ctx) => {
    ctx.body = { service, metrics: await metricsSummary(metrics) };
  });

  router.get('/api/diagnostics/dependencies', async (ctx) => {
    const report = await health.run();
    ctx.body = { service, status: report.status, dependencies: report.checks };
  });

  router.get('/api/diagnostics/logs', (ctx) => {
    const { correlationId, limit } = logsQuery.validate(ctx.query);
    const lines = recentLogs.linesFor(correlationId, limit);
    ctx.body = { service, correlationId, count: lines.length, lines };
  });

  router.post('/api/diagnostics/simulate-failure', async (ctx) => {
    const request = simulateFailure.validate(await readJsonBody(ctx));
    if (request.mode === 'latency' && request.latencyMs === undefined) {
      throw validationFailed(
        [{ field: 'latencyMs', message: 'is required when mode is latency' }],
        'request body',
      );
    }
    const rule = failures.set(request);
    ctx.body = { service, applied: rule ?? { target: request.target, mode: 'off' }, active: failures.list() };
  });

  router.get('/api/resilience/state', (ctx) => {
    ctx.body = { service, breakers: resilience.list() };
  });

  return router;
}
