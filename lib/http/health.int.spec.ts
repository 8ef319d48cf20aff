import { createHealth, type HealthCheck } from './health';
import { startTestApp, type TestApp } from './testing';

const ok: HealthCheck = { name: 'kafka', check: async () => undefined };
const failing: HealthCheck = {
  name: 'mongodb',
  check: async () => {
    throw new Error('connect ECONNREFUSED');
  },
};
/** Signals the hanging check was given; a timed-out probe must abort it. */
const hangingSignals: AbortSignal[] = [];
const hanging: HealthCheck = {
  name: 'registry',
  timeoutMs: 50,
  check: (signal) => {
    hangingSignals.push(signal);
    return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
  },
};

const apps: TestApp[] = [];
async function start(checks: HealthCheck[], started = true) {
  const app = await startTestApp({ checks, started });
  apps.push(app);
  return app;
}
afterAll(() => Promise.all(apps.map((a) => a.close())));

const getJson = async (app: TestApp, path: string) => {
  const res = await fetch(`${app.url}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('health endpoints', () => {
  it('is ready and ok when every check passes', async () => {
    const app = await start([ok]);
    const ready = await getJson(app, '/health/ready');
    expect(ready.status).toBe(200);
    const health = await getJson(app, '/health');
    expect(health).toEqual({
      status: 200,
      body: { status: 'ok', checks: { kafka: { status: 'ok', latencyMs: expect.any(Number) } } },
    });
  });

  it('is not ready when a check fails, and says which', async () => {
    const app = await start([ok, failing]);
    const ready = await getJson(app, '/health/ready');
    expect(ready.status).toBe(503);
    const health = await getJson(app, '/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({
      status: 'down',
      checks: { kafka: { status: 'ok' }, mongodb: { status: 'down', detail: 'connect ECONNREFUSED' } },
    });
  });

  it('is not ready when a check times out, and aborts the probe', async () => {
    const app = await start([hanging]);
    const ready = await getJson(app, '/health/ready');
    expect(ready.status).toBe(503);
    expect(hangingSignals.at(-1)?.aborted).toBe(true);
    expect(ready.body).toMatchObject({
      checks: { registry: { status: 'down', detail: 'timed out after 50 ms' } },
    });
  });

  it('stays ready but degraded when only a non-critical check fails', async () => {
    const app = await start([ok, { ...failing, name: 'redis', critical: false }]);
    const ready = await getJson(app, '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('degraded');
  });

  it('is alive but neither started nor ready before start-up finishes', async () => {
    const app = await start([ok], false);
    expect((await getJson(app, '/health/live')).status).toBe(200);
    expect(await getJson(app, '/health/startup')).toEqual({ status: 503, body: { status: 'starting' } });
    expect((await getJson(app, '/health/ready')).status).toBe(503);
    app.health.markStarted();
    expect(await getJson(app, '/health/startup')).toEqual({ status: 200, body: { status: 'started' } });
    expect((await getJson(app, '/health/ready')).status).toBe(200);
  });
});

describe('createHealth', () => {
  it('shares one run between concurrent callers', async () => {
    let calls = 0;
    const health = createHealth({
      checks: [{ name: 'slow', check: () => new Promise((r) => setTimeout(() => r(void calls++), 20)) }],
    });
    await Promise.all([health.run(), health.run(), health.run()]);
    expect(calls).toBe(1);
  });

  it('reports a check that throws synchronously as down', async () => {
    const health = createHealth({
      checks: [
        {
          name: 'sync',
          check: () => {
            throw new Error('bad config');
          },
        },
      ],
    });
    expect(await health.run()).toMatchObject({ status: 'down', checks: { sync: { detail: 'bad config' } } });
  });
});
