import { deterministicDraw, pause } from '../shared/failure-knobs';
import { scriptedRandom, startSimulator, type RunningSimulator } from '../shared/simulator-testing';
import {
  createPaymentGatewaySimulator,
  type PaymentGatewaySimulatorOptions,
} from './payment-gateway-simulator';

let sim: RunningSimulator | undefined;
const start = async (options: PaymentGatewaySimulatorOptions = {}) => {
  sim = await startSimulator(createPaymentGatewaySimulator(options));
  return sim;
};
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const key = (name: string) => ({ 'Idempotency-Key': name });
const capture = { orderId: 'order-1', amount: 2599, currency: 'EUR' };

/** Order ids whose deterministic draw falls below / above 0.5. */
const orderIds = (wantBelow: boolean, count: number) =>
  Array.from({ length: 200 }, (_, i) => `order-${i}`)
    .filter((id) => deterministicDraw(id) < 0.5 === wantBelow)
    .slice(0, count);

describe('payment gateway simulator', () => {
  it('replays a repeated Idempotency-Key with the stored response and charges once', async () => {
    const gateway = await start();
    const first = await gateway.post('/payments/capture', capture, key('k-1'));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'captured', amount: 2599, captureId: expect.any(String) });
    expect(first.headers.get('idempotent-replay')).toBeNull();

    // Same request, keys in another order: the same request.
    const again = await gateway.post(
      '/payments/capture',
      { currency: 'EUR', amount: 2599, orderId: 'order-1' },
      key('k-1'),
    );
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replay')).toBe('true');

    const ledger = await gateway.get('/admin/ledger');
    expect(ledger.body.totals).toMatchObject({ captures: 1, captured: 2599, net: 2599 });
  });

  it('refuses a key reused for a different request with 422', async () => {
    const gateway = await start();
    await gateway.post('/payments/capture', capture, key('k-2'));
    const other = await gateway.post('/payments/capture', { ...capture, amount: 1 }, key('k-2'));
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
    expect(other.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect((await gateway.get('/admin/ledger')).body.totals).toMatchObject({ captures: 1 });
  });

  it('requires an Idempotency-Key on every POST', async () => {
    const gateway = await start();
    for (const path of ['/payments/authorize', '/payments/capture', '/payments/refund']) {
      const reply = await gateway.post(path, capture);
      expect(reply.status).toBe(400);
      expect(reply.body.errors).toEqual([{ field: 'Idempotency-Key', message: 'is required on every POST' }]);
    }
  });

  it('declines deterministically per order: hash(orderId) < declineRate, same answer on every retry', async () => {
    const gateway = await start({ failures: { declineRate: 0.5 } });
    const [declinedId, otherDeclinedId] = orderIds(true, 2);
    const [acceptedId] = orderIds(false, 1);
    for (const attempt of [1, 2, 3]) {
      const declined = await gateway.post(
        '/payments/capture',
        { ...capture, orderId: declinedId },
        key(`d-${attempt}`),
      );
      expect(declined.status).toBe(402);
      expect(declined.body).toMatchObject({ status: 402, outcome: 'declined', code: 'PAYMENT_DECLINED' });
      expect(typeof declined.body.reason).toBe('string');
    }
    expect(
      (await gateway.post('/payments/authorize', { ...capture, orderId: otherDeclinedId }, key('a-1')))
        .status,
    ).toBe(402);
    const accepted = await gateway.post(
      '/payments/capture',
      { ...capture, orderId: acceptedId },
      key('ok-1'),
    );
    expect(accepted.status).toBe(201);

    // A decline is a final answer: replayed under its key even after declines are switched off.
    await gateway.post('/admin/failures', { declineRate: 0 });
    const replay = await gateway.post('/payments/capture', { ...capture, orderId: declinedId }, key('d-1'));
    expect(replay.status).toBe(402);
    expect(replay.headers.get('idempotent-replay')).toBe('true');
    expect((await gateway.get('/admin/ledger')).body.totals).toMatchObject({ captures: 1, captured: 2599 });
  });

  it('captures an authorization once and never more than authorized; never declines held funds', async () => {
    const gateway = await start();
    const auth = await gateway.post('/payments/authorize', capture, key('auth-1'));
    expect(auth.status).toBe(201);
    const authorizationId = auth.body.authorizationId as string;
    await gateway.post('/admin/failures', { declineRate: 1 });
    const tooMuch = await gateway.post(
      '/payments/capture',
      { ...capture, amount: 9999, authorizationId },
      key('c-0'),
    );
    expect(tooMuch.status).toBe(409);
    const captured = await gateway.post('/payments/capture', { ...capture, authorizationId }, key('c-1'));
    expect(captured.status).toBe(201);
    const twice = await gateway.post('/payments/capture', { ...capture, authorizationId }, key('c-2'));
    expect(twice.body).toMatchObject({ status: 409, code: 'AUTHORIZATION_CAPTURED' });
  });

  it('cancels an order whichever arrives first: it reverses a capture before it and refuses one after it', async () => {
    const gateway = await start();
    expect((await gateway.post('/payments/capture', capture, key('c-1'))).status).toBe(201);
    const reversed = await gateway.post('/payments/cancel', { orderId: 'order-1' }, key('x-1'));
    expect(reversed.body).toMatchObject({ status: 'cancelled', amount: 2599 });

    const late = { ...capture, orderId: 'order-2' };
    const early = await gateway.post('/payments/cancel', { orderId: 'order-2' }, key('x-2'));
    expect(early.body).toMatchObject({ status: 'cancelled', amount: 0 });
    const refused = await gateway.post('/payments/capture', late, key('c-2'));
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'ORDER_CLOSED' });

    const ledger = await gateway.get('/admin/ledger');
    expect((ledger.body as { totals: { net: number } }).totals.net).toBe(0);
  });

  it('refunds at most what was captured and keeps the ledger balanced', async () => {
    const gateway = await start();
    const { body: cap } = await gateway.post('/payments/capture', capture, key('c-1'));
    const part = await gateway.post(
      '/payments/refund',
      { orderId: 'order-1', amount: 1000, captureId: cap.captureId },
      key('r-1'),
    );
    expect(part.status).toBe(201);
    expect(part.body).toMatchObject({ status: 'refunded', amount: 1000, refundId: expect.any(String) });
    const over = await gateway.post('/payments/refund', { orderId: 'order-1', amount: 1600 }, key('r-2'));
    expect(over.body).toMatchObject({ status: 409, code: 'REFUND_EXCEEDS_CAPTURED' });
    const unknown = await gateway.post(
      '/payments/refund',
      { orderId: 'order-1', amount: 1, captureId: 'cap_x' },
      key('r-3'),
    );
    expect(unknown.status).toBe(404);
    const nothing = await gateway.post('/payments/refund', { orderId: 'order-2', amount: 1 }, key('r-4'));
    expect(nothing.status).toBe(409);
    const rest = await gateway.post('/payments/refund', { orderId: 'order-1', amount: 1599 }, key('r-5'));
    expect(rest.status).toBe(201);

    const ledger = await gateway.get('/admin/ledger?orderId=order-1');
    expect(ledger.body.orders).toEqual([
      expect.objectContaining({
        orderId: 'order-1',
        currency: 'EUR',
        captured: 2599,
        refunded: 2599,
        net: 0,
      }),
    ]);
    expect(ledger.body.totals).toMatchObject({ captured: 2599, refunded: 2599, net: 0, refunds: 2 });
  });

  it('answers 503 at errorRate before the idempotency lookup, then replays the stored success', async () => {
    const gateway = await start();
    const first = await gateway.post('/payments/capture', capture, key('k-err'));
    await gateway.post('/admin/failures', { errorRate: 1 });
    const failed = await gateway.post('/payments/capture', capture, key('k-err'));
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ status: 503, code: 'INJECTED_ERROR' });
    await gateway.post('/admin/failures', {});
    const replay = await gateway.post('/payments/capture', capture, key('k-err'));
    expect(replay.body.captureId).toBe(first.body.captureId);
    expect((await gateway.get('/admin/ledger')).body.totals).toMatchObject({ captures: 1 });
  });

  it('applies errorRate per draw, adds latency, and hangs then 504s at timeoutRate', async () => {
    const waits: number[] = [];
    const gateway = await start({
      random: scriptedRandom([0.2, 0.8]),
      hangMs: 150,
      wait: async (ms) => (waits.push(ms), 'elapsed'),
    });
    await gateway.post('/admin/failures', { errorRate: 0.5 });
    expect((await gateway.post('/payments/authorize', capture, key('e-1'))).status).toBe(503);
    expect((await gateway.post('/payments/authorize', capture, key('e-2'))).status).toBe(201);

    await gateway.post('/admin/failures', { latencyMs: 80 });
    waits.length = 0;
    const slow = await gateway.post('/payments/authorize', capture, key('l-1'));
    expect(slow.status).toBe(201);
    expect(waits).toEqual([80]);

    await gateway.post('/admin/failures', { timeoutRate: 1 });
    waits.length = 0;
    const hung = await gateway.post('/payments/authorize', capture, key('t-1'));
    expect(hung.status).toBe(504);
    expect(hung.body).toMatchObject({ code: 'INJECTED_TIMEOUT' });
    expect(waits).toEqual([0, 150]); // no latency knob left, then the hang
  });

  it('lets a client that gave up on a hung request go, without holding the server', async () => {
    const outcomes: string[] = [];
    let hangEnded!: () => void;
    const hangOver = new Promise<void>((resolve) => (hangEnded = resolve));
    const gateway = await start({
      failures: { timeoutRate: 1 },
      wait: async (ms, res) => {
        const outcome = await pause(ms, res);
        outcomes.push(outcome);
        if (ms > 0) hangEnded();
        return outcome;
      },
    });
    await expect(
      fetch(`${gateway.url}/payments/capture`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'Idempotency-Key': 'h-1' },
        body: JSON.stringify(capture),
        signal: AbortSignal.timeout(50),
      }),
    ).rejects.toThrow();
    // The 30 s hang ends as soon as the client leaves (held for its 30 s, it would outlast the test).
    await hangOver;
    expect(outcomes).toEqual(['elapsed', 'client-gone']); // no latency, then the hang cut short
  });

  it('shows and validates the knobs: GET /admin/failures, unknown knob 400', async () => {
    const gateway = await start();
    const set = await gateway.post('/admin/failures', {
      errorRate: 0.1,
      latencyMs: 5,
      timeoutRate: 0.2,
      declineRate: 0.3,
    });
    expect(set.body).toEqual({ errorRate: 0.1, latencyMs: 5, timeoutRate: 0.2, declineRate: 0.3 });
    expect((await gateway.get('/admin/failures')).body).toEqual(set.body);
    const bad = await gateway.post('/admin/failures', { rejectRate: 0.5, errorRate: 2 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'rejectRate' }),
        expect.objectContaining({ field: 'errorRate' }),
      ]),
    );
    // The kit comes for free: health, metrics, diagnostics.
    expect((await gateway.get('/health/ready')).status).toBe(200);
    expect((await gateway.get('/api/diagnostics/state')).body.state).toMatchObject({ failures: set.body });
    expect(await (await fetch(`${gateway.url}/metrics`)).text()).toContain(
      'orderstream_http_request_duration_seconds',
    );
  });
});
