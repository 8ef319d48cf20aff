import { pause } from '../../simulators/shared/failure-knobs';
import { createPaymentGatewaySimulator } from '../../simulators/payment-gateway/payment-gateway-simulator';
import { until } from '../../test/support/eventually';
import {
  scriptedRandom,
  startSimulator,
  type RunningSimulator,
} from '../../simulators/shared/simulator-testing';
import { startTestApp, type TestApp } from '../http/testing';
import { withCorrelation } from '../observability/logger';
import { createLogRingBuffer } from '../observability/log-ring-buffer';
import { createLogger } from '../observability/logger';
import type { ClientOptions } from './client-options';
import { ExternalCallError } from './errors';
import { createPaymentGatewayClient, type PaymentGatewayClient } from './payment-gateway-client';

/** The calling service's kit (metrics, resilience registry, diagnostics) on its own port. */
let kit: TestApp;
let gateway: RunningSimulator;
let client: PaymentGatewayClient | undefined;
const slept: number[] = [];
let fetches = 0;

beforeEach(async () => {
  kit = await startTestApp({ service: 'saga-test' });
  slept.length = 0;
  fetches = 0;
});
afterEach(async () => {
  client?.close();
  client = undefined;
  await Promise.all([kit.close(), gateway?.close()]);
});

const makeClient = (overrides: Partial<ClientOptions> = {}) => {
  client = createPaymentGatewayClient({
    baseUrl: gateway.url,
    timeoutMs: 1000,
    retries: 3,
    backoff: { baseMs: 100, maxMs: 1000 },
    metrics: kit.metrics,
    resilience: kit.resilience,
    failures: kit.failures,
    logger: kit.logger,
    random: () => 0.5,
    sleep: async (ms) => void slept.push(ms),
    fetch: (input, init) => {
      fetches += 1;
      return fetch(input, init);
    },
    ...overrides,
  });
  return client;
};

const payment = { orderId: 'order-1', amount: 4200, currency: 'EUR' };
const metricsText = async () => kit.metrics.registry.metrics();

describe('createPaymentGatewayClient', () => {
  it('retries a 503 with full-jitter backoff, then returns the capture (charged once)', async () => {
    gateway = await startSimulator(
      createPaymentGatewaySimulator({ failures: { errorRate: 0.5 }, random: scriptedRandom([0.1, 0.1]) }),
    );
    const payments = makeClient();
    const result = await payments.capture(payment, { idempotencyKey: 'cap-order-1' });
    expect(result).toMatchObject({ status: 'captured', amount: 4200, currency: 'EUR', replayed: false });
    expect(fetches).toBe(3);
    // random 0.5 → half of min(maxMs, 100 * 2^retry).
    expect(slept).toEqual([50, 100]);
    const text = await metricsText();
    expect(text).toContain('orderstream_retries_total{dependency="payment-gateway",service="saga-test"} 2');
    expect(text).toMatch(
      /orderstream_external_calls_total\{dependency="payment-gateway",operation="capture",outcome="success",service="saga-test"\} 1/,
    );
    expect(text).toMatch(
      /orderstream_external_call_duration_seconds_count\{[^}]*dependency="payment-gateway"/,
    );

    const again = await payments.capture(payment, { idempotencyKey: 'cap-order-1' });
    expect(again).toEqual({ ...result, replayed: true });
    expect((await gateway.get('/admin/ledger')).body.totals).toMatchObject({ captures: 1, captured: 4200 });
  });

  it('does not retry a decline (402): it is a result, not an error', async () => {
    gateway = await startSimulator(createPaymentGatewaySimulator({ failures: { declineRate: 1 } }));
    const result = await makeClient().capture(payment, { idempotencyKey: 'k' });
    expect(result).toEqual({ status: 'declined', reason: expect.any(String) });
    expect(fetches).toBe(1);
    expect(slept).toEqual([]);
    expect(await metricsText()).toMatch(/outcome="declined",service="saga-test"\} 1/);
  });

  it('does not retry other 4xx: a refund beyond the capture throws a non-retriable error', async () => {
    gateway = await startSimulator(createPaymentGatewaySimulator());
    const refund = makeClient().refund({ orderId: 'order-1', amount: 1 }, { idempotencyKey: 'r-1' });
    await expect(refund).rejects.toMatchObject({
      failure: 'rejected',
      retriable: false,
      code: 'DEPENDENCY_FAILED',
      details: expect.objectContaining({ status: 409, attempts: 1 }),
    });
    expect(fetches).toBe(1);
  });

  it('refunds what was captured', async () => {
    gateway = await startSimulator(createPaymentGatewaySimulator());
    const payments = makeClient();
    const captured = await payments.capture(payment, { idempotencyKey: 'c' });
    if (captured.status !== 'captured') throw new Error('expected a capture');
    const refund = await payments.refund(
      { orderId: 'order-1', amount: 4200, captureId: captured.captureId },
      { idempotencyKey: 'r' },
    );
    expect(refund).toMatchObject({ status: 'refunded', amount: 4200, refundId: expect.any(String) });
    expect((await gateway.get('/admin/ledger')).body.totals).toMatchObject({ net: 0 });
  });

  it('times out a hung request, retries, and finally throws a retriable DependencyError', async () => {
    gateway = await startSimulator(
      // A hang longer than the test's timeout: only the client's own timeout can end the call.
      createPaymentGatewaySimulator({ failures: { timeoutRate: 1 }, hangMs: 60_000 }),
    );
    const error = await makeClient({ timeoutMs: 100, retries: 1 })
      .capture(payment, { idempotencyKey: 'k' })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ExternalCallError);
    expect(error).toMatchObject({
      failure: 'timeout',
      retriable: true,
      details: expect.objectContaining({ attempts: 2 }),
    });
  });

  it('opens the breaker after repeated failures; /api/resilience/state shows it and calls fail fast', async () => {
    gateway = await startSimulator(createPaymentGatewaySimulator({ failures: { errorRate: 1 } }));
    const payments = makeClient({
      retries: 0,
      breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeout: 60_000 },
    });
    for (const n of [1, 2, 3]) {
      await expect(payments.capture(payment, { idempotencyKey: `k-${n}` })).rejects.toMatchObject({
        failure: 'unavailable',
      });
    }
    const fetchesBefore = fetches;
    await expect(payments.capture(payment, { idempotencyKey: 'k-4' })).rejects.toMatchObject({
      failure: 'circuit_open',
      retriable: true,
    });
    expect(fetches).toBe(fetchesBefore);

    const state = (await (await fetch(`${kit.url}/api/resilience/state`)).json()) as {
      breakers: { name: string; state: string; stats: { failures: number; rejects: number } }[];
    };
    expect(state.breakers).toEqual([
      expect.objectContaining({
        name: 'payment-gateway',
        state: 'open',
        stats: expect.objectContaining({ failures: 3, rejects: 1 }),
      }),
    ]);
    const text = await (await fetch(`${kit.url}/metrics`)).text();
    expect(text).toContain(
      'orderstream_circuit_breaker_state{breaker="payment-gateway",state="open",service="saga-test"} 1',
    );
    expect(text).toMatch(/outcome="circuit_open",service="saga-test"\} 1/);
  });

  it('counts declines as successes for the breaker', async () => {
    gateway = await startSimulator(createPaymentGatewaySimulator({ failures: { declineRate: 1 } }));
    const payments = makeClient({ breaker: { volumeThreshold: 1 } });
    for (const n of [1, 2, 3]) await payments.capture(payment, { idempotencyKey: `d-${n}` });
    expect(payments.http.breaker.opened).toBe(false);
  });

  it('is reached by simulate-failure (target payment-gateway) like a real outage', async () => {
    gateway = await startSimulator(createPaymentGatewaySimulator());
    kit.failures.set({ target: 'payment-gateway', mode: 'error' });
    await expect(makeClient({ retries: 2 }).capture(payment, { idempotencyKey: 'k' })).rejects.toMatchObject({
      failure: 'unavailable',
      details: expect.objectContaining({ attempts: 3 }),
    });
    expect(fetches).toBe(0);
  });

  it('limits calls in flight with its bulkhead and sheds past the queue bound', async () => {
    gateway = await startSimulator(createPaymentGatewaySimulator({ failures: { latencyMs: 50 } }));
    let inFlight = 0;
    let peak = 0;
    const payments = makeClient({
      bulkhead: { maxConcurrent: 2, maxQueue: 3 },
      fetch: async (input, init) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        try {
          return await fetch(input, init);
        } finally {
          inFlight -= 1;
        }
      },
    });
    const calls = Array.from({ length: 6 }, (_, i) =>
      payments.authorize({ ...payment, orderId: `o-${i}` }, { idempotencyKey: `a-${i}` }),
    );
    const results = await Promise.allSettled(calls);
    expect(peak).toBe(2);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(results[5]).toMatchObject({ status: 'rejected', reason: { failure: 'bulkhead_full' } });
  });

  it('stops when the caller aborts, and sends the correlation id', async () => {
    const recentLogs = createLogRingBuffer({ capacity: 100 });
    const logger = createLogger({
      service: 'pg',
      level: 'info',
      recentLogs,
      destination: { write: () => undefined },
    });
    let arrived!: () => void;
    const held = new Promise<void>((resolve) => (arrived = resolve));
    gateway = await startSimulator(
      createPaymentGatewaySimulator({
        logger,
        recentLogs,
        failures: { latencyMs: 60_000 },
        wait: (ms, res) => (arrived(), pause(ms, res)),
      }),
    );
    const payments = makeClient({ timeoutMs: 10_000 });
    const controller = new AbortController();
    const pending = withCorrelation({ correlationId: 'corr-42' }, () =>
      payments.capture(payment, { idempotencyKey: 'k', signal: controller.signal }),
    );
    await held; // the request reached the gateway and is held there
    controller.abort();
    await expect(pending).rejects.toMatchObject({ failure: 'aborted' });
    expect(payments.http.breaker.stats.failures).toBe(0);
    await expect(payments.capture(payment, { idempotencyKey: '' })).rejects.toThrow(TypeError);
    // The gateway logs the request under the caller's correlation id once the abort reaches it.
    await until('the gateway logged corr-42', () => recentLogs.linesFor('corr-42').length > 0, 4_000);
  });
});
