import Router from '@koa/router';
import CircuitBreaker from 'opossum';
import { DependencyError } from '../errors';
import { startTestApp, type TestApp } from './testing';

let app: TestApp;
/** The injected latencies, recorded instead of waited out. */
const slept: number[] = [];
beforeAll(async () => {
  const router = new Router();
  router.get('/api/work', (ctx) => {
    ctx.body = { done: true };
    app.logger.info({ step: 'working' }, 'did the work');
  });
  app = await startTestApp({
    routers: [router],
    checks: [{ name: 'kafka', check: async () => ({ detail: '3 brokers' }) }],
    failureSleep: async (ms) => void slept.push(ms),
  });
});
afterAll(() => app.close());

const json = async (path: string, init?: RequestInit) => {
  const res = await fetch(`${app.url}${path}`, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const simulate = (body: unknown) =>
  json('/api/diagnostics/simulate-failure', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('GET /api/diagnostics/logs', () => {
  it('returns only the lines of the asked correlation id', async () => {
    await fetch(`${app.url}/api/work`, { headers: { 'x-correlation-id': 'corr-a' } });
    await fetch(`${app.url}/api/work`, { headers: { 'x-correlation-id': 'corr-b' } });
    await fetch(`${app.url}/api/work`, { headers: { 'x-correlation-id': 'corr-a-suffix' } });

    const { status, body } = await json('/api/diagnostics/logs?correlationId=corr-a');
    expect(status).toBe(200);
    const lines = body.lines as Record<string, unknown>[];
    expect(lines.map((l) => l.msg)).toEqual(['did the work', 'request']);
    expect(lines.every((l) => l.correlationId === 'corr-a')).toBe(true);
    expect(lines[0]).toMatchObject({ service: 'test-service', step: 'working', level: 'info' });
  });

  it('requires a well-formed correlation id', async () => {
    expect((await json('/api/diagnostics/logs')).status).toBe(400);
    expect((await json('/api/diagnostics/logs?correlationId=%7B%22%24ne%22%3A1%7D')).status).toBe(400);
  });
});

describe('POST /api/diagnostics/simulate-failure', () => {
  afterEach(() => app.failures.clear());

  it('makes injector.before() throw a retriable DependencyError until mode off', async () => {
    await expect(app.failures.before('mongodb')).resolves.toBeUndefined();

    const on = await simulate({ target: 'mongodb', mode: 'error' });
    expect(on.status).toBe(200);
    expect(on.body.applied).toEqual({
      target: 'mongodb',
      mode: 'error',
      latencyMs: 0,
      rate: 1,
      expiresAt: expect.any(String),
    });
    const err = await app.failures.before('mongodb').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyError);
    expect(err).toMatchObject({ dependency: 'mongodb', retriable: true });
    await expect(app.failures.before('kafka')).resolves.toBeUndefined();

    expect((await simulate({ target: 'mongodb', mode: 'off' })).status).toBe(200);
    await expect(app.failures.before('mongodb')).resolves.toBeUndefined();
  });

  it('injects latency', async () => {
    await simulate({ target: 'redis', mode: 'latency', latencyMs: 60 });
    slept.length = 0;
    await app.failures.before('redis');
    await app.failures.before('kafka');
    expect(slept).toEqual([60]);
  });

  it('validates the request', async () => {
    const bad = await simulate({ target: 'x', mode: 'explode', rate: 2 });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(['mode', 'rate']);
    const noLatency = await simulate({ target: 'x', mode: 'latency' });
    expect(noLatency.body.errors).toEqual([
      { field: 'latencyMs', message: 'is required when mode is latency' },
    ]);
  });
});

describe('other diagnostics', () => {
  it('reports state, metrics and dependencies', async () => {
    const state = await json('/api/diagnostics/state');
    expect(state.body).toMatchObject({
      service: 'test-service',
      version: 'test',
      pid: process.pid,
      started: true,
    });
    expect(state.body.memory).toHaveProperty('heapUsed');

    await fetch(`${app.url}/api/work`);
    const metrics = await json('/api/diagnostics/metrics');
    const http = (metrics.body.metrics as { name: string; values: { name?: string }[] }[]).find(
      (m) => m.name === 'orderstream_http_request_duration_seconds',
    );
    expect(http?.values.some((v) => v.name?.endsWith('_bucket'))).toBe(false);
    expect(http?.values.some((v) => v.name?.endsWith('_count'))).toBe(true);

    const deps = await json('/api/diagnostics/dependencies');
    expect(deps.body).toMatchObject({
      status: 'ok',
      dependencies: { kafka: { status: 'ok', detail: '3 brokers' } },
    });
  });

  it('reports circuit breaker state and exports it as a metric', async () => {
    const breaker = new CircuitBreaker(async () => 'ok', { name: 'payments' });
    app.resilience.register('payment-gateway', breaker);
    await breaker.fire();
    expect((await json('/api/resilience/state')).body.breakers).toEqual([
      expect.objectContaining({
        name: 'payment-gateway',
        state: 'closed',
        stats: expect.objectContaining({ fires: 1 }),
      }),
    ]);
    breaker.open();
    const [state] = (await json('/api/resilience/state')).body.breakers as { state: string }[];
    expect(state?.state).toBe('open');
    const text = await (await fetch(`${app.url}/metrics`)).text();
    // Label order in the exposition is prom-client's business; match the labels, not their order.
    expect(text).toMatch(
      /orderstream_circuit_breaker_state\{breaker="payment-gateway",state="open",[^}]*\} 1\n/,
    );
    expect(text).toMatch(
      /orderstream_circuit_breaker_state\{breaker="payment-gateway",state="closed",[^}]*\} 0\n/,
    );
    breaker.shutdown();
  });
});
