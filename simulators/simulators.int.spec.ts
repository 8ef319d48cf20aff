import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createCarrierClient, type CarrierClient } from '../lib/clients/carrier-client';
import { createNotificationClient, type NotificationClient } from '../lib/clients/notification-client';
import { createPaymentGatewayClient, type PaymentGatewayClient } from '../lib/clients/payment-gateway-client';
import { createLogger } from '../lib/observability/logger';
import { createMetrics } from '../lib/observability/metrics';
import { createResilienceRegistry } from '../lib/observability/resilience-registry';
import { deterministicDraw } from './shared/failure-knobs';
import { startSimulatorProcess, type RunningProcess } from '../test/support/simulators';

/**
 * Each simulator as a real process (`node --import tsx simulators/<name>/main.ts`, PORT=0),
 * reached over loopback through its typed client, exactly as the saga processors will.
 */
const ROOT = join(__dirname, '..');

type Running = RunningProcess;
type SimulatorName = Parameters<typeof startSimulatorProcess>[0];
const startProcess = (name: SimulatorName, env: Record<string, string> = {}): Promise<Running> =>
  startSimulatorProcess(name, env);
const stop = (running: Running | undefined): Promise<number | null> =>
  running ? running.stop() : Promise.resolve(null);

const kit = () => {
  const metrics = createMetrics({ service: 'simulators-int', defaultMetrics: false });
  return {
    metrics,
    resilience: createResilienceRegistry({ metrics }),
    logger: createLogger({ service: 'simulators-int', level: 'silent' }),
    timeoutMs: 2000,
    backoff: { baseMs: 20, maxMs: 200 },
  };
};

const postJson = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('simulators as processes', () => {
  let payment: Running | undefined;
  let carrier: Running | undefined;
  let notifications: Running | undefined;
  const clients: { close(): void }[] = [];
  let payments: PaymentGatewayClient;
  let shipping: CarrierClient;
  let messaging: NotificationClient;

  beforeAll(async () => {
    [payment, carrier, notifications] = await Promise.all([
      startProcess('payment-gateway'),
      startProcess('carrier', { DELIVERY_AFTER_MS: '600' }),
      startProcess('notifications'),
    ]);
    payments = createPaymentGatewayClient({ ...kit(), baseUrl: payment.url });
    shipping = createCarrierClient({ ...kit(), baseUrl: carrier.url });
    messaging = createNotificationClient({
      ...kit(),
      baseUrl: notifications.url,
      breaker: { resetTimeout: 300 },
    });
    clients.push(payments, shipping, messaging);
  }, 60_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    const codes = await Promise.all([stop(payment), stop(carrier), stop(notifications)]);
    // SIGTERM is a graceful stop: every process exits 0.
    expect(codes).toEqual([0, 0, 0]);
  }, 20_000);

  it('captures, replays and refunds through the client; the ledger balances', async () => {
    const order = { orderId: 'int-order-1', amount: 1999, currency: 'EUR' };
    const captured = await payments.capture(order, { idempotencyKey: 'int-order-1:capture' });
    if (captured.status !== 'captured') throw new Error('expected a capture');
    expect(await payments.capture(order, { idempotencyKey: 'int-order-1:capture' })).toEqual({
      ...captured,
      replayed: true,
    });
    await payments.refund(
      { orderId: order.orderId, amount: 1999, captureId: captured.captureId },
      { idempotencyKey: 'int-order-1:refund' },
    );
    const ledger = (await (await fetch(`${payment!.url}/admin/ledger?orderId=int-order-1`)).json()) as {
      orders: { captured: number; refunded: number; net: number; captures: unknown[] }[];
    };
    expect(ledger.orders).toEqual([expect.objectContaining({ captured: 1999, refunded: 1999, net: 0 })]);
    expect(ledger.orders[0]?.captures).toHaveLength(1);
  });

  it('declines the same orders on every attempt once declineRate is set over HTTP', async () => {
    expect((await postJson(`${payment!.url}/admin/failures`, { declineRate: 0.5 })).status).toBe(200);
    try {
      const ids = Array.from({ length: 40 }, (_, i) => `int-decline-${i}`);
      const declinedId = ids.find((id) => deterministicDraw(id) < 0.5) as string;
      for (const attempt of [1, 2]) {
        const result = await payments.capture(
          { orderId: declinedId, amount: 100, currency: 'EUR' },
          { idempotencyKey: `${declinedId}:capture:${attempt}` },
        );
        expect(result.status).toBe('declined');
      }
    } finally {
      await postJson(`${payment!.url}/admin/failures`, {});
    }
  });

  it('ships and sees the parcel delivered by polling tracking', async () => {
    const created = await shipping.createShipment(
      { orderId: 'int-order-2', items: [{ sku: 'SKU-1', quantity: 1 }] },
      { idempotencyKey: 'int-order-2:ship' },
    );
    if (created.status !== 'created') throw new Error('expected a shipment');
    const seen = new Set<string>();
    for (let poll = 0; poll < 50 && !seen.has('Delivered'); poll++) {
      seen.add((await shipping.tracking(created.shipmentId)).status);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect([...seen]).toEqual(expect.arrayContaining(['Created', 'Delivered']));
  });

  it('delivers notifications once and lists them by order', async () => {
    const message = { to: 'ada@example.com', subject: 'Shipped', body: 'On its way', orderId: 'int-order-3' };
    const first = await messaging.send('email', message, { idempotencyKey: 'int-order-3:shipped:email' });
    const again = await messaging.send('email', message, { idempotencyKey: 'int-order-3:shipped:email' });
    expect(again.messageId).toBe(first.messageId);
    const listed = (await (
      await fetch(`${notifications!.url}/admin/messages?orderId=int-order-3`)
    ).json()) as {
      items: unknown[];
    };
    expect(listed.items).toHaveLength(1);
  });

  it('gives up with a retriable error during an outage, opens the breaker, then recovers', async () => {
    await postJson(`${notifications!.url}/admin/failures`, { errorRate: 1 });
    const outage = await messaging
      .send('sms', { to: '+44', body: 'x' }, { idempotencyKey: 'outage-1' })
      .catch((err: unknown) => err);
    // Retries run until exhausted or until the failures open the breaker, whichever comes first.
    expect(outage).toMatchObject({
      failure: expect.stringMatching(/^(unavailable|circuit_open)$/),
      retriable: true,
    });
    expect(messaging.http.breaker.opened).toBe(true);

    await postJson(`${notifications!.url}/admin/failures`, {});
    // The breaker lets a trial call through once its reset timeout (300 ms) has passed.
    const breaker = messaging.http.breaker;
    if (!breaker.halfOpen) await new Promise((r) => breaker.once('halfOpen', r));
    await expect(
      messaging.send('sms', { to: '+44', body: 'x' }, { idempotencyKey: 'outage-1' }),
    ).resolves.toMatchObject({
      status: 'accepted',
    });
    expect(messaging.http.breaker.opened).toBe(false);
  });

  it('refuses to start on bad configuration and names the variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'simulators/carrier/main.ts')], {
      cwd: ROOT,
      env: { ...process.env, PORT: 'eighty', DELIVERY_AFTER_MS: '-1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('PORT');
    expect(stderr).toContain('DELIVERY_AFTER_MS');
  }, 30_000);
});
