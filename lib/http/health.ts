import Router from '@koa/router';

export type HealthStatus = 'ok' | 'degraded' | 'down';

export interface CheckResult {
  status: HealthStatus;
  latencyMs: number;
  detail?: string;
}

export interface HealthCheck {
  name: string;
  /**
   * Resolves when the dependency is usable (optionally reporting `degraded`, e.g. "serving stale
   * cache"); throws when it is not. The signal aborts when the timeout fires, so a check can
   * cancel its probe instead of leaking it.
   */
  check(signal: AbortSignal): Promise<void | { status?: 'ok' | 'degraded'; detail?: string }>;
  /** Overrides the health-wide timeout for a probe known to be slower. */
  timeoutMs?: number;
  /**
   * Critical checks (the default) decide readiness: when one is down the instance takes no
   * traffic. A non-critical failure (e.g. Redis in front of MongoDB) only makes it `degraded`.
   */
  critical?: boolean;
}

export interface HealthReport {
  status: HealthStatus;
  checks: Record<string, CheckResult>;
}

export interface Health {
  /** Adds a check after construction, for dependencies connected later in start-up. */
  register(check: HealthCheck): void;
  /** Runs every check concurrently; concurrent callers share one run so probes cannot pile up. */
  run(): Promise<HealthReport>;
  /** Readiness: started and no critical check down. */
  ready(): Promise<{ ready: boolean; report: HealthReport }>;
  /** Called once start-up (topics, consumers, state restore) has finished. */
  markStarted(): void;
  readonly started: boolean;
}

export interface HealthOptions {
  checks?: HealthCheck[];
  /** Per-check timeout; a check slower than this counts as down (default 2 s). */
  timeoutMs?: number;
}

class CheckTimeout extends Error {}

async function runCheck(check: HealthCheck, defaultTimeoutMs: number): Promise<CheckResult> {
  const timeoutMs = check.timeoutMs ?? defaultTimeoutMs;
  const controller = new AbortController();
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new CheckTimeout(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref();
  });
  const latency = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    // `Promise.resolve().then` turns a check that throws synchronously into a rejection.
    const outcome = await Promise.race([
      Promise.resolve().then(() => check.check(controller.signal)),
      timeout,
    ]);
    const result: CheckResult = { status: outcome?.status ?? 'ok', latencyMs: latency() };
    if (outcome?.detail !== undefined) result.detail = outcome.detail;
    return result;
  } catch (err) {
    return { status: 'down', latencyMs: latency(), detail: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

export function createHealth({ checks = [], timeoutMs = 2000 }: HealthOptions = {}): Health {
  const registered = new Map<string, HealthCheck>();
  let started = false;
  let inFlight: Promise<HealthReport> | undefined;

  const register = (check: HealthCheck) => {
    if (registered.has(check.name)) throw new Error(`health check "${check.name}" is registered twice`);
    registered.set(check.name, check);
  };
  checks.forEach(register);

  async function runAll(): Promise<HealthReport> {
    const all = [...registered.values()];
    const results = await Promise.all(all.map((check) => runCheck(check, timeoutMs)));
    const report: HealthReport = { status: 'ok', checks: {} };
    all.forEach((check, i) => {
      const result = results[i] as CheckResult;
      report.checks[check.name] = result;
      if (result.status === 'down' && check.critical !== false) report.status = 'down';
      else if (result.status !== 'ok' && report.status === 'ok') report.status = 'degraded';
    });
    return report;
  }

  const health: Health = {
    register,
    run() {
      inFlight ??= runAll().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    async ready() {
      const report = await health.run();
      return { ready: started && report.status !== 'down', report };
    },
    markStarted() {
      started = true;
    },
    get started() {
      return started;
    },
  };
  return health;
}

/**
 * `/health` (aggregate, 503 when down), `/health/live` (the process answers), `/health/ready`
 * (503 until started and while a critical check is down), `/health/startup` (503 until started).
 * Liveness deliberately ignores dependencies: restarting us does not fix a dead MongoDB.
 */
export function healthRouter(health: Health): Router {
  const router = new Router();
  // Probes must always see the present, never a cached answer from a proxy.
  const reply = (ctx: Router.RouterContext, status: number, body: unknown) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.status = status;
    ctx.body = body;
  };
  router.get('/health', async (ctx) => {
    const report = await health.run();
    reply(ctx, report.status === 'down' ? 503 : 200, report);
  });
  router.get('/health/live', (ctx) => {
    reply(ctx, 200, { status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  });
  router.get('/health/ready', async (ctx) => {
    const { ready, report } = await health.ready();
    reply(ctx, ready ? 200 : 503, {
      ...report,
      status: ready ? report.status : 'down',
      started: health.started,
    });
  });
  router.get('/health/startup', (ctx) => {
    reply(ctx, health.started ? 200 : 503, { status: health.started ? 'started' : 'starting' });
  });
  return router;
}
